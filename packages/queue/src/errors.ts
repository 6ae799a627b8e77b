/** Stable codes of @gitfleet/queue's errors. */
export type QueueErrorCode =
  | 'GITFLEET_QUEUE_INVALID_OPTION'
  | 'GITFLEET_QUEUE_RUN_ACTIVE'
  | 'GITFLEET_QUEUE_RUN_FAILED'
  | 'GITFLEET_QUEUE_NOTHING_TO_MINE';

/** Base class of the errors of @gitfleet/queue; match on `code`. */
export class QueueError extends Error {
  override name = 'QueueError';
  readonly code: QueueErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options?.data;
  }

  toJSON(): { name: string; code: QueueErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** An option that can't be used, said in one line. */
export class InvalidOptionError extends QueueError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_QUEUE_INVALID_OPTION', message);
  }
}

/** Another run (another coordinator) is mining into the same output directory. */
export class RunActiveError extends QueueError {
  override name = 'RunActiveError';
  constructor(out: string, runId: string, state: string, startedAt: number | undefined) {
    const since = startedAt === undefined ? '' : `, started ${new Date(startedAt).toISOString()}`;
    super(
      'GITFLEET_QUEUE_RUN_ACTIVE',
      `${out} is already being mined by run ${runId} (${state}${since}): wait for it (gitfleet mine --status --queue <url>) or use another --out`,
      { data: { out, runId, state } },
    );
  }
}

/** The run ended without a dataset (its finalize step failed every attempt). */
export class RunFailedError extends QueueError {
  override name = 'RunFailedError';
  constructor(runId: string, reason: string) {
    super('GITFLEET_QUEUE_RUN_FAILED', `run ${runId} failed: ${reason}`, { data: { runId } });
  }
}
