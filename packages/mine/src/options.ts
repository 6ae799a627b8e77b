import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_BLAME_FILE_SIZE, type CacheOption } from '@gitfleet/git';
import { InvalidOptionError } from './errors.js';
import type { MineOptions, ProviderData } from './types.js';

/** Bumped when the rows the pipeline writes for the same repository and options change. */
export const MINE_FORMAT = 1;

const PROVIDER_DATA: readonly ProviderData[] = ['prs', 'issues', 'contributors'];

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  out: string;
  clones: string;
  include: string[];
  exclude: string[];
  forks: boolean;
  archived: boolean;
  /** Unix seconds. */
  since: number | undefined;
  until: number | undefined;
  excludePaths: string[];
  blame: boolean;
  blameLines: boolean;
  with: ProviderData[];
  jobs: number;
  cloneJobs: number;
  blameConcurrency: number;
  maxFileSize: number;
  retries: number;
  timeoutMs: number | undefined;
  cache: CacheOption;
  /** A digest of every option that shapes the rows: part of each repository's fingerprint. */
  shape: string;
}

/** Validates `options` once, at the boundary, with one-line messages. */
export function resolveOptions(options: MineOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options are required: { out: <dataset directory> }');
  if (typeof options.out !== 'string' || options.out.trim() === '') throw new InvalidOptionError('out must be the dataset directory (a non-empty string)');
  const out = resolve(options.out);
  const cores = Math.max(1, availableParallelism());
  const resolved: Omit<ResolvedOptions, 'shape'> = {
    out,
    clones: options.clones === undefined ? join(out, '.clones') : resolve(nonEmpty('clones', options.clones)),
    include: globs('include', options.include),
    exclude: globs('exclude', options.exclude),
    forks: flag('forks', options.forks, true),
    archived: flag('archived', options.archived, true),
    since: toUnixSeconds('since', options.since),
    until: toUnixSeconds('until', options.until),
    excludePaths: globs('excludePaths', options.excludePaths),
    blame: flag('blame', options.blame, true),
    blameLines: flag('blameLines', options.blameLines, false),
    with: providerData(options.with),
    jobs: count('jobs', options.jobs, cores, 1),
    cloneJobs: count('cloneJobs', options.cloneJobs, 4, 1),
    blameConcurrency: count('blameConcurrency', options.blameConcurrency, Math.max(2, cores), 1),
    maxFileSize: fileSize(options.maxFileSize),
    retries: count('retries', options.retries, 2, 0),
    timeoutMs: options.timeoutMs === undefined ? undefined : count('timeoutMs', options.timeoutMs, 0, 1),
    cache: options.cache ?? false,
  };
  if (resolved.blameLines && !resolved.blame) throw new InvalidOptionError('blameLines needs blame (it keeps the lines blame reads)');
  if (resolved.since !== undefined && resolved.until !== undefined && resolved.since > resolved.until) {
    throw new InvalidOptionError('since is after until: no commit could match');
  }
  return { ...resolved, shape: shapeOf(resolved) };
}

/** What makes two runs write different rows for the same refs. */
function shapeOf(o: Omit<ResolvedOptions, 'shape'>): string {
  const shape = {
    format: MINE_FORMAT,
    since: o.since ?? null,
    until: o.until ?? null,
    excludePaths: o.excludePaths,
    blame: o.blame,
    blameLines: o.blameLines,
    with: [...o.with].sort(),
    maxFileSize: Number.isFinite(o.maxFileSize) ? o.maxFileSize : 'none',
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError(`${name} must be a non-empty string`);
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`${name} must be an integer >= ${String(min)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function globs(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new InvalidOptionError(`${name} must be a list of globs (non-empty strings)`);
  }
  return value.map((v: string) => v.trim().replace(/^\.\//, ''));
}

function providerData(value: unknown): ProviderData[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError(`with must be a list of ${PROVIDER_DATA.join(', ')}`);
  for (const v of value) {
    if (!PROVIDER_DATA.includes(v as ProviderData)) throw new InvalidOptionError(`with: unknown ${JSON.stringify(v)}; known: ${PROVIDER_DATA.join(', ')}`);
  }
  return [...new Set(value as ProviderData[])];
}

function fileSize(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_BLAME_FILE_SIZE;
  if (typeof value !== 'number' || !(value > 0) || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new InvalidOptionError(`maxFileSize must be a positive number of bytes or Infinity, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A date as unix seconds: `Date`, a number of seconds, digits, or what `Date.parse` reads. Dates
 * are made absolute once, so a rerun compares the same window (git's own "2 weeks ago" would move).
 */
export function toUnixSeconds(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = Number.isFinite(value) ? value * 1000 : Number.NaN;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) ms = Number(value) * 1000;
  else if (typeof value === 'string') ms = Date.parse(value.trim());
  if (Number.isNaN(ms)) {
    throw new InvalidOptionError(`${name} must be a date such as 2024-01-01 or 2024-01-01T12:00:00Z, or unix seconds; got ${JSON.stringify(value)}`);
  }
  return Math.floor(ms / 1000);
}
