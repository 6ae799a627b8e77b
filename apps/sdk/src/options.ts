import { defaultCacheDir, defaultMaxSize } from '@gitfleet/cache';
import type { EngineChoice, EngineSetOptions } from '@gitfleet/git';
import type { WaitEvent } from '@gitfleet/providers';
import { InvalidOptionError } from './errors.js';

/** Options of {@link createGitFleet}. Everything is optional; the defaults are the CLI's. */
export interface GitFleetOptions {
  /**
   * Where tokens (`GITHUB_TOKEN(S)`, `GH_TOKEN`, `GITLAB_TOKEN(S)`, `GITFLEET_GIT_TOKEN(S)`), API URLs
   * (`GITHUB_API_URL`, `GITLAB_API_URL`), the credential store's key and file, the cache settings
   * and the model settings (`GITFLEET_AI_*`) are read. Default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * The on-disk cache shared by history, blame and provider requests (a repeated listing is
   * answered by free 304s): on (default: `$GITFLEET_CACHE_DIR` or the user cache dir, at most
   * `$GITFLEET_CACHE_MAX_SIZE`, default 1 GiB), off (`false`), a directory, or `{ dir?, maxSize? }`.
   */
  cache?: boolean | string | { dir?: string; maxSize?: number };
  /** The git engine of repository operations: `auto` (default, the faster per operation), `git` or `es-git`. */
  engine?: EngineChoice;
  /** Options of the shared engines: `maxThreads` of the es-git worker pool, its `esGitWorkerUrl`. */
  engineOptions?: EngineSetOptions;
  /** User-Agent of provider requests. Default `gitfleet`. */
  userAgent?: string;
  /** Told before a provider request waits (rate-limit reset, Retry-After, retry). */
  onWait?: (event: WaitEvent) => void;
  /** Told, once each, what configuration was skipped or is missing (a locked credential store, no token). */
  onNote?: (text: string) => void;
}

/** The cache in force: a directory and its size limit, or off. */
export type ResolvedCache = false | { dir: string; maxSize: number };

/** The `cache` option with its defaults filled in from `env`. */
export function resolveCache(option: GitFleetOptions['cache'], env: NodeJS.ProcessEnv): ResolvedCache {
  if (option === false) return false;
  if (option === undefined || option === true) return { dir: defaultCacheDir(env), maxSize: defaultMaxSize(env) };
  if (typeof option === 'string') {
    if (option.trim() === '') throw new InvalidOptionError('cache: an empty directory name');
    return { dir: option, maxSize: defaultMaxSize(env) };
  }
  if (typeof option !== 'object' || option === null) throw new InvalidOptionError(`cache must be a boolean, a directory or { dir, maxSize }, got ${String(option)}`);
  const { dir = defaultCacheDir(env), maxSize = defaultMaxSize(env) } = option;
  if (!(maxSize > 0)) throw new InvalidOptionError(`cache.maxSize must be a positive number of bytes, got ${String(maxSize)}`);
  return { dir, maxSize };
}
