import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { AbortError, DatasetError, QueryError, throwIfAborted } from './errors.js';

export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface DuckOptions {
  /** DuckDB `memory_limit`, e.g. `'512MB'`; beyond it DuckDB spills to `tempDirectory`. */
  memoryLimit?: string | undefined;
  /** DuckDB worker threads (default: DuckDB's, the number of cores). */
  threads?: number | undefined;
  tempDirectory?: string | undefined;
}

/**
 * An in-process DuckDB database. Every statement runs on DuckDB's own threads through the async
 * API, on its own connection, so an AbortSignal interrupts exactly that statement.
 */
export class Duck {
  private constructor(readonly instance: DuckDBInstance) {}

  static async open(path: string, options: DuckOptions = {}): Promise<Duck> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
    if (options.threads) config['threads'] = String(options.threads);
    if (options.tempDirectory) config['temp_directory'] = options.tempDirectory;
    try {
      // Loaded on first use: the native addon costs nothing to programs that import this package but never query.
      const { DuckDBInstance } = await import('@duckdb/node-api');
      return new Duck(await DuckDBInstance.create(path, config));
    } catch (error) {
      throw new QueryError(`cannot open DuckDB ${path}: ${message(error)}`, { cause: error });
    }
  }

  /** Run `use` with a fresh connection that `signal` interrupts; the connection is closed after. */
  async with<T>(signal: AbortSignal | undefined, use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const connection = await this.instance.connect();
    const onAbort = (): void => connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await use(connection);
    } catch (error) {
      throw queryFailure(error, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
    }
  }

  /** Run statements (separated by `;`) and return the first column of the last row, if any. */
  async run(sql: string, signal?: AbortSignal): Promise<unknown> {
    return this.with(signal, async (connection) => {
      const reader = await connection.runAndReadAll(sql);
      const rows = reader.getRowsJS();
      return rows.at(-1)?.[0];
    });
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** A DuckDB failure as a typed error: AbortError when `signal` interrupted it, else QueryError. */
export function queryFailure(error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return error instanceof AbortError ? error : new AbortError({ cause: signal.reason });
  if (error instanceof DatasetError) return error;
  return new QueryError(message(error), { cause: error });
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Convert query parameters for DuckDB: integers bind as BIGINT, other numbers as DOUBLE. */
export function bindValues(params: SqlParams | undefined): DuckDBValue[] | Record<string, DuckDBValue> | undefined {
  if (params === undefined) return undefined;
  const convert = (value: unknown): DuckDBValue => (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : (value as DuckDBValue));
  if (Array.isArray(params)) return params.map(convert);
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, convert(v)]));
}
