import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import Tinypool from 'tinypool';
import type { WorkerResult, WorkerTask } from './ai-diff-worker.js';
import { AiDiffError } from './errors.js';

export interface AiDiffPoolOptions {
  /**
   * The compiled worker module. Default: `ai-diff-worker.js` next to this module, so a bundle
   * that emits its own copy under that name beside itself works unchanged; otherwise pass
   * `import.meta.resolve('@gitfleet/ai-diff/worker')` or the bundle's file.
   */
  workerUrl?: URL | string;
  /** Worker threads at most. Default: min(2, cores). */
  maxThreads?: number;
}

/** Idle workers exit after this long; idle workers never keep the process alive. */
const IDLE_TIMEOUT_MS = 10_000;

let pool: Tinypool | undefined;
/** The warm-up task of the current pool (see {@link warmAiDiffPool}). */
let warming: Promise<void> | undefined;

/**
 * `./ai-diff-worker.js` beside this module once compiled (or bundled); under vitest this module
 * is TypeScript and Node 20 workers cannot load `.ts`, so fall back to the package's build output.
 */
function defaultWorkerUrl(): URL {
  const sibling = new URL('./ai-diff-worker.js', import.meta.url);
  return existsSync(fileURLToPath(sibling)) ? sibling : new URL('../dist/ai-diff-worker.js', import.meta.url);
}

/**
 * The process-wide worker pool, created on first use (throws GITFLEET_AI_WORKER_FAILED when
 * the worker file does not exist). The first caller's options decide; call
 * {@link destroyAiDiffPool} to start over with others.
 *
 * @example
 * getAiDiffPool({ workerUrl: new URL('./ai-diff-worker.js', import.meta.url) });
 */
export function getAiDiffPool(options: AiDiffPoolOptions = {}): Tinypool {
  if (pool) return pool;
  const url = new URL(options.workerUrl ?? defaultWorkerUrl(), import.meta.url);
  // tinypool never settles a task whose worker module cannot load: check it exists first.
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
    throw new AiDiffError('GITFLEET_AI_WORKER_FAILED', `ai-diff worker not found: ${fileURLToPath(url)}`);
  }
  pool = new Tinypool({
    filename: url.href,
    minThreads: 0,
    maxThreads: Math.max(1, options.maxThreads ?? Math.min(2, availableParallelism())),
    idleTimeout: IDLE_TIMEOUT_MS,
  });
  return pool;
}

/**
 * Runs one task of the worker module on the calling thread (the same file the pool loads, imported
 * on first use; a bundle that ships its own copy keeps the local stage out of its main file).
 */
export async function runInProcess<T extends WorkerResult>(task: WorkerTask, options: AiDiffPoolOptions = {}): Promise<T> {
  const url = new URL(options.workerUrl ?? defaultWorkerUrl(), import.meta.url);
  let module: { default: (task: WorkerTask) => Promise<WorkerResult> };
  try {
    module = (await import(url.href)) as typeof module;
  } catch (error) {
    throw new AiDiffError('GITFLEET_AI_WORKER_FAILED', `ai-diff worker module cannot be loaded: ${url.protocol === 'file:' ? fileURLToPath(url) : url.href}`, { cause: error });
  }
  return (await module.default(task)) as T;
}

/** Worker threads the pool may run at once. */
export function poolThreads(): number {
  return pool?.options.maxThreads ?? 1;
}

/** Stops the pool's workers (in-flight tasks reject). The next call creates a new pool. */
export async function destroyAiDiffPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  warming = undefined;
  await current?.destroy();
}

/**
 * Starts a worker and loads its module ahead of use, e.g. while the caller reads the diff
 * (`generateCommitMessage` does this itself; a CLI can call it even earlier). Once per pool: the
 * promise settles when the worker is ready and never rejects (a broken worker file is reported
 * by the real task).
 *
 * @example
 * void warmAiDiffPool(); // then read the diff, then generateCommitMessage(...)
 */
export function warmAiDiffPool(options: AiDiffPoolOptions = {}): Promise<void> {
  if (!warming || !pool) {
    warming = runTask({ op: 'warm' }, options).then(
      () => undefined,
      () => undefined,
    );
  }
  return warming;
}

export interface RunTaskOptions extends AiDiffPoolOptions {
  signal?: AbortSignal;
  /** Objects moved to the worker rather than copied (MessagePorts in the task). */
  transferList?: TransferListItem[];
}

/** Runs one task in the pool; a worker crash or abort becomes an AiDiffError. */
export async function runTask<T extends WorkerResult>(task: WorkerTask, options: RunTaskOptions = {}): Promise<T> {
  const pool = getAiDiffPool(options);
  try {
    const runOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(options.transferList ? { transferList: options.transferList } : {}) };
    return (await pool.run(task, runOptions)) as T;
  } catch (error) {
    if (options.signal?.aborted) throw new AiDiffError('GITFLEET_AI_ABORTED', 'aborted', { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    throw new AiDiffError('GITFLEET_AI_WORKER_FAILED', `ai-diff worker failed: ${message}`, { cause: error });
  }
}
