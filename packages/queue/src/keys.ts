import { createHash, randomBytes } from 'node:crypto';

/** BullMQ key prefix of every gitfleet queue (`<prefix>:<queue>:...`) and of our own keys. */
export const DEFAULT_PREFIX = 'gitfleet';

/** The two queues: one job per repository (children), one per run (the parent, which finalizes). */
export const REPOSITORIES_QUEUE = 'repositories';
export const RUNS_QUEUE = 'runs';

/** A new run id: time-ordered, unique, safe as a BullMQ job id (no `:`). */
export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The job id of a repository of a run: the same repository is one job per run, whoever enqueues it. */
export function repositoryJobId(runId: string, repository: string): string {
  return `${runId}.${createHash('sha256').update(repository).digest('hex').slice(0, 20)}`;
}

/** The key that says which run mines into `out` (one run per output directory). */
export function claimKey(prefix: string, out: string): string {
  return `${prefix}:out:${createHash('sha256').update(out).digest('hex').slice(0, 32)}`;
}

/** Prefix of the identity pool's keys (budgets, reservations, invalid tokens). */
export function tokensPrefix(prefix: string): string {
  return `${prefix}:tokens`;
}
