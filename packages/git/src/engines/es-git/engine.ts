/**
 * The es-git (libgit2) engine. es-git calls block the thread they run on, so every call goes to
 * worker threads of one tinypool pool owned by the engine (created on first use, destroyed by
 * `close()`); this module only moves plain data and rebuilds typed errors.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type TransferListItem } from 'node:worker_threads';
import Tinypool from 'tinypool';
import {
  AbortError,
  BlameFileError,
  EngineUnavailableError,
  GitCommandError,
  InvalidOptionError,
  NotARepositoryError,
  UnknownRevisionError,
  type GitError,
} from '../../errors.js';
import type { BlameFileResult, Branch, Commit, StagedDiff, TreeFile } from '../../types.js';
import type { GitEngine, HistoryQuery, RepoLocation } from '../engine.js';
import type { ConsumerMessage, Task, TaskResult, WalkerMessage, WorkerError } from './protocol.js';

export interface EsGitEngineOptions {
  /** Worker threads at most. Default: the number of CPU cores, at least 2. */
  maxThreads?: number;
  /** The compiled worker module (`worker.js`); bundlers pass their own. */
  workerUrl?: URL;
}

/** Idle workers beyond the first are kept this long, with their opened repositories. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * `./worker.js` next to this module once compiled; under vitest this module is TypeScript and
 * Node 20 workers cannot load `.ts`, so fall back to the package's build output.
 */
function defaultWorkerUrl(): URL {
  const sibling = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(sibling)) ? sibling : new URL('../../../dist/engines/es-git/worker.js', import.meta.url);
}

function toGitError(error: WorkerError): GitError {
  const text = (key: string): string => String(error.data[key] ?? '');
  switch (error.code) {
    case 'GITFLEET_GIT_NOT_A_REPOSITORY':
      return new NotARepositoryError(text('path'));
    case 'GITFLEET_GIT_UNKNOWN_REVISION':
      return new UnknownRevisionError(text('rev'));
    case 'GITFLEET_GIT_ENGINE_UNAVAILABLE':
      return new EngineUnavailableError('es-git', text('reason') || error.message);
    case 'GITFLEET_GIT_INVALID_OPTION':
      return new InvalidOptionError(error.message);
    case 'GITFLEET_GIT_ABORTED':
      return new AbortError();
    default:
      return new GitCommandError(error.message, { corrupt: error.code === 'GITFLEET_GIT_CORRUPT' });
  }
}

/** A failure of the pool itself (abort, dead worker), not one reported by the worker. */
function poolError(error: unknown, signal: AbortSignal | undefined): GitError {
  if (signal?.aborted) return new AbortError({ cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new GitCommandError(`es-git worker failed: ${message}`, { cause: error });
}

/** Batches from the history worker, waiting until one arrives. */
class Inbox {
  private readonly messages: WalkerMessage[] = [];
  private failure: GitError | undefined;
  private wake: (() => void) | undefined;

  push(message: WalkerMessage): void {
    this.messages.push(message);
    this.wake?.();
  }

  fail(error: GitError): void {
    this.failure ??= error;
    this.wake?.();
  }

  async take(): Promise<WalkerMessage> {
    for (;;) {
      if (this.failure) throw this.failure;
      const message = this.messages.shift();
      if (message) return message;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

export function createEsGitEngine(options: EsGitEngineOptions = {}): GitEngine {
  let pool: Tinypool | undefined;

  function getPool(): Tinypool {
    if (pool) return pool;
    const url = options.workerUrl ?? defaultWorkerUrl();
    if (!existsSync(fileURLToPath(url))) {
      throw new EngineUnavailableError('es-git', `worker module not found: ${fileURLToPath(url)} (build the package first)`);
    }
    pool = new Tinypool({
      filename: url.href,
      maxThreads: options.maxThreads ?? Math.max(2, availableParallelism()),
      minThreads: 1,
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    // Errors of idle workers have no task to reject; without a listener the emit would throw.
    pool.on('error', () => {});
    return pool;
  }

  async function call<T>(task: Task, signal?: AbortSignal, transferList?: TransferListItem[]): Promise<T> {
    if (signal?.aborted) throw new AbortError();
    const runner = getPool();
    let result: TaskResult;
    try {
      result = (await runner.run(task, { signal: signal ?? null, ...(transferList ? { transferList } : {}) })) as TaskResult;
    } catch (error) {
      throw poolError(error, signal);
    }
    if (!result.ok) throw toGitError(result.error);
    return result.value as T;
  }

  async function* history(repo: RepoLocation, query: HistoryQuery, signal?: AbortSignal): AsyncGenerator<Commit> {
    const { port1, port2 } = new MessageChannel();
    const inbox = new Inbox();
    port1.on('message', (message: WalkerMessage) => inbox.push(message));
    const task = call<unknown>({ op: 'history', root: repo.root, query, port: port2 }, signal, [port2]);
    // The task settles after its last message; only its failures matter here.
    task.catch((error: GitError) => inbox.fail(error));
    let ended = false;
    try {
      for (;;) {
        const message = await inbox.take();
        if (message.type === 'end') break;
        if (message.type === 'error') throw toGitError(message.error);
        port1.postMessage({ type: 'more' } satisfies ConsumerMessage);
        yield* message.commits;
      }
      ended = true;
    } finally {
      // Stopping early (break, throw, abort) ends the worker's walk at its next batch.
      if (!ended) port1.postMessage({ type: 'stop' } satisfies ConsumerMessage);
      port1.close();
    }
  }

  return {
    name: 'es-git',
    // The binding's Signature has no offset, and 0.6.0 has no raw-object reader.
    capabilities: { tzOffsets: false },
    open: (path, signal) => call<RepoLocation>({ op: 'open', path }, signal),
    resolveCommit: (repo, rev, signal) => call<string>({ op: 'resolveCommit', root: repo.root, rev }, signal),
    refState: (repo, signal) => call<string>({ op: 'refState', root: repo.root }, signal),
    history,
    listFiles: (repo, commit, signal) => call<TreeFile[]>({ op: 'listFiles', root: repo.root, commit }, signal),
    // libgit2 blames a file in one piece: it comes back whole, in one batch.
    async *blameFile(repo, commit, file, signal) {
      const result = await call<BlameFileResult>({ op: 'blameFile', root: repo.root, commit, file }, signal);
      if (result.error) throw new BlameFileError(result.error.code, result.error.message);
      if (result.lines.length > 0) yield result.lines;
    },
    blobSizes: (repo, ids, signal) => call<Map<string, number>>({ op: 'blobSizes', root: repo.root, ids: [...ids] }, signal),
    branches: (repo, signal) => call<Branch[]>({ op: 'branches', root: repo.root }, signal),
    stagedDiff: (repo, signal) => call<StagedDiff>({ op: 'stagedDiff', root: repo.root }, signal),
    async close() {
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}
