/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type SessionErrorCode = 'GITFLEET_SESSION_INVALID_OPTION';

/** Base class for every failure @gitfleet/session throws. */
export class SessionError extends Error {
  override name = 'SessionError';
  readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  toJSON(): { name: string; code: SessionErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** A target, a repository list entry or an environment value that can't be used, said in one line. */
export class InvalidOptionError extends SessionError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_SESSION_INVALID_OPTION', message);
  }
}
