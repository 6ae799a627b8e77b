/**
 * The aggregates a report embeds: everything the page draws, computed ahead in SQL, and nothing
 * else (no raw rows). Shared by the Node side (`collectReportData`) and the page (`client/`).
 *
 * Months are numbered `year * 12 + (month - 1)` (UTC); times are unix seconds. Bulky per-repository
 * lists are tuples, and authors and languages are indexes into the dictionaries of `ReportData`,
 * so that a 1,000-repository fleet stays a few megabytes.
 */

export const REPORT_DATA_VERSION = 1;

/** Counts per month, dense from `start` (a month number) to the last month with a count. */
export interface MonthSeries {
  start: number;
  counts: number[];
}

/** Opened / closed (and merged, for pull requests) per month, dense from `start`. */
export interface ActivitySeries {
  start: number;
  opened: number[];
  closed: number[];
  /** Pull and merge requests only. */
  merged?: number[];
  /** Rows in the table, and those still open. */
  total: number;
  open: number;
}

/** An author of the dictionary, merged across the fleet (`authors.author_id`). */
export interface AuthorEntry {
  name: string;
  email: string;
  bot: boolean;
}

/** A language of the dictionary: linguist's name and colour, and the extensions (or file names) seen. */
export interface LanguageEntry {
  name: string;
  color: string | null;
  kinds: string[];
}

/** A fleet author row: `author` indexes `ReportData.authors`. */
export interface FleetAuthor {
  author: number;
  commits: number;
  lines: number;
  repositories: number;
  firstTime: number | null;
  lastTime: number | null;
  /** Other names and emails merged into this author. */
  aliases: number;
}

/** [repository index or -1 in a repository section, path, changes, distinct authors, churn (added + deleted), last change]. */
export type Hotspot = [repository: number, path: string, changes: number, authors: number, churn: number, lastTime: number | null];

/** [language index, lines (or changes, see `languageMeasure`), files]. */
export type LanguageAmount = [language: number, amount: number, files: number];

/** [author index, count]. */
export type AuthorAmount = [author: number, amount: number];

/** [short sha, author time, author index, subject]. */
export type RecentCommit = [sha: string, time: number, author: number, subject: string];

export interface RepositoryInfo {
  provider: string | null;
  /** A web page (http or https only; anything else is dropped when collecting). */
  url: string | null;
  defaultBranch: string | null;
  headSha: string | null;
  description: string | null;
  language: string | null;
  stars: number | null;
  fork: boolean;
  archived: boolean;
  shallow: boolean;
}

export interface RepositoryStats {
  commits: number;
  merges: number;
  authors: number;
  firstTime: number | null;
  lastTime: number | null;
  additions: number;
  deletions: number;
  /** Surviving lines at HEAD (ownership) and files with ownership. */
  lines: number;
  files: number;
  branches: number;
  /** Smallest number of authors owning `threshold` of the surviving lines; null without ownership. */
  busFactor: number | null;
  /** The surviving lines the bus factor is counted on (bots' left out unless `includeBots`). */
  ownedLines: number;
  /** Commits by bots left out (0 with `includeBots`). */
  botCommits: number;
}

export interface RepositorySection {
  name: string;
  info: RepositoryInfo;
  stats: RepositoryStats;
  commitsPerMonth: MonthSeries;
  /** 7 x 24 commits, Monday 00h first, in each author's own time zone. */
  heatmap: number[];
  authorsByCommits: AuthorAmount[];
  authorsByLines: AuthorAmount[];
  /** The bus-factor owners, most lines first. */
  owners: number[];
  hotspots: Hotspot[];
  languages: LanguageAmount[];
  pullRequests: ActivitySeries | null;
  issues: ActivitySeries | null;
  recentCommits: RecentCommit[];
  /** Failures recorded for this repository (`errors`). */
  errors: ErrorEntry[];
}

export interface ErrorEntry {
  repository: string;
  phase: string;
  message: string;
  code: string | null;
  time: number | null;
}

export interface FleetSection {
  /** Distinct commits per month (a commit in two repositories counts once). */
  commitsPerMonth: MonthSeries;
  heatmap: number[];
  /** The `top` authors by commits and the `top` by lines, plus more for the table (`authorsTable`). */
  authors: FleetAuthor[];
  /** Fleet hotspots: the top files by changes and by authors (repository index set). */
  hotspots: Hotspot[];
  languages: LanguageAmount[];
  pullRequests: ActivitySeries | null;
  issues: ActivitySeries | null;
}

export interface ReportTotals {
  repositories: number;
  /** Distinct commits. */
  commits: number;
  merges: number;
  /** People (bots apart) and bots among the merged authors with a commit or a surviving line. */
  authors: number;
  bots: number;
  botCommits: number;
  firstTime: number | null;
  lastTime: number | null;
  lines: number;
  files: number;
  pullRequests: number;
  issues: number;
  errors: number;
}

export interface ReportData {
  version: typeof REPORT_DATA_VERSION;
  title: string;
  generatedTime: number;
  options: {
    includeBots: boolean;
    threshold: number;
    top: number;
    /** Languages measured by surviving lines (ownership), or by file changes when there is no ownership. */
    languageMeasure: 'lines' | 'changes';
  };
  /** Rows left out to keep the file small: authors beyond the table's limit. */
  omitted: { authors: number };
  totals: ReportTotals;
  authors: AuthorEntry[];
  languages: LanguageEntry[];
  fleet: FleetSection;
  repositories: RepositorySection[];
  errors: ErrorEntry[];
}
