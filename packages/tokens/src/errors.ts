/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type TokensErrorCode =
  | 'GITFLEET_TOKENS_EXHAUSTED'
  | 'GITFLEET_TOKENS_NO_VALID_TOKEN'
  | 'GITFLEET_TOKENS_IDENTIFY_FAILED'
  | 'GITFLEET_TOKENS_ABORTED'
  | 'GITFLEET_TOKENS_INVALID_OPTION'
  | 'GITFLEET_TOKENS_NO_KEY'
  | 'GITFLEET_TOKENS_BAD_KEY'
  | 'GITFLEET_TOKENS_CORRUPT_STORE'
  | 'GITFLEET_TOKENS_NOT_FOUND'
  | 'GITFLEET_TOKENS_STORE_IO'
  | 'GITFLEET_TOKENS_STORE_LOCKED';

export interface TokensErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

/** Base class for every failure @gitfleet/tokens throws. Messages never contain a token. */
export class TokensError extends Error {
  override name = 'TokensError';
  readonly code: TokensErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: TokensErrorCode, message: string, options: TokensErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data ?? {};
  }

  toJSON(): { name: string; code: TokensErrorCode; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** Every identity is out of budget (or backed off) for `resource`: 'fail' mode, or the wait would pass maxWaitMs. */
export class PoolExhaustedError extends TokensError {
  override name = 'PoolExhaustedError';
  declare readonly data: { resource: string; resetAt: number };
  constructor(resource: string, resetAt: number, reason: string) {
    const next = Number.isFinite(resetAt) ? new Date(resetAt).toISOString() : 'unknown';
    super('GITFLEET_TOKENS_EXHAUSTED', `rate limit exhausted for ${resource} on every identity (${reason}); next reset ${next}`, {
      data: { resource, resetAt },
    });
  }
}

/** No token left that the API accepts (all were rejected with 401), or none configured. */
export class NoValidTokenError extends TokensError {
  override name = 'NoValidTokenError';
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('GITFLEET_TOKENS_NO_VALID_TOKEN', message, { data });
  }
}

/** No token could be identified because `identify` failed for another reason than 401 (network, 5xx). */
export class IdentifyError extends TokensError {
  override name = 'IdentifyError';
  constructor(message: string, options: TokensErrorOptions = {}) {
    super('GITFLEET_TOKENS_IDENTIFY_FAILED', message, options);
  }
}

export class AbortError extends TokensError {
  override name = 'AbortError';
  constructor(options: TokensErrorOptions = {}) {
    super('GITFLEET_TOKENS_ABORTED', 'the operation was aborted', options);
  }
}

export class InvalidOptionError extends TokensError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_TOKENS_INVALID_OPTION', message);
  }
}

/** The credential store has no key: pass `passphrase`/`key`, or set GITFLEET_CREDENTIALS_KEY / _PASSPHRASE. */
export class MissingKeyError extends TokensError {
  override name = 'MissingKeyError';
  constructor() {
    super(
      'GITFLEET_TOKENS_NO_KEY',
      'no credentials key: set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY (32 bytes, base64 or hex)',
    );
  }
}

/** The passphrase or key does not open the credentials file. */
export class BadKeyError extends TokensError {
  override name = 'BadKeyError';
  constructor(path: string, hint = '') {
    super('GITFLEET_TOKENS_BAD_KEY', `wrong passphrase or key for ${path}${hint ? ` (${hint})` : ''}`, { data: { path } });
  }
}

/** The credentials file is not a valid store, or its contents were modified. */
export class CorruptStoreError extends TokensError {
  override name = 'CorruptStoreError';
  constructor(path: string, reason: string) {
    super('GITFLEET_TOKENS_CORRUPT_STORE', `credentials file ${path} is corrupt or was tampered with: ${reason}`, {
      data: { path },
    });
  }
}

export class CredentialNotFoundError extends TokensError {
  override name = 'CredentialNotFoundError';
  constructor(idOrLabel: string) {
    super('GITFLEET_TOKENS_NOT_FOUND', `no stored credential with id or label "${idOrLabel}"`, { data: { idOrLabel } });
  }
}

/** Reading or writing the credentials file failed (permissions, disk full, ...). */
export class StoreIOError extends TokensError {
  override name = 'StoreIOError';
  constructor(path: string, operation: string, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super('GITFLEET_TOKENS_STORE_IO', `cannot ${operation} ${path}${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause,
      data: { path },
    });
  }
}

/** Another process kept the credentials file locked for longer than we wait, or took the lock from us. */
export class StoreLockedError extends TokensError {
  override name = 'StoreLockedError';
  constructor(path: string, detail: string, cause?: unknown) {
    super('GITFLEET_TOKENS_STORE_LOCKED', `credentials file ${path} ${detail}`, { cause, data: { path } });
  }
}

export function isTokensError(error: unknown): error is TokensError {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('GITFLEET_TOKENS_');
}
