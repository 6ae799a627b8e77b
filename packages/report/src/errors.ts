/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type ReportErrorCode = 'GITFLEET_REPORT_INVALID_OPTION' | 'GITFLEET_REPORT_IO' | 'GITFLEET_REPORT_ABORTED';

/** Base class for every failure @gitfleet/report throws (dataset failures keep their `GITFLEET_DATASET_*` code). */
export class ReportError extends Error {
  override name = 'ReportError';
  readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  toJSON(): { name: string; code: ReportErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export class InvalidReportOptionError extends ReportError {
  override name = 'InvalidReportOptionError';
  constructor(message: string) {
    super('GITFLEET_REPORT_INVALID_OPTION', message);
  }
}

/** The report file could not be written; nothing was left at its path. */
export class ReportIOError extends ReportError {
  override name = 'ReportIOError';
  constructor(file: string, cause: unknown) {
    super('GITFLEET_REPORT_IO', `cannot write the report to ${file}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export class ReportAbortedError extends ReportError {
  override name = 'ReportAbortedError';
  constructor(cause?: unknown) {
    super('GITFLEET_REPORT_ABORTED', 'the report was aborted', { cause });
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ReportAbortedError(signal.reason);
}
