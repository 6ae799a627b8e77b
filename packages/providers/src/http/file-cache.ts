import { CacheStore } from '@gitfleet/cache';
import type { CachedResponse, ConditionalCache } from './conditional-cache.js';

export interface FileCacheOptions {
  /** The cache directory; entries go to `<dir>/http/`. */
  dir: string;
  /** Size limit of the whole cache directory in bytes (default: $GITFLEET_CACHE_MAX_SIZE, else 1 GiB). */
  maxSize?: number;
}

/**
 * A conditional-request cache on disk, in the shared gitfleet cache (`@gitfleet/cache`): one entry
 * per key (a hash of identity + URL), versioned and checksummed, written atomically with mode 0600,
 * counted against the cache's size limit. A damaged or foreign entry is a miss, so its validator is
 * never sent. Entries hold the body, validators and pagination headers (Link URLs included); never
 * a token or an auth header.
 *
 * @example
 * const client = createGitHubClient({ token, cache: createFileCache({ dir: '.cache/gitfleet' }) });
 */
export function createFileCache(options: FileCacheOptions): ConditionalCache {
  const store = new CacheStore({ dir: options.dir, ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }) });
  const check = (key: string): void => {
    if (!/^[a-f0-9]{16,128}$/.test(key)) throw new Error('file cache keys must be hex hashes');
  };
  return {
    async get(key) {
      check(key);
      const value = await store.getJson<CachedResponse>('http', key);
      return typeof value === 'object' && value !== null && typeof value.headers === 'object' ? value : undefined;
    },
    async set(key, value) {
      check(key);
      await store.putJson('http', key, value);
      await store.flush();
    },
    async delete(key) {
      check(key);
      await store.delete('http', key);
    },
  };
}
