/** Stable codes of the failures this package raises itself (others keep their package's code). */
export type MineErrorCode =
  | 'GITFLEET_MINE_INVALID_OPTION'
  | 'GITFLEET_MINE_INVALID_SOURCE'
  | 'GITFLEET_MINE_NOT_A_REPOSITORY'
  | 'GITFLEET_MINE_FAILED';

/** Base class of the errors of @gitfleet/mine; match on `code`. */
export class MineError extends Error {
  override name = 'MineError';
  readonly code: MineErrorCode;

  constructor(code: MineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: MineErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** An option that can't be used, said in one line. */
export class InvalidOptionError extends MineError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_MINE_INVALID_OPTION', message);
  }
}
