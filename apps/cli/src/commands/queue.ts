import type * as Queue from '@gitfleet/queue';
import type { QueueWorkerEvent, RunStatus } from '@gitfleet/queue';
import { z } from 'zod';
import { parseOptions, positiveInt, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { createWaitNotice } from '../forge/wait-notice.js';
import { note, safe, table, write } from '../output.js';
import { printRun, type MineCliOptions, type MineCommandInput } from './mine.js';

/** The queue (BullMQ, ioredis: a third of the bundle) loads only when a queue command runs. */
const loadQueue = (): Promise<typeof Queue> => import('@gitfleet/queue');

/**
 * `gitfleet mine <sources> --out <dir> --queue <url>`: list the fleet, enqueue it (one job per
 * repository), then follow the run until a worker has finalized the dataset (or, with --detach,
 * return at once). Ctrl-C stops following, not the run.
 */
export async function queuedMineCommand(input: MineCommandInput, queue: { queue: string; detach: boolean; attempts: number | undefined }, ctx: RunContext): Promise<number> {
  const { jobs, cloneJobs } = input.options;
  if (jobs !== undefined || cloneJobs !== undefined) note('--jobs and --clone-jobs are the workers\' settings with --queue (gitfleet worker --concurrency): ignored here');
  const { jobs: _jobs, cloneJobs: _cloneJobs, ...options } = input.options;
  const { enqueueRun, redactUrl } = await loadQueue();
  const run = await enqueueRun(input.sources, {
    ...options,
    queue: queue.queue,
    ...(queue.attempts !== undefined ? { attempts: queue.attempts } : {}),
    sessionOptions: { cache: input.cache.cache ? (input.cache.cacheDir ?? true) : false, userAgent: 'gitfleet-cli', onNote: note, onWait: createWaitNotice() },
    signal: ctx.signal,
  });
  const where = safe(redactUrl(queue.queue));
  if (queue.detach) {
    await run.close();
    if (input.format === 'table') await write(`run ${run.runId}: ${String(run.repositories)} repositories enqueued into ${safe(run.out)}\nfollow it: gitfleet mine --status --queue ${where} --out ${safe(run.out)}\n`);
    else await write(`${JSON.stringify({ type: 'enqueued', runId: run.runId, out: run.out, repositories: run.repositories })}\n`);
    return 0;
  }
  note(`run ${run.runId}: ${String(run.repositories)} repositories enqueued; workers: gitfleet worker --queue ${where}`);
  try {
    return await printRun(run.watch({ signal: ctx.signal }), input, ctx);
  } catch (error) {
    if (ctx.signal.aborted) note(`stopped following run ${run.runId}; it goes on in the workers (gitfleet mine --status --queue ${where})`);
    throw error;
  } finally {
    await run.close();
  }
}

/** `gitfleet mine --status --queue <url> [--out <dir>]`: the runs of the queue. */
export async function statusCommand(options: { queue: string; out: string | undefined; format: MineCliOptions['format'] }): Promise<number> {
  const { queueStatus } = await loadQueue();
  const runs = await queueStatus({ queue: options.queue, ...(options.out !== undefined ? { out: options.out } : {}) });
  if (options.format !== 'table') {
    const plain = runs.map(({ summary, ...rest }) => (summary ? { ...rest, summary: { ...summary, results: undefined } } : rest));
    await write(options.format === 'json' ? `${JSON.stringify(plain, null, 2)}\n` : plain.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return 0;
  }
  if (runs.length === 0) {
    await write(options.out === undefined ? 'no run in progress\n' : `no run of ${safe(options.out)}\n`);
    return 0;
  }
  const rows = runs.map((r: RunStatus) => [
    r.runId,
    r.state,
    `${String(r.done)}/${String(r.total)}`,
    r.summary ? `${String(r.summary.published)} published, ${String(r.summary.unchanged)} unchanged, ${String(r.summary.failed)} failed` : (r.failedReason ?? ''),
    String(r.workers),
    new Date(r.startedAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    r.out,
  ]);
  await write(table(['run', 'state', 'done', 'result', 'workers', 'started', 'out'], rows, ['left', 'left', 'right', 'left', 'right', 'left', 'left']));
  return 0;
}

const workerSchema = z.object({
  queue: z.string().min(1).optional(),
  concurrency: positiveInt.optional(),
  blameConcurrency: positiveInt.optional(),
  lockDuration: positiveInt.optional(),
  grace: z.coerce.number().int().min(0).default(30),
  format: z.enum(['text', 'ndjson']).default('text'),
  cache: z.boolean().default(true),
  cacheDir: z.string().optional(),
});

/**
 * `gitfleet worker --queue <url>`: takes repository jobs (and runs to finalize) until SIGTERM or
 * Ctrl-C, then finishes or hands back the jobs under way and exits 0.
 */
export async function workerCommand(raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(workerSchema, raw);
  const queue = opts.queue ?? (process.env['GITFLEET_QUEUE_URL'] || undefined);
  if (queue === undefined) throw new UsageError('option --queue: redis://host:port[/db] is required (or GITFLEET_QUEUE_URL)');
  const log = (event: QueueWorkerEvent): void => {
    if (opts.format === 'ndjson') {
      process.stdout.write(`${JSON.stringify({ ...event, time: new Date().toISOString() })}\n`);
      return;
    }
    const line = describe(event);
    if (line !== undefined) process.stderr.write(`gitfleet worker: ${safe(line)}\n`);
  };
  const { startQueueWorker, redactUrl } = await loadQueue();
  const worker = startQueueWorker({
    queue,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.blameConcurrency !== undefined ? { blameConcurrency: opts.blameConcurrency } : {}),
    ...(opts.lockDuration !== undefined ? { lockDurationMs: opts.lockDuration * 1000 } : {}),
    graceMs: opts.grace * 1000,
    sessionOptions: { cache: opts.cache ? (opts.cacheDir ?? true) : false, userAgent: 'gitfleet-cli', onNote: note },
    onEvent: log,
  });
  const stop = new Promise<string>((resolve) => {
    const onTerm = (): void => resolve('SIGTERM');
    process.once('SIGTERM', onTerm);
    ctx.signal.addEventListener('abort', () => resolve('SIGINT'), { once: true });
  });
  await Promise.race([worker.ready, stop]);
  if (opts.format === 'text') process.stderr.write(`gitfleet worker: taking jobs from ${safe(redactUrl(queue))}\n`);
  const signal = await stop;
  process.stderr.write(`gitfleet worker: ${signal}: finishing the jobs under way (at most ${String(opts.grace)} s, then they are handed back)\n`);
  // A second signal: stop at once (the jobs go back to the queue when their locks expire).
  process.once('SIGTERM', () => process.exit(143));
  process.once('SIGINT', () => process.exit(130));
  await worker.close();
  process.stderr.write('gitfleet worker: stopped\n');
  return 0;
}

function describe(event: QueueWorkerEvent): string | undefined {
  switch (event.type) {
    case 'started':
      return `${event.repository}: started${event.attempt > 1 ? ` (attempt ${String(event.attempt)})` : ''}`;
    case 'finished': {
      const r = event.result;
      const seconds = `${(r.durationMs / 1000).toFixed(1)} s`;
      return r.status === 'failed' ? `${r.repository}: ${r.stage ?? ''} failed: ${r.error?.message ?? ''} (${seconds})` : `${r.repository}: ${r.status} (${seconds})`;
    }
    case 'retrying':
      return `${event.repository}: attempt ${String(event.attempt)} failed, will retry: ${event.error}`;
    case 'handed-back':
      return `${event.repository}: handed back to the queue`;
    case 'finalized':
      return `run ${event.runId} finalized: ${String(event.summary.published)} published, ${String(event.summary.unchanged)} unchanged, ${String(event.summary.failed)} failed, ${String(event.summary.authors)} authors`;
    case 'error':
      return `error: ${event.message}`;
  }
}
