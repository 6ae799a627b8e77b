/** Messages between the engine (main thread) and its worker threads: plain, structured-cloneable data. */
import type { MessagePort } from 'node:worker_threads';
import type { GitErrorCode } from '../../errors.js';
import type { Commit, TreeFile } from '../../types.js';
import type { HistoryQuery } from '../engine.js';

export type Task =
  | { op: 'open'; path: string }
  | { op: 'resolveCommit'; root: string; rev: string }
  | { op: 'refState'; root: string }
  | { op: 'history'; root: string; query: HistoryQuery; port: MessagePort }
  | { op: 'listFiles'; root: string; commit: string }
  | { op: 'blameFile'; root: string; commit: string; file: TreeFile }
  | { op: 'blobSizes'; root: string; ids: string[] }
  | { op: 'branches'; root: string }
  | { op: 'stagedDiff'; root: string };

/** A failure as it crosses threads; the engine turns it back into the typed error for `code`. */
export interface WorkerError {
  code: GitErrorCode;
  message: string;
  data: Record<string, unknown>;
}

export type TaskResult = { ok: true; value: unknown } | { ok: false; error: WorkerError };

/** Worker -> engine, on the history task's port. */
export type WalkerMessage =
  | { type: 'batch'; commits: Commit[] }
  | { type: 'end' }
  | { type: 'error'; error: WorkerError };

/** Engine -> worker: `more` returns one batch credit, `stop` ends the walk early. */
export type ConsumerMessage = { type: 'more' } | { type: 'stop' };

/** Batches the worker may have posted but the consumer not yet taken (backpressure window). */
export const BATCH_WINDOW = 2;

/** Thrown inside the worker to report a typed failure. */
export class WorkerFailure extends Error {
  readonly code: GitErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: GitErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** libgit2 error classes that mean damaged or missing objects rather than a bad request. */
const CORRUPT_CLASSES = /class=(Odb|Zlib|Object|Indexer)\b/;

export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof WorkerFailure) return { code: error.code, message: error.message, data: error.data };
  const message = error instanceof Error ? error.message : String(error);
  const corrupt = CORRUPT_CLASSES.test(message);
  return { code: corrupt ? 'GITFLEET_GIT_CORRUPT' : 'GITFLEET_GIT_COMMAND_FAILED', message, data: {} };
}
