import picomatch from 'picomatch';
import { DEFAULT_MAX_BLAME_FILE_SIZE, type Repository } from './repository.js';
import { identityKey, summarizeBlame, type AuthorLines } from './summary.js';
import type { Commit, ProgressEvent } from './types.js';

export interface AnalyzeOptions {
  /** How many of the most-churned files to report. Default 10. */
  topFiles?: number;
  /** Revision to analyse. Default HEAD. */
  rev?: string;
  /** Apply .mailmap to history (default true). Blame always applies it, as `git blame` does. */
  mailmap?: boolean;
  /**
   * Files larger than this (bytes) are not read: left out of ownership (listed as skipped) and
   * counted as binary in history stats. Default: `DEFAULT_MAX_BLAME_FILE_SIZE` (50 MiB).
   */
  maxFileSize?: number;
  /**
   * How surviving lines are attributed: `walk` (default) in one pass over history
   * (`repo.ownership()`: git blame's attribution, exact on every fixture, a few files left to git
   * blame), or `blame`: `git blame` of every file.
   */
  ownership?: 'walk' | 'blame';
  /** Only commits newer than this (git's `--since`): commits, authors and churn. */
  since?: Date | number | string;
  /** Only commits older than this (git's `--until`). */
  until?: Date | number | string;
  /**
   * Globs of files to leave out of the file-level sections (ownership and churn), e.g. vendored or
   * generated trees. Commit totals stay whole, as git counts them.
   */
  excludePaths?: readonly string[];
  signal?: AbortSignal;
  /** `ownership`: commits replayed by the walk; `blame`: files blamed by git. */
  onProgress?: (stage: 'history' | 'ownership' | 'blame', event: ProgressEvent) => void;
}

export interface AuthorActivity {
  name: string;
  email: string;
  commits: number;
  additions: number;
  deletions: number;
  /** Surviving lines at the analysed revision, from blame. */
  lines: number;
}

/** Churn of one file at the analysed revision, through its renames (as `git log --follow`). */
export interface FileChurn {
  /** Path at the analysed revision. */
  path: string;
  commits: number;
  additions: number;
  deletions: number;
  /** additions + deletions */
  churn: number;
}

export interface AnalysisReport {
  repoName: string;
  root: string;
  /** Resolved commit analysed, or null for an empty repository. */
  head: string | null;
  commits: {
    count: number;
    merges: number;
    /** Author time of the oldest and newest commit (unix seconds), null when empty. */
    first: number | null;
    last: number | null;
    spanDays: number;
  };
  authors: AuthorActivity[];
  ownership: { totalLines: number; files: number; authors: AuthorLines[]; skipped: { path: string; code: string; message: string }[] };
  /**
   * The most-churned files that exist at the analysed revision, each followed through its
   * renames like `git log --follow` (first-parent stats); deleted files are not listed.
   */
  churn: FileChurn[];
}

/**
 * The main report: history totals, author activity, surviving-line ownership and the most-churned files.
 * An author is an email (case-insensitive) under the name and email of their newest commit,
 * the same in every section.
 *
 * @example
 * ```ts
 * await using repo = await openRepository('.');
 * const report = await analyzeRepository(repo);
 * console.log(report.commits.count, report.authors[0]?.name);
 * ```
 */
export async function analyzeRepository(repo: Repository, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const { signal, onProgress } = options;
  const mailmap = options.mailmap ?? true;
  const head = await repo.resolve(options.rev ?? 'HEAD', signal ? { signal } : {}).catch(() => null);
  const report: AnalysisReport = {
    repoName: repo.name,
    root: repo.root,
    head,
    commits: { count: 0, merges: 0, first: null, last: null, spanDays: 0 },
    authors: [],
    ownership: { totalLines: 0, files: 0, authors: [], skipped: [] },
    churn: [],
  };
  if (head === null) return report; // empty repository: nothing to walk or blame

  const authors = new Map<string, AuthorActivity>();
  const excluded = options.excludePaths?.length ? picomatch([...options.excludePaths], { dot: true }) : () => false;
  const current = (await repo.files([], { rev: head, ...(signal ? { signal } : {}) })).map((f) => f.path).filter((p) => !excluded(p));
  const churn = new FollowedChurn(current);
  let first = Infinity;
  let last = -Infinity;
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_BLAME_FILE_SIZE;
  for await (const commit of repo.history({
    rev: head,
    files: true,
    mailmap,
    maxFileSize,
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (e) => onProgress?.('history', e),
  })) {
    report.commits.count++;
    if (commit.isMerge) report.commits.merges++;
    first = Math.min(first, commit.author.timestamp);
    last = Math.max(last, commit.author.timestamp);
    // History comes newest first: the first commit seen names the identity.
    const key = identityKey(commit.author.email);
    const a = authors.get(key) ?? { name: commit.author.name, email: commit.author.email, commits: 0, additions: 0, deletions: 0, lines: 0 };
    a.commits++;
    a.additions += commit.additions;
    a.deletions += commit.deletions;
    authors.set(key, a);
    churn.add(commit);
  }
  if (report.commits.count > 0) {
    // `since`/`until` may leave no commit: the span stays null.
    report.commits.first = first;
    report.commits.last = last;
    report.commits.spanDays = Math.round(((last - first) / 86_400) * 10) / 10;
  }

  const exclude = options.excludePaths?.length ? { exclude: options.excludePaths } : {};
  const ownership =
    options.ownership === 'blame'
      ? await summarizeBlame(
          repo.blameChunks({
            rev: head,
            maxFileSize,
            ...exclude,
            ...(signal ? { signal } : {}),
            onProgress: (e) => onProgress?.('blame', e),
          }),
        )
      : await repo.ownership({
          rev: head,
          maxFileSize,
          ...exclude,
          ...(signal ? { signal } : {}),
          onProgress: (stage, e) => onProgress?.(stage === 'walk' ? 'ownership' : 'blame', e),
        });
  for (const owner of ownership.authors) {
    const key = identityKey(owner.email);
    const a = authors.get(key) ?? { name: owner.name, email: owner.email, commits: 0, additions: 0, deletions: 0, lines: 0 };
    a.lines = owner.lines;
    authors.set(key, a);
    // One identity, one name: the history's, in the ownership section too.
    owner.name = a.name;
    owner.email = a.email;
  }
  report.ownership = {
    totalLines: ownership.totalLines,
    files: ownership.files,
    authors: ownership.authors,
    skipped: ownership.errors.map(({ path, code, message }) => ({ path, code, message })),
  };
  report.authors = [...authors.values()].sort((x, y) => y.commits - x.commits || y.lines - x.lines || x.email.localeCompare(y.email));
  report.churn = churn
    .files()
    .sort((x, y) => y.churn - x.churn || y.commits - x.commits || (x.path < y.path ? -1 : 1))
    .slice(0, options.topFiles ?? 10);
  return report;
}

/**
 * Churn of the files at the analysed revision, each followed through its renames as
 * `git log --follow <path>` does: history comes newest first, each file tracks one path, and a
 * commit that renames `old` to the tracked path moves the tracking to `old` for older commits.
 */
class FollowedChurn {
  private readonly churn = new Map<string, FileChurn>();
  /** Path in the history walked so far -> the current files that had it (several if a path was reused). */
  private readonly tracked = new Map<string, string[]>();

  constructor(currentPaths: Iterable<string>) {
    for (const path of currentPaths) this.tracked.set(path, [path]);
  }

  add(commit: Commit): void {
    const moves: [string, string[]][] = [];
    for (const f of commit.files ?? []) {
      const owners = this.tracked.get(f.path);
      if (!owners) continue;
      for (const path of owners) {
        const c = this.churn.get(path) ?? { path, commits: 0, additions: 0, deletions: 0, churn: 0 };
        c.commits++;
        c.additions += f.additions;
        c.deletions += f.deletions;
        c.churn += f.additions + f.deletions;
        this.churn.set(path, c);
      }
      if (f.status === 'renamed' && f.oldPath !== null) {
        this.tracked.delete(f.path);
        moves.push([f.oldPath, owners]);
      }
    }
    // After the whole commit: a swap of two paths must not count one change twice.
    for (const [oldPath, owners] of moves) this.tracked.set(oldPath, [...(this.tracked.get(oldPath) ?? []), ...owners]);
  }

  files(): FileChurn[] {
    return [...this.churn.values()];
  }
}
