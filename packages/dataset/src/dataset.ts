import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Table } from 'apache-arrow';
import { bindValues, Duck, queryFailure, type SqlParams } from './duck.js';
import { AbortError, DatasetClosedError, DatasetNotFoundError, InvalidOptionError, throwIfAborted, UnfinishedPublishError, UnknownTableError } from './errors.js';
import { pendingJournals, recover } from './journal.js';
import { Layout, sqlIdent, sqlString } from './layout.js';
import { acquireLock, liveLockHolder } from './lock.js';
import { namedQuerySql } from './named-queries.js';
import { isTableName, TABLE_NAMES, type TableName } from './schema.js';
import { allViewsSql, tablesWithFiles } from './sql.js';
import { readStates, type RepositoryState } from './state.js';
import { friendlyRow } from './values.js';
import { checkFormat } from './writer.js';

export interface OpenDatasetOptions {
  signal?: AbortSignal;
  /**
   * A dataset whose writer died mid-publish is refused (`UnfinishedPublishError`) unless `repair`
   * is true: then the recorded publish is rolled forward first, as a writer would.
   */
  repair?: boolean;
  /** How long to wait for a live writer to finish a publish it is applying (default 10 s). */
  waitMs?: number;
  /** DuckDB memory limit for queries (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
  threads?: number;
}

export interface QueryOptions {
  signal?: AbortSignal;
}

export type ExportFormat = 'parquet' | 'csv' | 'json';

export interface ExportOptions extends QueryOptions {
  /** Default: from the file extension (`.parquet`, `.csv`, `.json`/`.ndjson`), else parquet. */
  format?: ExportFormat;
}

export type DatasetRow = Record<string, unknown>;

/**
 * Open a dataset for reading: an in-process DuckDB with a view per table over the Parquet files
 * (the same views as `fleet.duckdb`). Reading never changes the dataset, except with `repair`.
 *
 * @example
 * const dataset = await openDataset('data');
 * const rows = await dataset.query('SELECT repository, count(*) AS commits FROM commits GROUP BY 1');
 * const top = await dataset.named('top-authors', { limit: 10 });
 * await dataset.close();
 */
export async function openDataset(dir: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const layout = new Layout(dir);
  const { signal } = options;
  throwIfAborted(signal);
  if (!(await stat(layout.marker).catch(() => undefined))) throw new DatasetNotFoundError(layout.dir);
  await checkFormat(layout, false);
  await settle(layout, options);
  const duck = await Duck.open(':memory:', { memoryLimit: options.memoryLimit, threads: options.threads });
  try {
    const dataset = new Dataset(layout, duck, await readStates(layout));
    await dataset.refresh(signal ? { signal } : {});
    return dataset;
  } catch (error) {
    duck.close();
    throw error;
  }
}

/** Wait out a live writer's publish; refuse, or repair, one that a dead writer left. */
async function settle(layout: Layout, options: OpenDatasetOptions): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    const journals = await pendingJournals(layout);
    if (journals.length === 0) return;
    const live = await liveLockHolder(layout);
    if (!live) {
      if (!options.repair) throw new UnfinishedPublishError(layout.dir, journals.flatMap((j) => j.repositories));
      const release = await acquireLock(layout);
      try {
        await recover(layout);
      } finally {
        await release();
      }
      return;
    }
    if (Date.now() > deadline) throw new UnfinishedPublishError(layout.dir, journals.flatMap((j) => j.repositories));
    await delay(25, undefined, options.signal ? { signal: options.signal } : {}).catch((error: unknown) => {
      throw new AbortError({ cause: error });
    });
  }
}

/** A dataset opened for queries. Every call runs on DuckDB's threads and takes an AbortSignal. */
export class Dataset {
  private closed = false;

  /** @internal */
  constructor(
    private readonly layout: Layout,
    private readonly duck: Duck,
    private readonly states: Map<string, RepositoryState>,
  ) {}

  get dir(): string {
    return this.layout.dir;
  }

  /** The tables (views) of the dataset. */
  get tables(): readonly TableName[] {
    return TABLE_NAMES;
  }

  /** Published state of each repository (fingerprint, row counts), as of opening. */
  repositories(): RepositoryState[] {
    return [...this.states.values()].sort((a, b) => (a.repository < b.repository ? -1 : 1));
  }

  /** Rebuild the views, to see tables that had no file yet when the dataset was opened. */
  async refresh(options: QueryOptions = {}): Promise<void> {
    this.assertOpen();
    const present = await tablesWithFiles(this.layout);
    await this.duck.run(allViewsSql(this.layout, present).join(';\n'), options.signal);
  }

  /**
   * Run SQL and return every row as an object. BIGINT values become numbers where exact.
   * Parameters bind to `$1`/`?` (array) or `$name` (object).
   *
   * @example
   * const rows = await dataset.query('SELECT * FROM commits WHERE repository = $repo LIMIT 5', { repo: 'acme/app' });
   */
  async query<T = DatasetRow>(sql: string, params?: SqlParams, options: QueryOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const batch of this.batches(sql, params, options)) for (const row of batch) out.push(row as T);
    return out;
  }

  /**
   * Stream the rows of a query, one DuckDB chunk (about 2048 rows) at a time, so any result size
   * stays in bounded memory. Breaking out of the loop stops the query.
   *
   * @example
   * for await (const row of dataset.stream('SELECT * FROM blame_lines')) total += row.line;
   */
  async *stream<T = DatasetRow>(sql: string, params?: SqlParams, options: QueryOptions = {}): AsyncGenerator<T> {
    for await (const batch of this.batches(sql, params, options)) for (const row of batch) yield row as T;
  }

  /** Every row of a table, streamed. */
  readTable<T extends TableName>(table: T, options: QueryOptions = {}): AsyncGenerator<DatasetRow> {
    if (!isTableName(table)) throw new UnknownTableError(table, TABLE_NAMES);
    return this.stream(`SELECT * FROM ${sqlIdent(table)}`, undefined, options);
  }

  /**
   * Run a named query (`NAMED_QUERIES`): `top-authors`, `active-repositories`, `bus-factor`, `hotspots`.
   *
   * @example
   * const busFactor = await dataset.named('bus-factor', { include_bots: false });
   */
  async named<T = DatasetRow>(name: string, params: Readonly<Record<string, unknown>> = {}, options: QueryOptions = {}): Promise<T[]> {
    const { sql, values } = namedQuerySql(name, params);
    return this.query<T>(sql, values, options);
  }

  /**
   * The result of a query as an Arrow table (apache-arrow), one record batch per DuckDB chunk.
   *
   * @example
   * const table = await dataset.arrow('SELECT repository, sha, author_time FROM commits');
   * console.log(table.numRows, table.schema.fields.map(String));
   */
  async arrow(sql: string, params?: SqlParams, options: QueryOptions = {}): Promise<Table> {
    this.assertOpen();
    // apache-arrow loads on first use: most callers never ask for Arrow.
    const { resultToArrow } = await import('./arrow.js');
    return this.duck.with(options.signal, async (connection) => resultToArrow(await connection.stream(sql, bindValues(params)), options.signal));
  }

  /** The result of a query as Arrow IPC bytes (`stream` format by default, or `file`). */
  async arrowIPC(sql: string, params?: SqlParams, options: QueryOptions & { format?: 'stream' | 'file' } = {}): Promise<Uint8Array> {
    const table = await this.arrow(sql, params, options);
    const { tableToIPC } = await import('apache-arrow');
    return tableToIPC(table, options.format ?? 'stream');
  }

  /**
   * Write a table, or the result of `{ sql }`, to a file: Parquet, CSV (with a header) or
   * newline-delimited JSON. Returns the number of rows written.
   *
   * @example
   * await dataset.export('authors', 'authors.csv');
   * await dataset.export({ sql: 'SELECT * FROM commits WHERE NOT is_merge' }, 'commits.parquet');
   */
  async export(source: TableName | { sql: string }, file: string, options: ExportOptions = {}): Promise<number> {
    this.assertOpen();
    let select: string;
    if (typeof source === 'string') {
      if (!isTableName(source)) throw new UnknownTableError(source, TABLE_NAMES);
      select = `SELECT * FROM ${sqlIdent(source)}`;
    } else select = source.sql;
    const format = options.format ?? formatOf(file);
    const copyOptions = { parquet: 'FORMAT parquet, COMPRESSION zstd', csv: 'FORMAT csv, HEADER true', json: 'FORMAT json' }[format];
    if (!copyOptions) throw new InvalidOptionError(`export format must be parquet, csv or json, got ${String(format)}`);
    const count = await this.duck.run(`COPY (${select}) TO ${sqlString(resolve(file))} (${copyOptions})`, options.signal);
    return Number(count ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.duck.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async *batches(sql: string, params: SqlParams | undefined, options: QueryOptions): AsyncGenerator<DatasetRow[]> {
    this.assertOpen();
    const { signal } = options;
    throwIfAborted(signal);
    const connection = await this.duck.instance.connect();
    const onAbort = (): void => connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await connection.stream(sql, bindValues(params)).catch((error: unknown) => {
        throw queryFailure(error, signal);
      });
      const iterator = result.yieldRowObjectJs();
      for (;;) {
        const next = await iterator.next().catch((error: unknown) => {
          throw queryFailure(error, signal);
        });
        if (next.done) return;
        throwIfAborted(signal);
        yield next.value.map(friendlyRow);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DatasetClosedError('dataset');
  }
}

function formatOf(file: string): ExportFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(nd)?jsonl?$/i.test(file)) return 'json';
  return 'parquet';
}
