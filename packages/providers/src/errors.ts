import type { ProviderKind } from '@gitfleet/tokens';

/** Stable codes: match on `code` when duplicate package copies break `instanceof`. */
export type ProviderErrorCode =
  | 'GITFLEET_PROVIDER_AUTH'
  | 'GITFLEET_PROVIDER_FORBIDDEN'
  | 'GITFLEET_PROVIDER_NOT_FOUND'
  | 'GITFLEET_PROVIDER_VALIDATION'
  | 'GITFLEET_PROVIDER_RATE_LIMIT'
  | 'GITFLEET_PROVIDER_SECONDARY_RATE_LIMIT'
  | 'GITFLEET_PROVIDER_SERVER'
  | 'GITFLEET_PROVIDER_NETWORK'
  | 'GITFLEET_PROVIDER_HTTP'
  | 'GITFLEET_PROVIDER_BAD_RESPONSE'
  | 'GITFLEET_PROVIDER_PAGINATION'
  | 'GITFLEET_PROVIDER_INVALID_OPTION';

export interface ProviderErrorOptions {
  provider: ProviderKind;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** `x-github-request-id` (GitHub) or `x-request-id` (GitLab). */
  requestId?: string;
  /** `GET <url>` of the failed request (URLs never hold tokens: they travel in headers). */
  request?: string;
  /** A sanitized copy of the underlying error: name, code and a redacted message only. */
  cause?: Error;
}

/**
 * Base class of every error the clients throw. Messages, `toJSON()`, stacks and causes never
 * contain a token.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly provider: ProviderKind;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly request: string | undefined;

  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.provider = options.provider;
    this.status = options.status;
    this.requestId = options.requestId;
    this.request = options.request;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      provider: this.provider,
      status: this.status,
      requestId: this.requestId,
      request: this.request,
    };
  }
}

/** 401: the token is missing, wrong, expired or revoked (with a pool: no valid token is left). */
export class AuthError extends ProviderError {
  override name = 'AuthError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_AUTH', message, options);
  }
}

/** 403 that is not a rate limit: the identity lacks access or a scope. */
export class ForbiddenError extends ProviderError {
  override name = 'ForbiddenError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_FORBIDDEN', message, options);
  }
}

/** 404 / 410, including private resources the identity cannot see (GitHub answers 404 for those). */
export class NotFoundError extends ProviderError {
  override name = 'NotFoundError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_NOT_FOUND', message, options);
  }
}

/** 422 (GitHub) / 400 (GitLab): the request was understood but its parameters were rejected. */
export class ValidationError extends ProviderError {
  override name = 'ValidationError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_VALIDATION', message, options);
  }
}

export interface RateLimitErrorOptions extends ProviderErrorOptions {
  /** Epoch ms when the budget resets (NaN when unknown). */
  resetAt: number;
  /** Milliseconds to wait before retrying. */
  retryAfter: number;
}

/** The primary rate limit is exhausted (with a pool: on every identity, beyond the pool's wait policy). */
export class RateLimitError extends ProviderError {
  override name = 'RateLimitError';
  readonly resetAt: number;
  readonly retryAfter: number;
  constructor(message: string, options: RateLimitErrorOptions, code: ProviderErrorCode = 'GITFLEET_PROVIDER_RATE_LIMIT') {
    super(code, message, options);
    this.resetAt = options.resetAt;
    this.retryAfter = options.retryAfter;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), resetAt: this.resetAt, retryAfter: this.retryAfter };
  }
}

/** GitHub's secondary (abuse) limit, or a GitLab 429, still in force after the allowed retries. */
export class SecondaryRateLimitError extends RateLimitError {
  override name = 'SecondaryRateLimitError';
  constructor(message: string, options: RateLimitErrorOptions) {
    super(message, options, 'GITFLEET_PROVIDER_SECONDARY_RATE_LIMIT');
  }
}

/** 5xx after the allowed retries. */
export class ServerError extends ProviderError {
  override name = 'ServerError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_SERVER', message, options);
  }
}

/** No response: connection refused or reset, DNS, TLS, timeout (after the allowed retries). */
export class NetworkError extends ProviderError {
  override name = 'NetworkError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_NETWORK', message, options);
  }
}

/**
 * A listing whose `rel="next"` links cannot be trusted: a link back to a page already fetched, more
 * pages than the server announced, or more than `maxPages`. The items yielded before it stay valid.
 */
export class PaginationError extends ProviderError {
  override name = 'PaginationError';
  constructor(message: string, options: ProviderErrorOptions) {
    super('GITFLEET_PROVIDER_PAGINATION', message, options);
  }
}

/** Invalid client options or arguments. */
export class InvalidOptionError extends ProviderError {
  override name = 'InvalidOptionError';
  constructor(message: string, provider: ProviderKind) {
    super('GITFLEET_PROVIDER_INVALID_OPTION', message, { provider });
  }
}

/** True for any error of this package (by `code`, so it works across package copies). */
export function isProviderError(error: unknown): error is ProviderError {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('GITFLEET_PROVIDER_');
}
