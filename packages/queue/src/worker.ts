import { availableParallelism } from 'node:os';
import { DelayedError, Job, Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { openDatasetWriter, type DatasetWriter, type RepositoryTableName } from '@gitfleet/dataset';
import { createRepositoryMiner, RepositoryError, type MineOptions, type MineResult, type RepositoryMiner, type TableRows } from '@gitfleet/mine';
import { createSession, type Session, type SessionOptions } from '@gitfleet/session';
import { releaseClaim, prefixOf, type QueueRunSummary } from './coordinator.js';
import { createRedis, parseQueueUrl, type QueueConnectionInput } from './connection.js';
import { InvalidOptionError } from './errors.js';
import { REPOSITORIES_QUEUE, RUNS_QUEUE, tokensPrefix } from './keys.js';
import { toMineOptions, type RepositoryJobData, type RunJobData, type RunOptions } from './payload.js';
import { createRedisStateStore } from './redis-state-store.js';

/** A run's miner and dataset writer are closed after this long without a job of the run. */
const IDLE_CLOSE_MS = 15_000;


export interface QueueWorkerOptions {
  /** `redis://host:port[/db]`, or ioredis options (the coordinator's Redis). */
  queue: QueueConnectionInput;
  /** Key prefix of the queues (default `gitfleet`), as the coordinator's. */
  prefix?: string;
  /** Repositories mined at once by this worker (default: CPU cores). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (default 30 s; renewed every half of it). A worker
   * killed mid-job loses its job to another worker once the lock expired and a stalled check ran.
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (default: `lockDurationMs`). */
  stalledIntervalMs?: number;
  /** Times a job may lose its worker before it fails for good (default 2). */
  maxStalledCount?: number;
  /**
   * On `close()`, how long jobs under way may take to finish before they are stopped and handed
   * back to the queue, untouched, for another worker (default 30 s; 0 hands back at once).
   */
  graceMs?: number;
  /** Files blamed at once per repository (default: CPU cores, min 2). */
  blameConcurrency?: number;
  /**
   * A job's progress goes to Redis (for the coordinator's bars) at most this often, and not in the
   * job's first interval (default 1000 ms): each update is a Redis write queued before the job's
   * completion, so a short job sends none.
   */
  progressIntervalMs?: number;
  /** Clones at once (default: `concurrency`). */
  cloneJobs?: number;
  /** `@gitfleet/git`'s result cache (default off), as `mine()` takes it. */
  cache?: MineOptions['cache'];
  /**
   * Tokens, provider clients, git tokens. Default: a session over this process's environment and
   * credential store whose identity pools keep their budgets in Redis (shared by every worker).
   */
  session?: Session;
  /** Options of that default session (`state` is the Redis store). */
  sessionOptions?: Omit<SessionOptions, 'state'>;
  /** Told what the worker does, for logs. */
  onEvent?: (event: QueueWorkerEvent) => void;
}

/** What a worker reports. */
export type QueueWorkerEvent =
  | { type: 'started'; runId: string; repository: string; attempt: number }
  | { type: 'finished'; runId: string; result: MineResult }
  | { type: 'retrying'; runId: string; repository: string; attempt: number; error: string }
  | { type: 'handed-back'; runId: string; repository: string }
  | { type: 'finalized'; runId: string; summary: QueueRunSummary }
  | { type: 'error'; message: string };

/** A running worker; `close()` stops it gracefully. */
export interface QueueWorker {
  /** Finishes the jobs under way (or hands them back after `graceMs`), then disconnects. */
  close(): Promise<void>;
  /** Resolves when the worker is connected and taking jobs. */
  readonly ready: Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface RunContext {
  miner: RepositoryMiner;
  writer: DatasetWriter;
  active: number;
  lastUsed: number;
}

/**
 * Takes jobs of `enqueueRun()`s until closed: mines each repository into the run's dataset (the
 * output directory, which this worker must reach at the same path), with the same crash safety as
 * one machine (a repository is published whole or not at all; a publish a dead worker left is
 * completed by the next one). A repository that fails is retried by BullMQ with backoff; on its
 * last attempt it is recorded in `errors` and the job completes. When every repository of a run is
 * done, one worker takes the run's job and finalizes the dataset (authors, `fleet.duckdb`).
 *
 * @example
 * ```ts
 * const worker = startQueueWorker({ queue: 'redis://redis:6379', concurrency: 2 });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  return new QueueWorkerImpl(options);
}

class QueueWorkerImpl implements QueueWorker {
  readonly ready: Promise<void>;
  private readonly redis: Redis;
  private readonly session: Session;
  private readonly repositories: Worker<RepositoryJobData, MineResult>;
  private readonly runs: Worker<RunJobData, QueueRunSummary>;
  private readonly contexts = new Map<string, Promise<RunContext>>();
  private readonly concurrency: number;
  private readonly graceMs: number;
  private readonly progressIntervalMs: number;
  private readonly idleTimer: NodeJS.Timeout;
  private handingBack = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: QueueWorkerOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options are required: { queue }');
    const connection = parseQueueUrl(options.queue);
    const prefix = prefixOf(options.prefix);
    this.concurrency = count('concurrency', options.concurrency, Math.max(1, availableParallelism()), 1);
    const lockDuration = count('lockDurationMs', options.lockDurationMs, 30_000, 100);
    const stalledInterval = count('stalledIntervalMs', options.stalledIntervalMs, lockDuration, 100);
    const maxStalledCount = count('maxStalledCount', options.maxStalledCount, 2, 0);
    this.graceMs = count('graceMs', options.graceMs, 30_000, 0);
    this.progressIntervalMs = count('progressIntervalMs', options.progressIntervalMs, 1000, 0);
    this.redis = createRedis(connection);
    this.session = options.session ?? createSession({ ...options.sessionOptions, state: createRedisStateStore(this.redis, { prefix: tokensPrefix(prefix) }) });
    const common = { connection, prefix, lockDuration, stalledInterval, maxStalledCount, autorun: true };
    this.repositories = new Worker(REPOSITORIES_QUEUE, this.mineRepository, { ...common, concurrency: this.concurrency });
    this.runs = new Worker(RUNS_QUEUE, this.finalizeRun, { ...common, concurrency: 1 });
    for (const worker of [this.repositories, this.runs]) {
      worker.on('error', (error) => this.emit({ type: 'error', message: error.message }));
    }
    this.repositories.on('failed', (job, error) => {
      if (!job || error instanceof DelayedError || error.name === 'DelayedError') return;
      const repository = repositoryOf(job.data);
      this.emit({ type: 'retrying', runId: job.data.runId, repository, attempt: job.attemptsMade, error: error.message });
    });
    this.ready = Promise.all([this.repositories.waitUntilReady(), this.runs.waitUntilReady()]).then(() => undefined);
    this.ready.catch(() => undefined);
    this.idleTimer = setInterval(() => void this.closeIdle(), 1000);
    this.idleTimer.unref();
  }

  private readonly mineRepository: Processor<RepositoryJobData, MineResult> = async (job, token, signal) => {
    const started = Date.now();
    const data = job.data;
    const repository = repositoryOf(data);
    const ctx = await this.context(data.runId, data.options);
    ctx.active++;
    this.emit({ type: 'started', runId: data.runId, repository, attempt: job.attemptsMade + 1 });
    try {
      let result: MineResult;
      if (data.kind === 'failure') {
        await ctx.writer.recordError(repository, { phase: data.stage, message: data.error.message, code: data.error.code });
        result = { repository, status: 'failed', stage: data.stage, error: data.error, durationMs: Date.now() - started };
      } else {
        try {
          // Completes a publish of this repository that a killed worker left, and reads its state.
          await ctx.writer.refresh(repository);
          let sent = started;
          const outcome = await ctx.miner.mine(data.job, ctx.writer, {
            ...(signal ? { signal } : {}),
            onProgress: (progress) => {
              const now = Date.now();
              if (now - sent < this.progressIntervalMs) return;
              sent = now;
              void job.updateProgress(progress).catch(() => undefined);
            },
          });
          result = outcome.status === 'published' ? { repository, status: 'published', rows: outcome.rows, durationMs: Date.now() - started } : { repository, status: 'unchanged', durationMs: Date.now() - started };
        } catch (error) {
          if (signal?.aborted && this.handingBack) {
            // Stopped by close(): back to the queue as it was (not an attempt), for another worker.
            await job.moveToDelayed(Date.now(), token);
            this.emit({ type: 'handed-back', runId: data.runId, repository });
            throw new DelayedError();
          }
          if (!(error instanceof RepositoryError) || job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error;
          // The last attempt: recorded, and the job completes (the run goes on).
          await ctx.writer.recordError(repository, { phase: error.stage, message: error.failure.message, code: error.failure.code });
          result = { repository, status: 'failed', stage: error.stage, error: error.failure, durationMs: Date.now() - started };
        }
      }
      this.emit({ type: 'finished', runId: data.runId, result });
      return result;
    } finally {
      ctx.active--;
      ctx.lastUsed = Date.now();
    }
  };

  private readonly finalizeRun: Processor<RunJobData, QueueRunSummary> = async (job, token, signal) => {
    const data = job.data;
    await this.closeRun(data.runId);
    const results = Object.values(await job.getChildrenValues<MineResult>());
    const writer = await openDatasetWriter(data.out, signal ? { signal } : {});
    let summary: QueueRunSummary;
    try {
      // Jobs that failed without returning (their worker died more often than allowed).
      for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) {
        const child = await Job.fromId<RepositoryJobData>(this.repositories as never, key.slice(key.lastIndexOf(':') + 1));
        const repository = child ? repositoryOf(child.data) : key;
        const error = { code: 'GITFLEET_QUEUE_JOB_FAILED', message: `the job failed for good: ${reason}` };
        await writer.recordError(repository, { phase: 'open', message: error.message, code: error.code });
        results.push({ repository, status: 'failed', stage: 'open', error, durationMs: 0 });
      }
      const t = Date.now();
      const finalized = await writer.finalize(signal ? { signal } : {});
      summary = summarize(data, results, finalized.authors, Date.now() - t);
    } catch (error) {
      if (signal?.aborted && this.handingBack) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      throw error;
    } finally {
      await writer.close();
    }
    await releaseClaim(this.redis, data.claim, data.runId);
    this.emit({ type: 'finalized', runId: data.runId, summary });
    return summary;
  };

  /** The run's miner and shared dataset writer, made on its first job here. */
  private context(runId: string, options: RunOptions): Promise<RunContext> {
    let ctx = this.contexts.get(runId);
    if (!ctx) {
      ctx = (async () => {
        const writer = await openDatasetWriter(options.out, { shared: true });
        const miner = createRepositoryMiner({
          ...toMineOptions(options),
          session: this.session,
          jobs: this.concurrency,
          cloneJobs: this.options.cloneJobs ?? this.concurrency,
          ...(this.options.blameConcurrency !== undefined ? { blameConcurrency: this.options.blameConcurrency } : {}),
          ...(this.options.cache !== undefined ? { cache: this.options.cache } : {}),
        });
        return { miner, writer, active: 0, lastUsed: Date.now() };
      })();
      this.contexts.set(runId, ctx);
      ctx.catch(() => this.contexts.delete(runId));
    }
    return ctx;
  }

  private async closeRun(runId: string): Promise<void> {
    const ctx = this.contexts.get(runId);
    this.contexts.delete(runId);
    const resolved = await ctx?.catch(() => undefined);
    if (resolved) await Promise.allSettled([resolved.miner.close(), resolved.writer.close()]);
  }

  private async closeIdle(): Promise<void> {
    for (const [runId, ctx] of this.contexts) {
      const resolved = await ctx.catch(() => undefined);
      if (resolved && resolved.active === 0 && Date.now() - resolved.lastUsed > IDLE_CLOSE_MS && this.contexts.get(runId) === ctx) await this.closeRun(runId);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.idleTimer);
      const handBack = (): void => {
        this.handingBack = true;
        this.repositories.cancelAllJobs('the worker is stopping');
        this.runs.cancelAllJobs('the worker is stopping');
      };
      const timer = setTimeout(handBack, this.graceMs);
      try {
        await Promise.all([this.repositories.close(), this.runs.close()]);
      } finally {
        clearTimeout(timer);
      }
      await Promise.allSettled([...this.contexts.keys()].map((runId) => this.closeRun(runId)));
      this.redis.disconnect();
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private emit(event: QueueWorkerEvent): void {
    this.options.onEvent?.(event);
  }
}

function repositoryOf(data: RepositoryJobData): string {
  return data.kind === 'repository' ? data.job.repository : data.repository;
}

/** `mine()`'s summary, from the results the repository jobs returned. */
function summarize(data: RunJobData, results: MineResult[], authors: number, finalizeMs: number): QueueRunSummary {
  const rows: TableRows = {};
  for (const result of results) {
    for (const [table, n] of Object.entries(result.rows ?? {}) as [RepositoryTableName, number][]) rows[table] = (rows[table] ?? 0) + n;
  }
  const count = (status: MineResult['status']): number => results.filter((r) => r.status === status).length;
  return {
    runId: data.runId,
    out: data.out,
    repositories: results.length,
    published: count('published'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    interrupted: 0,
    results,
    rows,
    authors,
    durationMs: Date.now() - data.startedAt,
    finalizeMs,
    aborted: false,
  };
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`${name} must be an integer >= ${String(min)}, got ${JSON.stringify(value)}`);
  }
  return value;
}
