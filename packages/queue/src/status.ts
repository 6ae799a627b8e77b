import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { prefixOf, type QueueRunSummary } from './coordinator.js';
import { parseQueueUrl, type QueueConnectionInput } from './connection.js';
import { REPOSITORIES_QUEUE, RUNS_QUEUE } from './keys.js';
import type { RunJobData } from './payload.js';

export interface QueueStatusOptions {
  /** `redis://host:port[/db]`, or ioredis options. */
  queue: QueueConnectionInput;
  prefix?: string;
  /** Only the runs of this output directory (finished ones too). Default: every run not finished. */
  out?: string;
}

/** Where a run stands. */
export interface RunStatus {
  runId: string;
  out: string;
  /** `mining` (repositories under way), `finalizing`, `finished`, `failed`. */
  state: 'mining' | 'finalizing' | 'finished' | 'failed';
  /** Epoch ms. */
  startedAt: number;
  sources: string[];
  /** Repository jobs of the run. */
  total: number;
  /** Repository jobs done (published, unchanged or failed). */
  done: number;
  /** Workers connected to the queue now (all runs). */
  workers: number;
  /** For a finished run. */
  summary?: QueueRunSummary;
  /** For a failed run. */
  failedReason?: string;
}

/**
 * The runs of a queue: those in progress (and with `out`, the finished runs of that directory), the
 * newest first. What `gitfleet mine --status --queue <url>` prints.
 *
 * @example
 * ```ts
 * for (const run of await queueStatus({ queue: 'redis://127.0.0.1:6379' })) console.log(run.out, `${run.done}/${run.total}`);
 * ```
 */
export async function queueStatus(options: QueueStatusOptions): Promise<RunStatus[]> {
  const connection = parseQueueUrl(options.queue);
  const prefix = prefixOf(options.prefix);
  const out = options.out === undefined ? undefined : resolve(options.out);
  const runs = new Queue<RunJobData, QueueRunSummary>(RUNS_QUEUE, { connection, prefix });
  const repositories = new Queue(REPOSITORIES_QUEUE, { connection, prefix });
  try {
    const states = out === undefined ? (['waiting-children', 'wait', 'active', 'delayed', 'prioritized'] as const) : (['waiting-children', 'wait', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const);
    const jobs = (await runs.getJobs([...states])).filter((job) => job?.data && (out === undefined || job.data.out === out));
    const workers = (await repositories.getWorkers()).length;
    const statuses: RunStatus[] = [];
    for (const job of jobs) {
      const state = await job.getState();
      const counts = await job.getDependenciesCount();
      const done = state === 'waiting-children' ? (counts.processed ?? 0) + (counts.ignored ?? 0) + (counts.failed ?? 0) : job.data.total;
      const status: RunStatus = {
        runId: job.data.runId,
        out: job.data.out,
        state: state === 'completed' ? 'finished' : state === 'failed' ? 'failed' : state === 'waiting-children' ? 'mining' : 'finalizing',
        startedAt: job.data.startedAt,
        sources: job.data.sources,
        total: job.data.total,
        done,
        workers,
      };
      if (state === 'completed') status.summary = job.returnvalue;
      if (state === 'failed') status.failedReason = job.failedReason;
      statuses.push(status);
    }
    return statuses.sort((a, b) => b.startedAt - a.startedAt);
  } finally {
    await Promise.all([runs.close(), repositories.close()]);
  }
}
