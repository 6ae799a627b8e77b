export { CacheStore, createCacheStore } from './cache-store.js';
export type { CacheInfo, CacheStoreOptions, CleanOptions, CleanResult, KindInfo } from './cache-store.js';
export type { EntryWriter } from './entry-writer.js';
export { defaultCacheDir, defaultMaxSize, DEFAULT_MAX_SIZE } from './config.js';
export { hashKey } from './hash-key.js';
export { formatSize, parseAge, parseSize } from './units.js';
export { CacheError, CacheLockedError, InvalidOptionError } from './errors.js';
export type { CacheErrorCode } from './errors.js';
