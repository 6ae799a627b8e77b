import envPaths from 'env-paths';
import { parseSize } from './units.js';

/** 1 GiB: a few dozen analyses of large repositories, far from filling a disk. */
export const DEFAULT_MAX_SIZE = 1024 ** 3;

/** Default cache directory: $GITFLEET_CACHE_DIR, else the user cache dir (`~/.cache/gitfleet` on Linux). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['GITFLEET_CACHE_DIR'] || envPaths('gitfleet', { suffix: '' }).cache;
}

/** The size limit: $GITFLEET_CACHE_MAX_SIZE (`512K`, `2G`, bytes), else {@link DEFAULT_MAX_SIZE}. */
export function defaultMaxSize(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['GITFLEET_CACHE_MAX_SIZE'];
  return text ? parseSize(text, 'GITFLEET_CACHE_MAX_SIZE') : DEFAULT_MAX_SIZE;
}
