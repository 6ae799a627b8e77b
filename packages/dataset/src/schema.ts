/**
 * The dataset's schema: one typed definition that drives the Parquet files (DDL of the staged
 * rows), the views, row validation, the TypeScript row types and SCHEMA.md.
 *
 * Column kinds: `input` columns come from the pipeline; `computed` columns are filled by the writer
 * when it publishes (stored in the Parquet files); `derived` columns exist only in the views
 * (`fleet.duckdb`, `openDataset`), joined from the fleet-wide `authors` tables at query time.
 */

/** Column types, as DuckDB names them. Times are unix seconds, time-zone offsets minutes east of UTC. */
export type ColumnType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR[]';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
  /** NULL allowed (and the column may be left out of an input row). */
  readonly nullable?: boolean;
  /** Filled by the writer with this SQL expression over the staged row (`$published_time` is the publish time). */
  readonly computed?: string;
  /** Not stored: the views add it by joining the fleet's identities on this stored column. */
  readonly derived?: { readonly from: string; readonly via: 'identity' | 'login' };
}

export interface TableDef {
  readonly description: string;
  /** `repository`: one Parquet file per repository (`<table>/<key>.parquet`); `fleet`: one file, built by finalize. */
  readonly scope: 'repository' | 'fleet';
  /** The columns that identify a row (documentation; the writer does not deduplicate). */
  readonly key: readonly string[];
  readonly columns: readonly ColumnDef[];
}

const repository = { name: 'repository', type: 'VARCHAR', description: 'The repository: the key column of `repositories`.' } as const;

/**
 * SQL of the identity key of a raw (email, name): the lower-cased, trimmed email, or the name when
 * the email is empty, hashed to 16 hex digits. `authors` merges identity keys into authors.
 */
export function identityKeySql(email: string, name: string): string {
  return `substr(md5(CASE WHEN coalesce(trim(${email}), '') <> '' THEN 'email:' || lower(trim(${email})) ELSE 'name:' || lower(trim(coalesce(${name}, ''))) END), 1, 16)`;
}

const authorKey = <P extends string>(prefix: P) =>
  ({
    name: `${prefix}_key` as `${P}_key`,
    type: 'VARCHAR',
    description: `Identity key of the ${prefix} (hash of the lower-cased email, or of the name when there is no email). Join \`author_identities.identity_key\` to get \`author_id\`.`,
    computed: identityKeySql(`${prefix}_email`, `${prefix}_name`),
  }) as const;

const authorId = <P extends string>(prefix: P) =>
  ({
    name: `${prefix}_id` as `${P}_id`,
    type: 'VARCHAR',
    description: `The merged ${prefix}: \`authors.author_id\` (view only; NULL until \`finalize\` has seen this identity).`,
    nullable: true,
    derived: { from: `${prefix}_key`, via: 'identity' },
  }) as const;

const loginAuthorId = {
  name: 'author_id',
  type: 'VARCHAR',
  description: 'The merged author whose `logins` contain this login: `authors.author_id` (view only; NULL when no commit identity is linked to the login).',
  nullable: true,
  derived: { from: 'author_login', via: 'login' },
} as const;

const time = <N extends string>(name: N, description: string) => ({ name, type: 'BIGINT', description: `${description} (unix seconds).` }) as const;
const optionalTime = <N extends string>(name: N, description: string) => ({ ...time(name, description), nullable: true }) as const;

export const TABLES = {
  repositories: {
    description: 'One row per repository mined.',
    scope: 'repository',
    key: ['repository'],
    columns: [
      { ...repository, description: 'The provider\'s full name (`owner/name`, `group/subgroup/name`), or the clone URL or local path.' },
      { name: 'provider', type: 'VARCHAR', description: '`github`, `gitlab`, or NULL for a URL or a local path.', nullable: true },
      { name: 'name', type: 'VARCHAR', description: 'Short name of the repository.', nullable: true },
      { name: 'url', type: 'VARCHAR', description: 'Web page of the repository.', nullable: true },
      { name: 'clone_url', type: 'VARCHAR', description: 'The URL (or path) it was cloned from.', nullable: true },
      { name: 'default_branch', type: 'VARCHAR', description: 'Default branch.', nullable: true },
      { name: 'head_sha', type: 'VARCHAR', description: 'Commit of the default branch when mined (the commit ownership was computed at).', nullable: true },
      { name: 'description', type: 'VARCHAR', description: 'Provider description.', nullable: true },
      { name: 'language', type: 'VARCHAR', description: 'Main language according to the provider.', nullable: true },
      { name: 'stars', type: 'INTEGER', description: 'Stars (GitHub) or star count (GitLab).', nullable: true },
      { name: 'is_fork', type: 'BOOLEAN', description: 'A fork of another repository.', nullable: true },
      { name: 'is_archived', type: 'BOOLEAN', description: 'Archived (read-only) on the provider.', nullable: true },
      { name: 'is_private', type: 'BOOLEAN', description: 'Private or internal on the provider.', nullable: true },
      { name: 'is_empty', type: 'BOOLEAN', description: 'Has no commit.', nullable: true },
      { name: 'is_shallow', type: 'BOOLEAN', description: 'The clone is shallow, so history is truncated.', nullable: true },
      optionalTime('created_time', 'Creation on the provider'),
      optionalTime('pushed_time', 'Last push on the provider'),
      { ...time('published_time', 'When this repository\'s data was published to the dataset'), computed: '$published_time' },
    ],
  },
  commits: {
    description: 'Every commit reachable from the mined refs, one row per repository and commit.',
    scope: 'repository',
    key: ['repository', 'sha'],
    columns: [
      repository,
      { name: 'sha', type: 'VARCHAR', description: 'Commit id (hex).' },
      { name: 'parents', type: 'VARCHAR[]', description: 'Parent commit ids, in order.' },
      { name: 'is_merge', type: 'BOOLEAN', description: 'More than one parent.', computed: 'len(parents) > 1' },
      { name: 'author_name', type: 'VARCHAR', description: 'Author name (after the repository\'s mailmap).' },
      { name: 'author_email', type: 'VARCHAR', description: 'Author email (after the repository\'s mailmap).' },
      time('author_time', 'Author date'),
      { name: 'author_tz_offset', type: 'INTEGER', description: 'Author time zone, minutes east of UTC.' },
      { name: 'committer_name', type: 'VARCHAR', description: 'Committer name (after the mailmap).' },
      { name: 'committer_email', type: 'VARCHAR', description: 'Committer email (after the mailmap).' },
      time('committer_time', 'Committer date'),
      { name: 'committer_tz_offset', type: 'INTEGER', description: 'Committer time zone, minutes east of UTC.' },
      { name: 'message', type: 'VARCHAR', description: 'Full commit message.' },
      { name: 'additions', type: 'INTEGER', description: 'Lines added, summed over the files (against the first parent).' },
      { name: 'deletions', type: 'INTEGER', description: 'Lines deleted, summed over the files (against the first parent).' },
      { name: 'files_changed', type: 'INTEGER', description: 'Files changed (against the first parent).' },
      authorKey('author'),
      authorKey('committer'),
      authorId('author'),
      authorId('committer'),
    ],
  },
  commit_files: {
    description: 'Per-file changes of each commit against its first parent (like `git log --numstat --diff-merges=first-parent`).',
    scope: 'repository',
    key: ['repository', 'sha', 'path'],
    columns: [
      repository,
      { name: 'sha', type: 'VARCHAR', description: 'Commit id.' },
      { name: 'path', type: 'VARCHAR', description: 'Path after the change.' },
      { name: 'old_path', type: 'VARCHAR', description: 'Path before a rename or copy, else NULL.', nullable: true },
      { name: 'status', type: 'VARCHAR', description: 'Change status as git prints it: `A`, `M`, `D`, `R`, `C`, `T`.' },
      { name: 'additions', type: 'INTEGER', description: 'Lines added; NULL for a binary file.', nullable: true },
      { name: 'deletions', type: 'INTEGER', description: 'Lines deleted; NULL for a binary file.', nullable: true },
    ],
  },
  branches: {
    description: 'Branches of each repository when mined.',
    scope: 'repository',
    key: ['repository', 'name'],
    columns: [
      repository,
      { name: 'name', type: 'VARCHAR', description: 'Branch name (without `refs/heads/`).' },
      { name: 'sha', type: 'VARCHAR', description: 'Commit the branch points at.' },
      { name: 'is_default', type: 'BOOLEAN', description: 'The repository\'s default branch.' },
    ],
  },
  ownership: {
    description: 'Blame ownership at `repositories.head_sha`: surviving lines per file and author.',
    scope: 'repository',
    key: ['repository', 'path', 'author_key'],
    columns: [
      repository,
      { name: 'path', type: 'VARCHAR', description: 'File path at HEAD.' },
      { name: 'author_name', type: 'VARCHAR', description: 'Author of the lines (after the mailmap).' },
      { name: 'author_email', type: 'VARCHAR', description: 'Author email of the lines (after the mailmap).' },
      { name: 'lines', type: 'INTEGER', description: 'Lines of the file at HEAD that this author last changed.' },
      authorKey('author'),
      authorId('author'),
    ],
  },
  blame_lines: {
    description: 'Every line of every file at HEAD with the commit that last changed it (only with `--blame-lines`).',
    scope: 'repository',
    key: ['repository', 'path', 'line'],
    columns: [
      repository,
      { name: 'path', type: 'VARCHAR', description: 'File path at HEAD.' },
      { name: 'line', type: 'INTEGER', description: 'Line number at HEAD, from 1.' },
      { name: 'sha', type: 'VARCHAR', description: 'Commit that last changed the line.' },
      { name: 'original_path', type: 'VARCHAR', description: 'Path of the line in that commit.', nullable: true },
      { name: 'original_line', type: 'INTEGER', description: 'Line number in that commit.', nullable: true },
      { name: 'author_name', type: 'VARCHAR', description: 'Author of that commit (after the mailmap).' },
      { name: 'author_email', type: 'VARCHAR', description: 'Author email of that commit (after the mailmap).' },
      optionalTime('author_time', 'Author date of that commit'),
      { name: 'author_tz_offset', type: 'INTEGER', description: 'Author time zone of that commit, minutes east of UTC.', nullable: true },
      authorKey('author'),
      authorId('author'),
    ],
  },
  login_hints: {
    description: 'Provider logins known for commit emails (from the provider API), used to merge authors.',
    scope: 'repository',
    key: ['repository', 'email', 'login'],
    columns: [
      repository,
      { name: 'email', type: 'VARCHAR', description: 'A commit email.' },
      { name: 'login', type: 'VARCHAR', description: 'The provider login that email belongs to.' },
    ],
  },
  pull_requests: {
    description: 'Pull requests (GitHub) or merge requests (GitLab), with `--with prs`.',
    scope: 'repository',
    key: ['repository', 'number'],
    columns: [
      repository,
      { name: 'number', type: 'INTEGER', description: 'Number (GitHub) or iid (GitLab).' },
      { name: 'title', type: 'VARCHAR', description: 'Title.' },
      { name: 'state', type: 'VARCHAR', description: '`open`, `closed` or `merged`.' },
      { name: 'author_login', type: 'VARCHAR', description: 'Login of the author.', nullable: true },
      optionalTime('created_time', 'Opened'),
      optionalTime('updated_time', 'Last updated'),
      optionalTime('closed_time', 'Closed or merged'),
      optionalTime('merged_time', 'Merged'),
      { name: 'is_draft', type: 'BOOLEAN', description: 'Draft.', nullable: true },
      { name: 'base_branch', type: 'VARCHAR', description: 'Target branch.', nullable: true },
      { name: 'head_branch', type: 'VARCHAR', description: 'Source branch.', nullable: true },
      { name: 'url', type: 'VARCHAR', description: 'Web page.', nullable: true },
      loginAuthorId,
    ],
  },
  issues: {
    description: 'Issues (without pull requests), with `--with issues`.',
    scope: 'repository',
    key: ['repository', 'number'],
    columns: [
      repository,
      { name: 'number', type: 'INTEGER', description: 'Number (GitHub) or iid (GitLab).' },
      { name: 'title', type: 'VARCHAR', description: 'Title.' },
      { name: 'state', type: 'VARCHAR', description: '`open` or `closed`.' },
      { name: 'author_login', type: 'VARCHAR', description: 'Login of the author.', nullable: true },
      optionalTime('created_time', 'Opened'),
      optionalTime('updated_time', 'Last updated'),
      optionalTime('closed_time', 'Closed'),
      { name: 'comments', type: 'INTEGER', description: 'Number of comments.', nullable: true },
      { name: 'labels', type: 'VARCHAR[]', description: 'Label names.', nullable: true },
      { name: 'url', type: 'VARCHAR', description: 'Web page.', nullable: true },
      loginAuthorId,
    ],
  },
  contributors: {
    description: 'Contributors according to the provider, with `--with contributors`.',
    scope: 'repository',
    key: ['repository', 'author_login'],
    columns: [
      repository,
      { name: 'author_login', type: 'VARCHAR', description: 'Provider login.' },
      { name: 'name', type: 'VARCHAR', description: 'Display name, where the provider gives it.', nullable: true },
      { name: 'email', type: 'VARCHAR', description: 'Email, where the provider gives it.', nullable: true },
      { name: 'contributions', type: 'INTEGER', description: 'Contributions (commits) counted by the provider.', nullable: true },
      loginAuthorId,
    ],
  },
  errors: {
    description: 'Why a repository failed, per phase. Cleared when the repository is next published.',
    scope: 'repository',
    key: ['repository', 'phase'],
    columns: [
      repository,
      { name: 'phase', type: 'VARCHAR', description: 'Where it failed: `list`, `clone`, `history`, `blame`, `provider`, ... (set by the pipeline).' },
      { name: 'message', type: 'VARCHAR', description: 'One-line error message.' },
      { name: 'code', type: 'VARCHAR', description: 'Stable error code (`GITFLEET_...`), where known.', nullable: true },
      optionalTime('time', 'When it failed; the publish time if not given'),
    ],
  },
  authors: {
    description:
      'Authors merged across the fleet by `finalize`: identities with the same email (case-insensitive) are one author, and so are identities linked to the same provider login (login hints, GitHub noreply emails).',
    scope: 'fleet',
    key: ['author_id'],
    columns: [
      { name: 'author_id', type: 'VARCHAR', description: 'Stable id of the author: the smallest identity key among its identities.' },
      { name: 'name', type: 'VARCHAR', description: 'Display name: the name used on most commits.' },
      { name: 'email', type: 'VARCHAR', description: 'The email used on most commits.' },
      { name: 'names', type: 'VARCHAR[]', description: 'Every name seen, most used first.' },
      { name: 'emails', type: 'VARCHAR[]', description: 'Every email seen (lower case), most used first.' },
      { name: 'logins', type: 'VARCHAR[]', description: 'Provider logins linked to the author.' },
      { name: 'is_bot', type: 'BOOLEAN', description: 'A bot: dependabot, renovate, github-actions, a `[bot]` name, login or noreply address, and the like.' },
      { name: 'commits', type: 'BIGINT', description: 'Distinct commits authored, across the fleet (a commit in two repositories counts once).' },
      { name: 'lines', type: 'BIGINT', description: 'Lines surviving at HEAD that the author last changed (`ownership`), across the fleet.' },
      { name: 'repositories', type: 'BIGINT', description: 'Repositories with a commit or surviving lines by the author.' },
      optionalTime('first_time', 'First author date'),
      optionalTime('last_time', 'Last author date'),
    ],
  },
  author_identities: {
    description: 'Maps every identity key of the repository tables (`author_key`, `committer_key`) to its merged `author_id`.',
    scope: 'fleet',
    key: ['identity_key'],
    columns: [
      { name: 'identity_key', type: 'VARCHAR', description: 'An identity key as stored in the repository tables.' },
      { name: 'author_id', type: 'VARCHAR', description: 'The merged author (`authors.author_id`).' },
      { name: 'email', type: 'VARCHAR', description: 'The lower-cased email of the identity (empty for a name-only identity).' },
      { name: 'name', type: 'VARCHAR', description: 'The name most used with this identity.' },
    ],
  },
} as const satisfies Record<string, TableDef>;

export type TableName = keyof typeof TABLES;
/** Tables written per repository by a transaction. */
export type RepositoryTableName = { [T in TableName]: (typeof TABLES)[T]['scope'] extends 'repository' ? T : never }[TableName];

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];
export const REPOSITORY_TABLES = TABLE_NAMES.filter((t) => TABLES[t].scope === 'repository') as RepositoryTableName[];

/** Version of the file layout and schema. A repository published with another version counts as changed. */
export const SCHEMA_VERSION = 1;

interface TypeMap {
  VARCHAR: string;
  BIGINT: number;
  INTEGER: number;
  DOUBLE: number;
  BOOLEAN: boolean;
  'VARCHAR[]': string[];
}
type ColumnsOf<T extends TableName> = (typeof TABLES)[T]['columns'][number];
type ValueOf<C> = C extends { type: infer K extends ColumnType } ? TypeMap[K] | (C extends { nullable: true } ? null : never) : never;

/** A row of table `T` as queries return it (views, including derived columns). */
export type Row<T extends TableName> = { -readonly [C in ColumnsOf<T> as C['name']]: ValueOf<C> };

type IsInput<C> = C extends { computed: string } ? false : C extends { derived: object } ? false : C extends { name: 'repository' } ? false : true;
/** A row of table `T` as the pipeline writes it: `repository` is filled in by the transaction, nullable columns may be left out. */
export type RowInput<T extends TableName> = {
  -readonly [C in ColumnsOf<T> as IsInput<C> extends true ? (C extends { nullable: true } ? never : C['name']) : never]: ValueOf<C>;
} & {
  -readonly [C in ColumnsOf<T> as IsInput<C> extends true ? (C extends { nullable: true } ? C['name'] : never) : never]?: ValueOf<C> | undefined;
} & { repository?: string };

export type RepositoryRow = Row<'repositories'>;
export type CommitRow = Row<'commits'>;
export type CommitFileRow = Row<'commit_files'>;
export type BranchRow = Row<'branches'>;
export type OwnershipRow = Row<'ownership'>;
export type BlameLineRow = Row<'blame_lines'>;
export type LoginHintRow = Row<'login_hints'>;
export type PullRequestRow = Row<'pull_requests'>;
export type IssueRow = Row<'issues'>;
export type ContributorRow = Row<'contributors'>;
export type ErrorRow = Row<'errors'>;
export type AuthorRow = Row<'authors'>;
export type AuthorIdentityRow = Row<'author_identities'>;

/** The column definitions of a table. */
export function columnsOf(table: TableName): readonly ColumnDef[] {
  return TABLES[table].columns;
}

/** Columns stored in the Parquet files (input and computed, not derived), in file order. */
export function storedColumns(table: TableName): readonly ColumnDef[] {
  return columnsOf(table).filter((c) => !c.derived);
}

/** Columns a transaction takes from the pipeline (everything stored but `repository` and computed columns). */
export function inputColumns(table: TableName): readonly ColumnDef[] {
  return storedColumns(table).filter((c) => !c.computed && c.name !== 'repository');
}

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}
