import { InvalidReportOptionError } from './errors.js';

export interface ReportOptions {
  /** Heading and `<title>` (default: the repository's name for one repository, else "Fleet report"). */
  title?: string;
  /** Count bots (dependabot, renovate, `[bot]`, ...) in every chart and table; left out by default. */
  includeBots?: boolean;
  /** Bus factor: the share of the surviving lines its owners hold (default 0.5, as the `bus-factor` named query). */
  threshold?: number;
  /** Authors, owners, files and languages per chart and per repository (default 15). */
  top?: number;
  /** Rows of the fleet authors table (default 500); the others are counted, not listed. */
  maxAuthors?: number;
  /** Latest commits listed per repository (default 8). */
  recentCommits?: number;
  /** The time the report says it was generated (default: now), for reproducible files. */
  generatedTime?: Date | number;
  signal?: AbortSignal;
  /**
   * `('collect', { done, total })` as the dataset's queries finish, then `('write', { done })`
   * with the bytes written (writeReport only).
   */
  onProgress?: (stage: ReportStage, event: ReportProgress) => void;
}

/** The steps of making a report that report progress. */
export type ReportStage = 'collect' | 'write';

export interface ReportProgress {
  /** Queries finished (collect), bytes written (write). */
  done: number;
  /** Queries in all (collect). */
  total?: number;
}

export type ResolvedReportOptions = Required<Omit<ReportOptions, 'title' | 'signal' | 'generatedTime' | 'onProgress'>> & {
  title: string | undefined;
  generatedTime: number;
  signal: AbortSignal | undefined;
  onProgress: ReportOptions['onProgress'] | undefined;
};

const DEFAULTS = { includeBots: false, threshold: 0.5, top: 15, maxAuthors: 500, recentCommits: 8 } satisfies Partial<ReportOptions>;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidReportOptionError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Check the options once, at the boundary. */
export function resolveOptions(options: ReportOptions = {}): ResolvedReportOptions {
  const threshold = options.threshold ?? DEFAULTS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new InvalidReportOptionError(`threshold must be a number above 0 and at most 1, got ${JSON.stringify(threshold)}`);
  }
  if (options.title !== undefined && typeof options.title !== 'string') throw new InvalidReportOptionError('title must be a string');
  const time = options.generatedTime ?? Date.now();
  const ms = time instanceof Date ? time.getTime() : time;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new InvalidReportOptionError(`generatedTime must be a Date or milliseconds, got ${String(time)}`);
  return {
    title: options.title,
    includeBots: options.includeBots ?? DEFAULTS.includeBots,
    threshold,
    top: integer('top', options.top ?? DEFAULTS.top, 1, 1000),
    maxAuthors: integer('maxAuthors', options.maxAuthors ?? DEFAULTS.maxAuthors, 0, 1_000_000),
    recentCommits: integer('recentCommits', options.recentCommits ?? DEFAULTS.recentCommits, 0, 1000),
    generatedTime: Math.floor(ms / 1000),
    signal: options.signal,
    onProgress: options.onProgress,
  };
}
