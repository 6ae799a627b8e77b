/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type AiDiffErrorCode =
  | 'GITFLEET_AI_INVALID_OPTION'
  | 'GITFLEET_AI_INVALID_CONFIG'
  | 'GITFLEET_AI_INVALID_PROMPT'
  | 'GITFLEET_AI_DIFF_UNREADABLE'
  | 'GITFLEET_AI_NOT_A_REPOSITORY'
  | 'GITFLEET_AI_WORKER_FAILED'
  | 'GITFLEET_AI_ABORTED';

export interface AiDiffErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

/**
 * Thrown for caller mistakes only: invalid options or config, an unreadable diff, a path that is
 * not a repository, or the caller's own abort. Provider trouble never throws; it falls back.
 * Messages never contain the API key.
 */
export class AiDiffError extends Error {
  override name = 'AiDiffError';
  readonly code: AiDiffErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: AiDiffErrorCode, message: string, options: AiDiffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data ?? {};
  }

  toJSON(): { name: string; code: AiDiffErrorCode; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** Provider failure codes, reported in events and `fallback.reason` (never thrown to callers). */
export type ProviderErrorCode =
  | 'GITFLEET_AI_PROVIDER_HTTP'
  | 'GITFLEET_AI_PROVIDER_RATE_LIMITED'
  | 'GITFLEET_AI_PROVIDER_NETWORK'
  | 'GITFLEET_AI_PROVIDER_TIMEOUT'
  | 'GITFLEET_AI_PROVIDER_BAD_OUTPUT';

/** One failed model request; `retryable` and `retryAfterMs` drive the retry loop. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /**
   * The request timed out or could not connect (refused, unreachable, unknown host): the
   * provider is down, so the pipeline sends nothing more and falls back.
   */
  readonly providerDown: boolean;

  constructor(
    code: ProviderErrorCode,
    message: string,
    options: { status?: number; retryable: boolean; retryAfterMs?: number; providerDown?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.providerDown = options.providerDown ?? false;
  }
}

/** Replaces every occurrence of `secret` (and URL userinfo) in `text`. */
export function redact(text: string, secret: string | undefined): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1[redacted]@');
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
