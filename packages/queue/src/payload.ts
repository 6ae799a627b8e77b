import type { MineFailure, MineOptions, MineResult, MineStage, ProviderData, RepositoryJob } from '@gitfleet/mine';
import { InvalidOptionError } from './errors.js';

/**
 * The options of a run that shape its rows, as plain JSON (they travel in every job). What a worker
 * decides for itself (concurrency, tokens, caches) is not here.
 */
export interface RunOptions {
  out: string;
  clones?: string;
  since?: string | number;
  until?: string | number;
  excludePaths: string[];
  blame: boolean;
  blameLines: boolean;
  with: ProviderData[];
  /** Bytes; null for no limit; absent for the default. */
  maxFileSize?: number | null;
  retries: number;
  timeoutMs?: number;
}

/** The data of a repository job: mine it, or record a failure the coordinator met listing it. */
export type RepositoryJobData =
  | { kind: 'repository'; runId: string; options: RunOptions; job: RepositoryJob }
  | { kind: 'failure'; runId: string; options: RunOptions; repository: string; source: string; stage: MineStage; error: MineFailure };

/** The data of a run (the parent job). */
export interface RunJobData {
  runId: string;
  out: string;
  /** Epoch ms. */
  startedAt: number;
  /** Sources as given (credentials removed). */
  sources: string[];
  /** Repository jobs of the run. */
  total: number;
  /** The claim key to release when the run is over. */
  claim: string;
}

/** What a repository job returns (and what the run's finalize reads back): a `MineResult`. */
export type RepositoryJobResult = MineResult;

/** The row-shaping options of `mine()` as JSON. */
export function toRunOptions(options: MineOptions, out: string): RunOptions {
  const date = (name: string, value: Date | number | string | undefined): string | number | undefined => {
    if (value === undefined || typeof value === 'number' || typeof value === 'string') return value;
    if (value instanceof Date) return value.toISOString();
    throw new InvalidOptionError(`${name} must be a Date, unix seconds or a date string`);
  };
  const since = date('since', options.since);
  const until = date('until', options.until);
  const run: RunOptions = {
    out,
    excludePaths: [...(options.excludePaths ?? [])],
    blame: options.blame ?? true,
    blameLines: options.blameLines ?? false,
    with: [...(options.with ?? [])],
    retries: options.retries ?? 2,
  };
  if (options.maxFileSize !== undefined) run.maxFileSize = Number.isFinite(options.maxFileSize) ? options.maxFileSize : null;
  if (options.clones !== undefined) run.clones = options.clones;
  if (since !== undefined) run.since = since;
  if (until !== undefined) run.until = until;
  if (options.timeoutMs !== undefined) run.timeoutMs = options.timeoutMs;
  return run;
}

/** Back to `mine()` options, for a worker's `RepositoryMiner`. */
export function toMineOptions(run: RunOptions): MineOptions {
  const options: MineOptions = {
    out: run.out,
    excludePaths: run.excludePaths,
    blame: run.blame,
    blameLines: run.blameLines,
    with: run.with,
    retries: run.retries,
  };
  if (run.maxFileSize !== undefined) options.maxFileSize = run.maxFileSize ?? Infinity;
  if (run.clones !== undefined) options.clones = run.clones;
  if (run.since !== undefined) options.since = run.since;
  if (run.until !== undefined) options.until = run.until;
  if (run.timeoutMs !== undefined) options.timeoutMs = run.timeoutMs;
  return options;
}

/**
 * A clone URL or source without the password in its userinfo: job data lives in Redis, where no
 * token goes. Workers take credentials from their own environment or credential store, by host.
 */
export function withoutPassword(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.username === '' && url.password === '')) return text;
  url.username = '';
  url.password = '';
  return url.toString();
}
