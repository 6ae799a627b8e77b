import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Duck } from './duck.js';
import {
  DatasetClosedError,
  DatasetError,
  DatasetLockedError,
  IncompatibleDatasetError,
  InvalidOptionError,
  TransactionClosedError,
  UnknownTableError,
  throwIfAborted,
} from './errors.js';
import { finalizeDataset, type FinalizeResult } from './finalize.js';
import { fsyncPath, isErrno, writeFileAtomic } from './fs-atomic.js';
import { applyJournal, commitJournal, pendingJournals, recover, type Journal, type JournalOp, type PublishStepListener } from './journal.js';
import { Layout, repositoryKey, sqlString } from './layout.js';
import { acquireLock, liveLockHolder } from './lock.js';
import { REPOSITORY_TABLES, SCHEMA_VERSION, type RepositoryTableName, type RowInput } from './schema.js';
import { PARQUET_OPTIONS, readStageSql, storedSelectSql } from './sql.js';
import { StageFile, type RowSource } from './stage-file.js';
import { canonicalFingerprint, readState, readStates, type Fingerprint, type RepositoryState } from './state.js';

export const FORMAT_VERSION = 1;

export interface DatasetWriterOptions {
  signal?: AbortSignal;
  /** DuckDB memory limit of the writer (default `'256MB'`); beyond it DuckDB spills to `_gitfleet/tmp`. */
  memoryLimit?: string;
  /**
   * DuckDB threads per statement (default 1: converting a staged table to Parquet is I/O-bound,
   * a miner has clones and blame running meanwhile, and each extra thread adds its own buffers).
   * Transactions that commit at the same time still convert in parallel.
   */
  threads?: number;
  /** Called at each step of every publish: `staged`, `journaled`, `applied` (per file), `published`. */
  onPublishStep?: PublishStepListener;
  /**
   * One of several writers of the dataset at once (queue workers on a shared volume), each working
   * on repositories no other writer touches meanwhile (the queue's job lock sees to that). A shared
   * writer takes no writer lock (it refuses a dataset an exclusive writer holds), leaves other
   * writers' staging alone, and knows a repository's state only after `refresh(repository)`
   * (`begin` refreshes), which first rolls forward a publish a killed writer left for that
   * repository. `finalize()` needs an exclusive writer, which also drops the staging of dead ones.
   */
  shared?: boolean;
}

export interface TransactionOptions {
  /** What this data was mined from; `isUnchanged` compares it on the next run. */
  fingerprint?: Fingerprint;
  signal?: AbortSignal;
}

export interface PublishResult {
  repository: string;
  key: string;
  /** Rows published per table. */
  rows: Record<RepositoryTableName, number>;
}

/** Rows of each table of one repository, for `writeRepository`. */
export type RepositoryTables = { [T in RepositoryTableName]?: RowSource<RowInput<T>> };

export interface ErrorInput {
  phase: string;
  message: string;
  code?: string | undefined;
  /** Unix seconds; now if left out. */
  time?: number | undefined;
}

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * Open (or create) a dataset directory for writing. Takes the writer lock (one writer per dataset;
 * a lock left by a killed writer is taken over) and first completes or discards whatever a crashed
 * writer left: recorded publishes are rolled forward, unrecorded staging is deleted.
 *
 * @example
 * const writer = await openDatasetWriter('data');
 * if (!writer.isUnchanged('acme/app', refs)) {
 *   await writer.writeRepository('acme/app', { repositories: [{ provider: 'github' }], commits: commitRows }, { fingerprint: refs });
 * }
 * await writer.finalize();
 * await writer.close();
 */
export async function openDatasetWriter(dir: string, options: DatasetWriterOptions = {}): Promise<DatasetWriter> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidOptionError('dataset directory must be a non-empty string');
  // DuckDB reads `?` in a database path as the start of parameters: fleet.duckdb could not be written there.
  if (resolve(dir).includes('?')) throw new InvalidOptionError(`dataset directory must not contain "?": ${dir}`);
  throwIfAborted(options.signal);
  const layout = new Layout(dir);
  await mkdir(layout.meta, { recursive: true });
  await checkFormat(layout, true);
  if (options.shared === true) return openShared(layout, options);
  const release = await acquireLock(layout);
  try {
    const repaired = await recover(layout);
    for (const d of [layout.journalDir, layout.stagingDir, layout.statesDir, layout.tmpDir]) await mkdir(d, { recursive: true });
    const duck = await Duck.open(':memory:', { memoryLimit: options.memoryLimit ?? '256MB', threads: options.threads ?? 1, tempDirectory: layout.tmpDir });
    return new DatasetWriter(layout, duck, await readStates(layout), release, repaired, options.onPublishStep);
  } catch (error) {
    await release();
    throw error;
  }
}

async function openShared(layout: Layout, options: DatasetWriterOptions): Promise<DatasetWriter> {
  const holder = await liveLockHolder(layout);
  if (holder) throw new DatasetLockedError(layout.dir, holder.pid);
  for (const d of [layout.journalDir, layout.stagingDir, layout.statesDir, layout.tmpDir]) await mkdir(d, { recursive: true });
  const duck = await Duck.open(':memory:', { memoryLimit: options.memoryLimit ?? '256MB', threads: options.threads ?? 1, tempDirectory: layout.tmpDir });
  return new DatasetWriter(layout, duck, new Map(), () => Promise.resolve(), [], options.onPublishStep, true);
}

/** Check (and, when `create`, write) the dataset's format marker. */
export async function checkFormat(layout: Layout, create: boolean): Promise<void> {
  try {
    const marker = JSON.parse(await readFile(layout.marker, 'utf8')) as { format?: unknown };
    if (marker.format !== FORMAT_VERSION) throw new IncompatibleDatasetError(layout.dir, marker.format, FORMAT_VERSION);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    if (!create || !isErrno(error, 'ENOENT')) throw error;
    await writeFileAtomic(layout.marker, `${JSON.stringify({ format: FORMAT_VERSION, tool: '@gitfleet/dataset' })}\n`);
  }
}

/**
 * Writes repositories into a dataset, each all at once or not at all. Transactions of different
 * repositories may run concurrently; publishes are serialised.
 */
export class DatasetWriter {
  /** Repositories whose interrupted publish was completed when this writer opened. */
  readonly repaired: readonly string[];
  private readonly open = new Map<string, RepositoryTransaction>();
  private mutex: Promise<unknown> = Promise.resolve();
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  /** @internal */
  constructor(
    readonly layout: Layout,
    /** @internal */ readonly duck: Duck,
    private readonly states: Map<string, RepositoryState>,
    private readonly release: () => Promise<void>,
    repaired: string[],
    /** @internal */ readonly onPublishStep: PublishStepListener | undefined,
    /** Opened with `shared: true`. */
    readonly shared = false,
  ) {
    this.repaired = repaired;
  }

  /**
   * Reads `repository`'s published state again from disk. A shared writer first rolls forward a
   * publish of this repository that a killed writer left recorded (call it only while no other
   * writer works on the repository). An exclusive writer knows every state already.
   *
   * @example
   * await writer.refresh('acme/app');
   * if (writer.isUnchanged('acme/app', refs)) return;
   */
  async refresh(repository: string): Promise<RepositoryState | undefined> {
    this.assertOpen();
    if (!this.shared) return this.states.get(repository);
    for (const journal of await pendingJournals(this.layout)) {
      if (journal.repositories.includes(repository)) await this.exclusive(() => applyJournal(this.layout, journal));
    }
    const state = await readState(this.layout, repositoryKey(repository));
    if (state === undefined) this.states.delete(repository);
    else this.states.set(repository, state);
    return state;
  }

  /** The dataset directory (absolute). */
  get dir(): string {
    return this.layout.dir;
  }

  /** Published state of every repository (with data or only errors). */
  repositories(): RepositoryState[] {
    return [...this.states.values()].sort((a, b) => (a.repository < b.repository ? -1 : 1));
  }

  state(repository: string): RepositoryState | undefined {
    return this.states.get(repository);
  }

  /**
   * True when `repository` was published from the same `fingerprint` (by this schema version),
   * so a rerun can skip it.
   *
   * @example
   * if (writer.isUnchanged('acme/app', { 'refs/heads/main': head })) continue;
   */
  isUnchanged(repository: string, fingerprint: Fingerprint): boolean {
    const state = this.states.get(repository);
    return (
      state !== undefined &&
      state.publishedTime !== null &&
      state.schemaVersion === SCHEMA_VERSION &&
      canonicalFingerprint(state.fingerprint) === canonicalFingerprint(fingerprint)
    );
  }

  /**
   * Start replacing `repository`'s data. Write its rows table by table (streamed, any order,
   * several calls per table), then `commit()` publishes them all at once; tables not written are
   * published empty. `abort()` (or a crash) leaves the old data as it was.
   *
   * @example
   * const tx = await writer.begin('acme/app', { fingerprint: refs });
   * await tx.write('commits', commitRows); // an array, iterable or async iterable
   * await tx.write('commit_files', fileRows);
   * await tx.commit();
   */
  async begin(repository: string, options: TransactionOptions = {}): Promise<RepositoryTransaction> {
    this.assertOpen();
    if (typeof repository !== 'string' || repository === '') throw new InvalidOptionError('repository must be a non-empty string');
    if (this.open.has(repository)) throw new InvalidOptionError(`a transaction for ${repository} is already open`);
    throwIfAborted(options.signal);
    if (this.shared) await this.refresh(repository);
    const id = randomUUID();
    const staging = join(this.layout.stagingDir, id);
    await mkdir(staging, { recursive: true });
    const tx = new RepositoryTransaction(this, repository, id, staging, options.fingerprint ?? null);
    this.open.set(repository, tx);
    return tx;
  }

  /**
   * Replace `repository`'s data with `tables` in one transaction (aborted on any error).
   *
   * @example
   * await writer.writeRepository('acme/app', { repositories: [{ provider: 'github' }], commits: rows }, { fingerprint: refs });
   */
  async writeRepository(repository: string, tables: RepositoryTables, options: TransactionOptions = {}): Promise<PublishResult> {
    const tx = await this.begin(repository, options);
    try {
      for (const table of Object.keys(tables) as RepositoryTableName[]) {
        const rows = tables[table];
        if (rows !== undefined) await tx.write(table, rows as RowSource<RowInput<typeof table>>, options.signal ? { signal: options.signal } : {});
      }
      return await tx.commit(options.signal ? { signal: options.signal } : {});
    } finally {
      await tx.abort();
    }
  }

  /**
   * Record that `repository` failed in `phase` (table `errors`). Its data, if any, stays as last
   * published; its errors are cleared by its next successful publish.
   */
  async recordError(repository: string, error: ErrorInput, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    const tx = await this.begin(repository, options);
    try {
      await tx.write('errors', [{ ...error, time: error.time ?? now() }]);
      await tx.commitErrorsOnly(options.signal);
    } finally {
      await tx.abort();
    }
  }

  /** Remove everything of `repository` from the dataset. Returns false when it had nothing. */
  async remove(repository: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const state = this.states.get(repository);
    if (!state) return false;
    const ops: JournalOp[] = REPOSITORY_TABLES.map((table) => ({ op: 'delete', path: this.layout.tableFile(table, state.key) }));
    ops.push({ op: 'delete', path: this.layout.stateFile(state.key) });
    await this.publish({ version: 1, id: randomUUID(), repositories: [repository], ops, cleanup: [] }, () => this.states.delete(repository));
    return true;
  }

  /**
   * Merge authors across the fleet (`authors`, `author_identities`) and write `fleet.duckdb`
   * with a view per table. Call it after the last repository of a run; publishes wait meanwhile.
   */
  async finalize(options: { signal?: AbortSignal } = {}): Promise<FinalizeResult> {
    this.assertOpen();
    if (this.shared) throw new InvalidOptionError('finalize needs the exclusive writer: open the dataset without `shared` once the shared writers are done');
    return this.exclusive(() => finalizeDataset(this, this.repositories().length, options.signal));
  }

  /** Abort open transactions (commits under way finish first), release the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const tx of [...this.open.values()]) await tx.abort();
    await Promise.allSettled([...this.inflight]);
    await this.mutex.catch(() => undefined);
    this.duck.close();
    await this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Run `fn` alone: publishes and finalize never overlap. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }

  /** @internal Commit a journal and update the cached states once it is applied. */
  async publish(journal: Journal, onApplied: () => void): Promise<void> {
    await this.exclusive(async () => {
      await commitJournal(this.layout, journal, this.onPublishStep);
      onApplied();
    });
  }

  /** @internal Track a commit so close() waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  /** @internal */
  setState(state: RepositoryState): void {
    this.states.set(state.repository, state);
  }

  /** @internal */
  forget(tx: RepositoryTransaction): void {
    if (this.open.get(tx.repository) === tx) this.open.delete(tx.repository);
  }

  private assertOpen(): void {
    if (this.closed) throw new DatasetClosedError('dataset writer');
  }
}

/** One repository's pending replacement. Obtain it from `DatasetWriter.begin`. */
export class RepositoryTransaction {
  readonly key: string;
  private readonly stages = new Map<RepositoryTableName, StageFile>();
  private chain: Promise<unknown> = Promise.resolve();
  private status: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private commitRequested = false;

  /** @internal */
  constructor(
    private readonly writer: DatasetWriter,
    readonly repository: string,
    private readonly id: string,
    private readonly staging: string,
    private readonly fingerprint: Fingerprint | null,
  ) {
    this.key = repositoryKey(repository);
  }

  /**
   * Stage rows of `table` (validated against the schema). Large sources stream to disk; memory
   * stays bounded. An invalid row aborts the transaction.
   */
  async write<T extends RepositoryTableName>(table: T, rows: RowSource<RowInput<T>>, options: { signal?: AbortSignal } = {}): Promise<number> {
    if (!(REPOSITORY_TABLES as readonly string[]).includes(table)) throw new UnknownTableError(table, REPOSITORY_TABLES);
    this.assertOpen();
    const run = this.chain.then(async () => {
      this.assertOpen();
      try {
        return await this.stage(table).append(rows, now(), options.signal);
      } catch (error) {
        await this.discard();
        throw error;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Publish every table of this repository at once, with its fingerprint. */
  async commit(options: { signal?: AbortSignal } = {}): Promise<PublishResult> {
    const { signal } = options;
    return this.publishStaged(signal, async (published) => {
      if (!this.stages.has('repositories')) await this.stage('repositories').append([{}], published);
      const repoRows = this.stages.get('repositories')!.rows;
      if (repoRows !== 1) throw new InvalidOptionError(`repositories: expected one row for ${this.repository}, got ${repoRows}`);
      const rows = {} as Record<RepositoryTableName, number>;
      const ops: JournalOp[] = [];
      for (const table of REPOSITORY_TABLES) {
        const stage = this.stage(table);
        await stage.close();
        const select = `SELECT ${storedSelectSql(table, this.repository, published)} FROM ${readStageSql(table, stage.path)}`;
        rows[table] = await this.copy(table, select, ops, signal);
      }
      const state: RepositoryState = {
        repository: this.repository,
        key: this.key,
        fingerprint: this.fingerprint,
        schemaVersion: SCHEMA_VERSION,
        publishedTime: published,
        rows,
      };
      return { state, ops, result: { repository: this.repository, key: this.key, rows } };
    });
  }

  /** @internal Publish only the `errors` table: the old errors plus the staged ones. */
  async commitErrorsOnly(signal: AbortSignal | undefined): Promise<void> {
    const layout = this.writer.layout;
    await this.publishStaged(signal, async (published) => {
      const previous = this.writer.state(this.repository);
      const stage = this.stage('errors');
      await stage.close();
      const oldFile = layout.abs(layout.tableFile('errors', this.key));
      const old = previous !== undefined && (previous.rows.errors ?? 0) > 0 ? `SELECT * FROM read_parquet(${sqlString(oldFile)}) UNION ALL ` : '';
      const ops: JournalOp[] = [];
      const count = await this.copy('errors', `${old}SELECT ${storedSelectSql('errors', this.repository, published)} FROM ${readStageSql('errors', stage.path)}`, ops, signal);
      const state: RepositoryState = previous
        ? { ...previous, rows: { ...previous.rows, errors: count } }
        : { repository: this.repository, key: this.key, fingerprint: null, schemaVersion: SCHEMA_VERSION, publishedTime: null, rows: { errors: count } };
      return { state, ops, result: undefined };
    });
  }

  /**
   * Build the staged files (`build` returns the renames and the new state), then publish them
   * through the journal. Before the journal is recorded a failure drops the staging; after it,
   * the staging is the publish and stays for the next writer to roll forward.
   */
  private publishStaged<R>(
    signal: AbortSignal | undefined,
    build: (published: number) => Promise<{ state: RepositoryState; ops: JournalOp[]; result: R }>,
  ): Promise<R> {
    // Marked at once, so a close() racing with this commit lets it finish instead of aborting it.
    this.assertOpen();
    this.commitRequested = true;
    return this.writer.track(this.publishStagedNow(signal, build));
  }

  private async publishStagedNow<R>(
    signal: AbortSignal | undefined,
    build: (published: number) => Promise<{ state: RepositoryState; ops: JournalOp[]; result: R }>,
  ): Promise<R> {
    await this.chain;
    this.assertOpen();
    this.status = 'committing';
    try {
      const { state, ops, result } = await build(now());
      const file = join(this.staging, 'state.json');
      await writeFile(file, `${JSON.stringify(state)}\n`);
      await fsyncPath(file);
      await fsyncPath(this.staging);
      ops.push({ op: 'rename', from: this.relative(file), to: this.writer.layout.stateFile(this.key) });
      throwIfAborted(signal);
      await this.writer.onPublishStep?.({ phase: 'staged', repositories: [this.repository] });
      await this.writer.publish({ version: 1, id: this.id, repositories: [this.repository], ops, cleanup: [this.relative(this.staging)] }, () =>
        this.writer.setState(state),
      );
      this.status = 'committed';
      this.writer.forget(this);
      return result;
    } catch (error) {
      if (existsSync(join(this.writer.layout.journalDir, `${this.id}.json`))) {
        this.status = 'committed';
        this.writer.forget(this);
      } else await this.discard();
      throw error;
    }
  }

  /** COPY `select` to this transaction's Parquet file of `table`, queue its rename; returns the row count. */
  private async copy(table: RepositoryTableName, select: string, ops: JournalOp[], signal: AbortSignal | undefined): Promise<number> {
    throwIfAborted(signal);
    const file = join(this.staging, `${table}.parquet`);
    const count = await this.writer.duck.run(`COPY (${select}) TO ${sqlString(file)} ${PARQUET_OPTIONS}`, signal);
    await fsyncPath(file);
    ops.push({ op: 'rename', from: this.relative(file), to: this.writer.layout.tableFile(table, this.key) });
    return Number(count ?? 0);
  }

  /** Drop everything staged; the repository keeps its published data. Safe to call twice; a no-op once commit() was called. */
  async abort(): Promise<void> {
    if (this.status !== 'open' || this.commitRequested) return;
    await this.discard();
  }

  private async discard(): Promise<void> {
    if (this.status === 'committed' || this.status === 'aborted') return;
    this.status = 'aborted';
    for (const stage of this.stages.values()) stage.destroy();
    this.writer.forget(this);
    await rm(this.staging, { recursive: true, force: true });
  }

  private stage(table: RepositoryTableName): StageFile {
    let stage = this.stages.get(table);
    if (!stage) {
      stage = new StageFile(table, join(this.staging, `${table}.ndjson`), this.repository);
      this.stages.set(table, stage);
    }
    return stage;
  }

  private relative(path: string): string {
    return path.slice(this.writer.layout.dir.length + 1);
  }

  private assertOpen(): void {
    if (this.status !== 'open') throw new TransactionClosedError(this.repository, this.status);
  }
}

