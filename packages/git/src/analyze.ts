import type { Repository } from './repository.js';
import { summarizeBlame, type AuthorLines } from './summary.js';
import type { ProgressEvent } from './types.js';

export interface AnalyzeOptions {
  /** How many of the most-churned files to report. Default 10. */
  topFiles?: number;
  /** Revision to analyse. Default HEAD. */
  rev?: string;
  /** Apply .mailmap (default true). */
  mailmap?: boolean;
  signal?: AbortSignal;
  onProgress?: (stage: 'history' | 'blame', event: ProgressEvent) => void;
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

export interface FileChurn {
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
  ownership: { totalLines: number; files: number; authors: AuthorLines[]; skipped: { path: string; code: string }[] };
  churn: FileChurn[];
}

/**
 * The main report: history totals, author activity, surviving-line ownership and the most-churned files.
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
  const churn = new Map<string, FileChurn>();
  let first = Infinity;
  let last = -Infinity;
  for await (const commit of repo.history({
    rev: head,
    files: true,
    mailmap,
    ...(signal ? { signal } : {}),
    onProgress: (e) => onProgress?.('history', e),
  })) {
    report.commits.count++;
    if (commit.isMerge) report.commits.merges++;
    first = Math.min(first, commit.author.timestamp);
    last = Math.max(last, commit.author.timestamp);
    const key = commit.author.email.toLowerCase();
    const a = authors.get(key) ?? { name: commit.author.name, email: commit.author.email, commits: 0, additions: 0, deletions: 0, lines: 0 };
    a.commits++;
    a.additions += commit.additions;
    a.deletions += commit.deletions;
    authors.set(key, a);
    for (const f of commit.files ?? []) {
      const c = churn.get(f.path) ?? { path: f.path, commits: 0, additions: 0, deletions: 0, churn: 0 };
      c.commits++;
      c.additions += f.additions;
      c.deletions += f.deletions;
      c.churn += f.additions + f.deletions;
      churn.set(f.path, c);
    }
  }
  report.commits.first = first;
  report.commits.last = last;
  report.commits.spanDays = Math.round(((last - first) / 86_400) * 10) / 10;

  const ownership = await summarizeBlame(
    repo.blame({ rev: head, ...(signal ? { signal } : {}), onProgress: (e) => onProgress?.('blame', e) }),
  );
  for (const owner of ownership.authors) {
    const key = owner.email.toLowerCase();
    const a = authors.get(key) ?? { name: owner.name, email: owner.email, commits: 0, additions: 0, deletions: 0, lines: 0 };
    a.lines = owner.lines;
    authors.set(key, a);
  }
  report.ownership = {
    totalLines: ownership.totalLines,
    files: ownership.files,
    authors: ownership.authors,
    skipped: ownership.errors.map(({ path, code }) => ({ path, code })),
  };
  report.authors = [...authors.values()].sort((x, y) => y.commits - x.commits || y.lines - x.lines || x.email.localeCompare(y.email));
  report.churn = [...churn.values()]
    .sort((x, y) => y.churn - x.churn || y.commits - x.commits || (x.path < y.path ? -1 : 1))
    .slice(0, options.topFiles ?? 10);
  return report;
}
