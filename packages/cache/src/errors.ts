/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type CacheErrorCode = 'GITFLEET_CACHE_INVALID_OPTION' | 'GITFLEET_CACHE_LOCKED';

/** Base class for every failure @gitfleet/cache throws. Cache misses and damaged entries are never errors. */
export class CacheError extends Error {
  override name = 'CacheError';
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  toJSON(): { name: string; code: CacheErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** A bad option or environment value (`GITFLEET_CACHE_MAX_SIZE=lots`, an unknown age unit, ...). */
export class InvalidOptionError extends CacheError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_CACHE_INVALID_OPTION', message);
  }
}

/** Another process held the cache lock for longer than we waited. */
export class CacheLockedError extends CacheError {
  override name = 'CacheLockedError';
  constructor(path: string, cause?: unknown) {
    super('GITFLEET_CACHE_LOCKED', `the cache at ${path} is locked by another process; try again`, { cause });
  }
}
