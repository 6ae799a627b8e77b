/** Stable error codes; match on `code` rather than `instanceof` across package copies. */
export type DatasetErrorCode =
  | 'GITFLEET_DATASET_INVALID_OPTION'
  | 'GITFLEET_DATASET_INVALID_ROW'
  | 'GITFLEET_DATASET_UNKNOWN_TABLE'
  | 'GITFLEET_DATASET_UNKNOWN_QUERY'
  | 'GITFLEET_DATASET_LOCKED'
  | 'GITFLEET_DATASET_UNFINISHED_PUBLISH'
  | 'GITFLEET_DATASET_NOT_FOUND'
  | 'GITFLEET_DATASET_INCOMPATIBLE'
  | 'GITFLEET_DATASET_TRANSACTION_CLOSED'
  | 'GITFLEET_DATASET_CLOSED'
  | 'GITFLEET_DATASET_QUERY_FAILED'
  | 'GITFLEET_DATASET_IO'
  | 'GITFLEET_DATASET_ABORTED';

export interface DatasetErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

/** Base class for every failure @gitfleet/dataset throws. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly code: DatasetErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: DatasetErrorCode, message: string, options: DatasetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data ?? {};
  }

  toJSON(): { name: string; code: DatasetErrorCode; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

export class InvalidOptionError extends DatasetError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('GITFLEET_DATASET_INVALID_OPTION', message);
  }
}

/** A row does not match its table's schema; nothing of the transaction is published. */
export class InvalidRowError extends DatasetError {
  override name = 'InvalidRowError';
  declare readonly data: { table: string; column: string; row: number };
  constructor(table: string, column: string, row: number, problem: string) {
    super('GITFLEET_DATASET_INVALID_ROW', `${table} row ${row}: column ${column} ${problem}`, { data: { table, column, row } });
  }
}

export class UnknownTableError extends DatasetError {
  override name = 'UnknownTableError';
  constructor(table: string, known: readonly string[]) {
    super('GITFLEET_DATASET_UNKNOWN_TABLE', `unknown table ${JSON.stringify(table)}; known: ${known.join(', ')}`, { data: { table } });
  }
}

export class UnknownQueryError extends DatasetError {
  override name = 'UnknownQueryError';
  constructor(name: string, known: readonly string[]) {
    super('GITFLEET_DATASET_UNKNOWN_QUERY', `unknown named query ${JSON.stringify(name)}; known: ${known.join(', ')}`, { data: { name } });
  }
}

/** Another live process holds the dataset's writer lock. */
export class DatasetLockedError extends DatasetError {
  override name = 'DatasetLockedError';
  constructor(dir: string, pid: number) {
    super('GITFLEET_DATASET_LOCKED', `dataset ${dir} is being written by process ${pid}`, { data: { dir, pid } });
  }
}

/**
 * A publish was interrupted (the writer died after recording it in the journal). Opening a writer,
 * or `openDataset(dir, { repair: true })`, rolls it forward.
 */
export class UnfinishedPublishError extends DatasetError {
  override name = 'UnfinishedPublishError';
  constructor(dir: string, repositories: readonly string[]) {
    super(
      'GITFLEET_DATASET_UNFINISHED_PUBLISH',
      `dataset ${dir} has an unfinished publish (${repositories.join(', ')}); open it with repair: true (gitfleet query --repair) to complete it`,
      { data: { dir, repositories } },
    );
  }
}

export class DatasetNotFoundError extends DatasetError {
  override name = 'DatasetNotFoundError';
  constructor(dir: string) {
    super('GITFLEET_DATASET_NOT_FOUND', `no gitfleet dataset at ${dir}`, { data: { dir } });
  }
}

/** The dataset was written with another format version than this package reads. */
export class IncompatibleDatasetError extends DatasetError {
  override name = 'IncompatibleDatasetError';
  constructor(dir: string, found: unknown, expected: number) {
    super('GITFLEET_DATASET_INCOMPATIBLE', `dataset ${dir} has format ${String(found)}; this version reads format ${expected}`, {
      data: { dir, found, expected },
    });
  }
}

export class TransactionClosedError extends DatasetError {
  override name = 'TransactionClosedError';
  constructor(repository: string, state: string) {
    super('GITFLEET_DATASET_TRANSACTION_CLOSED', `the transaction for ${repository} is already ${state}`, { data: { repository, state } });
  }
}

export class DatasetClosedError extends DatasetError {
  override name = 'DatasetClosedError';
  constructor(what: string) {
    super('GITFLEET_DATASET_CLOSED', `the ${what} is closed`);
  }
}

/** DuckDB rejected a statement (syntax, unknown column, ...). The message is DuckDB's. */
export class QueryError extends DatasetError {
  override name = 'QueryError';
  constructor(message: string, options: DatasetErrorOptions = {}) {
    super('GITFLEET_DATASET_QUERY_FAILED', message, options);
  }
}

export class DatasetIOError extends DatasetError {
  override name = 'DatasetIOError';
  constructor(message: string, options: DatasetErrorOptions = {}) {
    super('GITFLEET_DATASET_IO', message, options);
  }
}

export class AbortError extends DatasetError {
  override name = 'AbortError';
  constructor(options: DatasetErrorOptions = {}) {
    super('GITFLEET_DATASET_ABORTED', 'the operation was aborted', options);
  }
}

export function isDatasetError(error: unknown): error is DatasetError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && (error as DatasetError).code.startsWith('GITFLEET_DATASET_');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
}
