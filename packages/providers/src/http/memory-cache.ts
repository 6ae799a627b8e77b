import type { CachedResponse, ConditionalCache } from './conditional-cache.js';

export interface MemoryCacheOptions {
  /** Least recently used entries beyond this are dropped (default 1000). */
  maxEntries?: number;
}

/**
 * An in-memory conditional-request cache (the default of every client).
 *
 * @example
 * const cache = createMemoryCache({ maxEntries: 5000 });
 * const a = createGitHubClient({ token, cache });
 * const b = createGitHubClient({ token, cache }); // shares stored responses (per identity)
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): ConditionalCache {
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, CachedResponse>();
  return {
    async get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    async set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}
