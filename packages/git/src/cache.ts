import { CacheStore, type CacheStoreOptions } from '@gitfleet/cache';

export { defaultCacheDir, hashKey } from '@gitfleet/cache';

/** `openRepository({ cache })`: on (default), off, a directory, or a directory and size limit. */
export type CacheOption = boolean | string | CacheStoreOptions;

/** The result cache for an option; its defaults come from GITFLEET_CACHE_DIR and GITFLEET_CACHE_MAX_SIZE. */
export function openCache(option: CacheOption | undefined): CacheStore | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return new CacheStore();
  return new CacheStore(typeof option === 'string' ? { dir: option } : option);
}
