import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, Queue, QueueEvents, type FlowChildJob } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { discoverRepositories, type MineEvent, type MineOptions, type MineResult, type MineSource, type MineSummary } from '@gitfleet/mine';
import { createSession, type Session, type SessionOptions } from '@gitfleet/session';
import { createRedis, parseQueueUrl, type QueueConnectionInput } from './connection.js';
import { InvalidOptionError, RunActiveError, RunFailedError } from './errors.js';
import { claimKey, DEFAULT_PREFIX, newRunId, repositoryJobId, REPOSITORIES_QUEUE, RUNS_QUEUE, tokensPrefix } from './keys.js';
import { toRunOptions, withoutPassword, type RepositoryJobData, type RunJobData } from './payload.js';
import { createRedisStateStore } from './redis-state-store.js';

/** How often a watching coordinator looks at its run (besides the events). */
const POLL_MS = 500;
/** Finished runs kept in Redis for `--status`. */
const KEEP_FINISHED_RUNS = 50;

/** Options of {@link enqueueRun}: those of `mine()` that shape the rows, plus where the queue is. */
export interface QueueRunOptions extends Omit<MineOptions, 'engines' | 'jobs' | 'cloneJobs' | 'blameConcurrency' | 'cache'> {
  /** `redis://host:port[/db]`, or ioredis options. */
  queue: QueueConnectionInput;
  /** Key prefix of the queues in Redis (default `gitfleet`); workers must use the same. */
  prefix?: string;
  /** Attempts per repository before it is recorded as failed (default 3). */
  attempts?: number;
  /** First retry delay, doubled each attempt (default 2000 ms). */
  backoffMs?: number;
  /** Told of each finished provider listing while the fleet is listed. */
  onEvent?: (event: MineEvent) => void;
  /**
   * Options of the coordinator's own session (listing the fleet), when `session` is not given; its
   * identity pools keep their budgets in this Redis, shared with the workers.
   */
  sessionOptions?: Omit<SessionOptions, 'state'>;
}

/** What a queue run reports while it is watched: the events of `mine()`. */
export type QueueRunEvent = MineEvent;

/** The summary of a queue run: `mine()`'s, plus the run id and how long the finalize step took. */
export interface QueueRunSummary extends MineSummary {
  runId: string;
  finalizeMs: number;
}

/** A run being watched: events until the dataset is finalized, then the summary. */
export interface QueueRunWatch extends AsyncIterable<QueueRunEvent> {
  /** Resolves once the run is finalized; rejects with `RunFailedError` when its finalize step failed every attempt. */
  readonly summary: Promise<QueueRunSummary>;
}

/** An enqueued run. */
export interface QueueRun {
  readonly runId: string;
  /** The dataset directory (absolute); every worker must reach it at this path. */
  readonly out: string;
  /** Repository jobs enqueued (failed sources included). */
  readonly repositories: number;
  /** Follow the run until it is finalized; `signal` stops watching (not the run). */
  watch(options?: { signal?: AbortSignal }): QueueRunWatch;
  /** Closes the coordinator's connections; the run goes on in the workers. */
  close(): Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Lists the fleet and enqueues it as a BullMQ flow: one parent job per run (in queue `runs`; a
 * worker takes it once every repository is done and finalizes the dataset), one child per
 * repository (queue `repositories`, `attempts` with exponential backoff). One run per output
 * directory: a second coordinator on the same `out` gets `RunActiveError` while the first run is
 * not finished. Job data holds no token (credentials are stripped from URLs; workers use their own).
 *
 * @example
 * ```ts
 * const run = await enqueueRun(['github:acme'], { out: '/shared/data', queue: 'redis://redis:6379' });
 * const watch = run.watch();
 * for await (const event of watch) if (event.type === 'failed') console.error(event.repository, event.error.message);
 * console.log(await watch.summary);
 * await run.close();
 * ```
 */
export async function enqueueRun(sources: readonly MineSource[], options: QueueRunOptions): Promise<QueueRun> {
  if (!Array.isArray(sources)) throw new InvalidOptionError('sources must be an array of sources');
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options are required: { out, queue }');
  if (typeof options.out !== 'string' || options.out.trim() === '') throw new InvalidOptionError('out must be the dataset directory (a non-empty string)');
  const attempts = count('attempts', options.attempts, 3, 1);
  const backoffMs = count('backoffMs', options.backoffMs, 2000, 0);
  const prefix = prefixOf(options.prefix);
  const connection = parseQueueUrl(options.queue);
  const out = resolve(options.out);
  const runOptions = toRunOptions(options, out);
  const redis = createRedis(connection);
  const runs = new Queue(RUNS_QUEUE, { connection, prefix });
  const runId = newRunId();
  const claim = claimKey(prefix, out);
  let claimed = false;
  try {
    await claimOutput(redis, runs, claim, runId, out);
    claimed = true;
    const session = options.session ?? createSession({ ...options.sessionOptions, state: createRedisStateStore(redis, { prefix: tokensPrefix(prefix) }) });
    const { children, repositories } = await listFleet(sources, options, session, runId, runOptions, { attempts, backoffMs });
    const data: RunJobData = { runId, out, startedAt: Date.now(), sources: sources.map((s) => withoutPassword(typeof s === 'string' ? s : s.spec)), total: children.length, claim };
    const flows = new FlowProducer({ connection, prefix });
    try {
      await flows.add({
        name: 'run',
        queueName: RUNS_QUEUE,
        data,
        opts: {
          jobId: runId,
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { count: KEEP_FINISHED_RUNS },
          removeOnFail: { count: KEEP_FINISHED_RUNS },
        },
        children,
      });
    } finally {
      await flows.close();
    }
    return new Run(runId, out, repositories, connection, prefix, redis, runs);
  } catch (error) {
    if (claimed) await releaseClaim(redis, claim, runId).catch(() => undefined);
    await runs.close();
    redis.disconnect();
    throw error;
  }
}

/**
 * Takes the output directory for `runId`, atomically. A claim held by a run that is over (finished,
 * failed, or gone from Redis) is taken over; one held by a live run is refused.
 */
async function claimOutput(redis: Redis, runs: Queue, key: string, runId: string, out: string): Promise<void> {
  let stale = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const held = (await redis.eval(CLAIM_SCRIPT, 1, key, runId, stale)) as string | number;
    if (held === 1) return;
    const holder = String(held);
    const job = await runs.getJob(holder);
    const state = job ? await job.getState() : 'unknown';
    if (job && state !== 'completed' && state !== 'failed' && state !== 'unknown') {
      throw new RunActiveError(out, holder, state, (job.data as RunJobData).startedAt);
    }
    stale = holder;
  }
  throw new RunActiveError(out, stale, 'being claimed', undefined);
}

/** Sets the claim when it is free or still held by `ARGV[2]` (a run found over); else returns the holder. */
const CLAIM_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if (not held) or held == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return held`;

/** Deletes the claim if `runId` still holds it. */
export async function releaseClaim(redis: Redis, key: string, runId: string): Promise<void> {
  await redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, key, runId);
}

async function listFleet(
  sources: readonly MineSource[],
  options: QueueRunOptions,
  session: Session,
  runId: string,
  runOptions: ReturnType<typeof toRunOptions>,
  retry: { attempts: number; backoffMs: number },
): Promise<{ children: FlowChildJob[]; repositories: Map<string, string> }> {
  const children: FlowChildJob[] = [];
  const repositories = new Map<string, string>();
  const opts = (repository: string): NonNullable<FlowChildJob['opts']> => ({
    jobId: repositoryJobId(runId, repository),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: true,
    // A job that failed without returning (its worker died more often than allowed) stays readable for the run's finalize.
    ignoreDependencyOnFailure: true,
  });
  const { onEvent, queue: _queue, prefix: _prefix, attempts: _attempts, backoffMs: _backoff, sessionOptions: _session, ...mineOptions } = options;
  for await (const found of discoverRepositories(sources, { ...mineOptions, session })) {
    if (found.kind === 'listed') onEvent?.({ type: 'listed', source: found.source, repositories: found.repositories, filtered: found.filtered });
    else {
      const repository = found.kind === 'job' ? found.job.repository : withoutPassword(found.repository);
      if (repositories.has(repositoryJobId(runId, repository))) continue;
      repositories.set(repositoryJobId(runId, repository), repository);
      const data: RepositoryJobData =
        found.kind === 'job'
          ? { kind: 'repository', runId, options: runOptions, job: safeJob(found.job) }
          : { kind: 'failure', runId, options: runOptions, repository, source: withoutPassword(found.source), stage: found.stage, error: found.error };
      children.push({ name: found.kind, queueName: REPOSITORIES_QUEUE, data, opts: opts(repository) });
    }
  }
  options.signal?.throwIfAborted();
  return { children: largestFirst(children), repositories };
}

/**
 * Workers take jobs in the order they were added: the largest repositories (by the size their
 * provider listed) go first, so a run does not end waiting on one big repository started last.
 * Jobs of unknown size follow, in the order they were found.
 */
function largestFirst(children: FlowChildJob[]): FlowChildJob[] {
  const size = (child: FlowChildJob): number => {
    const data = child.data as RepositoryJobData;
    return data.kind === 'repository' ? (data.job.sizeKb ?? -1) : -1;
  };
  return [...children].sort((a, b) => size(b) - size(a)); // stable: equal sizes keep their order
}

/** The job as it may be stored in Redis: no credentials in its URL or source. */
function safeJob(job: Extract<RepositoryJobData, { kind: 'repository' }>['job']): typeof job {
  const safe = { ...job, source: withoutPassword(job.source) };
  if (job.url !== undefined) safe.url = withoutPassword(job.url);
  return safe;
}

class Run implements QueueRun {
  private closed = false;
  private readonly watches = new Set<Promise<unknown>>();
  private readonly stop = new AbortController();

  constructor(
    readonly runId: string,
    readonly out: string,
    private readonly names: Map<string, string>,
    private readonly connection: RedisOptions,
    private readonly prefix: string,
    private readonly redis: Redis,
    private readonly runs: Queue,
  ) {}

  get repositories(): number {
    return this.names.size;
  }

  watch(options: { signal?: AbortSignal } = {}): QueueRunWatch {
    const events: QueueRunEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const push = (event: QueueRunEvent): void => {
      events.push(event);
      wake?.();
    };
    const signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
    const summary = this.follow(push, signal).finally(() => {
      ended = true;
      wake?.();
    });
    this.watches.add(summary.catch(() => undefined));
    return {
      summary,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const event = events.shift();
          if (event !== undefined) {
            yield event;
            continue;
          }
          if (ended) {
            await summary;
            return;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
    };
  }

  /** Repository events from `QueueEvents`, the run's state by polling (events may be lost while Redis restarts). */
  private async follow(push: (event: QueueRunEvent) => void, signal: AbortSignal): Promise<QueueRunSummary> {
    const repositoryEvents = new QueueEvents(REPOSITORIES_QUEUE, { connection: this.connection, prefix: this.prefix });
    const runEvents = new QueueEvents(RUNS_QUEUE, { connection: this.connection, prefix: this.prefix });
    for (const q of [repositoryEvents, runEvents]) q.on('error', () => undefined);
    let poke: (() => void) | undefined;
    const seen = new Set<string>();
    const finish = (result: MineResult): void => {
      if (seen.has(result.repository)) return;
      seen.add(result.repository);
      const { repository, durationMs } = result;
      if (result.status === 'published') push({ type: 'published', repository, rows: result.rows ?? {}, durationMs });
      else if (result.status === 'unchanged') push({ type: 'unchanged', repository, durationMs });
      else if (result.status === 'failed') push({ type: 'failed', repository, stage: result.stage ?? 'open', error: result.error ?? { code: 'GITFLEET_MINE_FAILED', message: 'failed' }, durationMs });
    };
    repositoryEvents.on('completed', ({ jobId, returnvalue }) => {
      if (!this.names.has(jobId)) return;
      const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as MineResult;
      finish(result);
    });
    repositoryEvents.on('progress', ({ jobId, data }) => {
      const repository = this.names.get(jobId);
      if (repository === undefined || seen.has(repository) || data === null || typeof data !== 'object') return;
      push({ type: 'progress', repository, ...(data as Omit<Extract<MineEvent, { type: 'progress' }>, 'type' | 'repository'>) });
    });
    runEvents.on('completed', ({ jobId }) => jobId === this.runId && poke?.());
    runEvents.on('failed', ({ jobId }) => jobId === this.runId && poke?.());
    try {
      for (const repository of this.names.values()) push({ type: 'queued', repository, source: '' });
      for (;;) {
        signal.throwIfAborted();
        const state = await this.runs.getJobState(this.runId);
        // Read after the state: a job fetched before it completed has no return value yet.
        const job = await this.runs.getJob(this.runId);
        if (job && state === 'completed' && job.returnvalue) {
          const summary = job.returnvalue as QueueRunSummary;
          for (const result of summary.results) finish(result);
          push({ type: 'finalized', repositories: summary.repositories, authors: summary.authors ?? 0, durationMs: summary.finalizeMs });
          return summary;
        }
        if (!job || state === 'failed' || state === 'unknown') throw new RunFailedError(this.runId, job?.failedReason ?? 'the run is gone from Redis');
        await Promise.race([
          sleep(POLL_MS, undefined, { signal }),
          new Promise<void>((resolve) => (poke = resolve)),
        ]);
      }
    } finally {
      await Promise.allSettled([repositoryEvents.close(), runEvents.close()]);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new Error('closed'));
    await Promise.allSettled([...this.watches]);
    await this.runs.close();
    this.redis.disconnect();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`${name} must be an integer >= ${String(min)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The key prefix, checked (BullMQ separates key parts with `:`). */
export function prefixOf(prefix: string | undefined): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new InvalidOptionError(`prefix must be letters, digits, '_', '.' or '-', got ${JSON.stringify(prefix)}`);
  return prefix;
}
