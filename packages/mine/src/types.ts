import type { RepositoryTableName } from '@gitfleet/dataset';
import type { CacheOption, EngineSet } from '@gitfleet/git';
import type { FleetSource, Session } from '@gitfleet/session';

/**
 * What to mine: `github:<owner>`, `gitlab:<group>` (with its subgroups), `github:<owner>/<repo>`,
 * `gitlab:<group>/<project>`, a clone URL, a local repository path (mined in place), a line of
 * `gitfleet repos --format ndjson`, or a source parsed by `parseSource` / `parseSourceList`
 * (`@gitfleet/session`).
 */
export type MineSource = string | FleetSource;

/** Provider data mined on request, besides the git data. */
export type ProviderData = 'prs' | 'issues' | 'contributors';

export interface MineOptions {
  /** The dataset directory (created if missing). */
  out: string;
  /**
   * Where the bare clones live between runs (one stable directory per clone URL,
   * `<clones>/<host>/<path>`). Default `<out>/.clones`.
   */
  clones?: string;
  /** Provider listings (owner targets, `repos` lines): keep only full names matching one of these globs. */
  include?: readonly string[];
  /** Provider listings: leave out full names matching one of these globs. */
  exclude?: readonly string[];
  /** Provider listings: keep forks (default true). */
  forks?: boolean;
  /** Provider listings: keep archived repositories (default true). */
  archived?: boolean;
  /**
   * Only commits newer than this (git's `--since`, by committer date): a `Date`, unix seconds, or a
   * date string `Date.parse` reads (`2024-01-01` is midnight UTC).
   */
  since?: Date | number | string;
  /** Only commits older than this (git's `--until`); same forms as `since`. */
  until?: Date | number | string;
  /** Globs of paths left out of the file-level tables (`commit_files`, `ownership`, `blame_lines`), e.g. `vendor/**`. */
  excludePaths?: readonly string[];
  /** Blame ownership at HEAD (default true). */
  blame?: boolean;
  /** Keep every blamed line in `blame_lines` (default false). */
  blameLines?: boolean;
  /** Provider data to mine for provider repositories: `prs`, `issues`, `contributors`. */
  with?: readonly ProviderData[];
  /** Repositories extracted at once (history, blame, writing). Default: the number of CPU cores. */
  jobs?: number;
  /** Clones or refreshes at once. Default 4. */
  cloneJobs?: number;
  /** Files blamed at once within one repository. Default: the number of CPU cores (min 2). */
  blameConcurrency?: number;
  /**
   * Files larger than this (bytes) are not blamed, and count as binary in history stats (git's
   * `core.bigFileThreshold`). Default 50 MiB; `Infinity` for no limit.
   */
  maxFileSize?: number;
  /** Retries of transient clone failures (default 2). */
  retries?: number;
  /** Time limit of each clone or refresh attempt, in ms. */
  timeoutMs?: number;
  /**
   * `@gitfleet/git`'s result cache for history and blame. Default off: its keys hold the commit, so a
   * repository that changed misses anyway; on (`true`, a directory), a rerun after a crash or with
   * other options reads what an earlier run computed.
   */
  cache?: CacheOption;
  /** Tokens, provider clients and git tokens to use. Default: a new session (environment and credential store). */
  session?: Session;
  /**
   * Run the git work in this process, on the caller's engines (who closes them). Default: in a
   * helper process of the run (see the README: forks from a big process stall its event loop).
   */
  engines?: EngineSet;
  /** Stops the run: clones, git processes and open transactions; the summary then says `aborted`. */
  signal?: AbortSignal;
}

/** The stages a repository goes through; a failure names the stage it happened in. */
export type MineStage = 'source' | 'list' | 'clone' | 'open' | 'history' | 'blame' | 'provider' | 'write';

/** Stages that report progress. */
export type MineProgressStage = 'clone' | 'history' | 'blame' | 'provider' | 'write';

/** A failure as plain data: a stable code (`GITFLEET_...`) and a one-line message (credentials redacted). */
export interface MineFailure {
  code: string;
  message: string;
}

/** Rows published per table. */
export type TableRows = Partial<Record<RepositoryTableName, number>>;

/**
 * What a run reports, in order for each repository: `queued`, `progress` (per stage: clone with
 * percent, history with commits read, blame with files done of total, provider, write), then one of
 * `unchanged`, `published` or `failed`. Owner sources report `listed` once their listing is done;
 * the run ends with `finalized` (unless aborted).
 */
export type MineEvent =
  | { type: 'listed'; source: string; repositories: number; filtered: number }
  | { type: 'queued'; repository: string; source: string }
  | { type: 'progress'; repository: string; stage: MineProgressStage; done: number; total?: number; percent?: number }
  | { type: 'unchanged'; repository: string; durationMs: number }
  | { type: 'published'; repository: string; rows: TableRows; durationMs: number }
  | { type: 'failed'; repository: string; stage: MineStage; error: MineFailure; durationMs: number }
  | { type: 'finalized'; repositories: number; authors: number; durationMs: number };

/** How one repository (or a source that failed before naming any) ended. */
export interface MineResult {
  /** The dataset key: provider full name, clone URL (without credentials) or absolute path; a failed source's text. */
  repository: string;
  /** `interrupted`: stopped by the abort signal (not recorded as an error). */
  status: 'published' | 'unchanged' | 'failed' | 'interrupted';
  stage?: MineStage;
  error?: MineFailure;
  /** Rows published, for `published`. */
  rows?: TableRows;
  durationMs: number;
}

export interface MineSummary {
  /** The dataset directory (absolute). */
  out: string;
  /** Repositories (and failed sources) of the run. */
  repositories: number;
  published: number;
  unchanged: number;
  failed: number;
  interrupted: number;
  /** One per repository, in the order they finished. */
  results: MineResult[];
  /** Rows published by this run, per table. */
  rows: TableRows;
  /** Authors in the dataset after `finalize`; null when the run was aborted before it. */
  authors: number | null;
  durationMs: number;
  /** The signal stopped the run; what was published stays, the rest is `interrupted`. */
  aborted: boolean;
}

/**
 * A run of {@link mine}: iterate it for progress events (each iteration sees the events from the
 * moment it starts; leaving the loop early does not stop the run), await `summary` for the end.
 */
export interface MineRun extends AsyncIterable<MineEvent> {
  /** Resolves when the run is over (also when aborted); rejects only when the run cannot start or finish (e.g. the dataset is locked by another writer). */
  readonly summary: Promise<MineSummary>;
}
