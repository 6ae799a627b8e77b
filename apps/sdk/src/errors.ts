/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type SdkErrorCode = 'GITFLEET_SDK_CLOSED' | 'GITFLEET_SDK_INVALID_OPTION';

/**
 * Base class of the failures the SDK itself raises. Everything else comes from the packages,
 * each with its own `code` (`GITFLEET_GIT_*`, `GITFLEET_PROVIDER_*`, `GITFLEET_DATASET_*`, ...).
 */
export class SdkError extends Error {
  override name = 'SdkError';
  readonly code: SdkErrorCode;

  constructor(code: SdkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: SdkErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** A call on a `GitFleet` after `close()`. */
export class ClosedError extends SdkError {
  override name = 'ClosedError';
  constructor(what: string) {
    super('GITFLEET_SDK_CLOSED', `${what}: this GitFleet is closed`);
  }
}

/** An option or argument the SDK cannot use, said in one line. */
export class InvalidOptionError extends SdkError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_SDK_INVALID_OPTION', message);
  }
}

/** Whether `error` is one of the SDK's own errors (by code, so it works across package copies). */
export function isSdkError(error: unknown): error is SdkError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('GITFLEET_SDK_');
}
