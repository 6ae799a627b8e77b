import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { AbortError, type EngineSet, type FleetResult } from '@gitfleet/git';
import type { BlameOutput } from './blame-rows.js';
import { MineError } from './errors.js';
import type { CallOp, FromWorker, StreamOp, ToWorker } from './git-protocol.js';
import { GitWork, type BlameRequest, type CloneRequest, type GitWorkSettings, type HistoryBatch, type HistoryRequest, type Progress, type RepositoryFacts } from './git-work.js';

/** The pipeline's git operations, in the helper process (`GitHost`) or in process (`GitWork`). */
export interface GitBackend {
  clone(request: CloneRequest, signal: AbortSignal, onProgress: Progress): Promise<FleetResult>;
  facts(path: string, signal: AbortSignal): Promise<RepositoryFacts>;
  commitGraph(path: string, signal: AbortSignal): Promise<void>;
  history(request: HistoryRequest, signal: AbortSignal, onProgress: Progress): AsyncIterable<HistoryBatch>;
  blame(request: BlameRequest, signal: AbortSignal, onProgress: Progress): AsyncIterable<BlameOutput>;
  close(): Promise<void>;
}

/**
 * The helper process when its module is there (beside this one, also in the CLI bundle), else in
 * process; in process on the caller's engines when they are given.
 */
export function createGitBackend(settings: GitWorkSettings, engines?: EngineSet): GitBackend {
  const worker = workerPath();
  return worker === undefined || engines !== undefined ? new GitWork(settings, engines) : new GitHost(settings, worker);
}

interface Pending {
  onProgress: Progress;
  onAbort: () => void;
  items: unknown[];
  end: { value: unknown } | { error: Error } | undefined;
  wake: (() => void) | undefined;
}

/**
 * The git helper process (`git-worker.js`), started on first use: calls and streams over IPC, an
 * abort per operation, one stream item in flight at a time. If the helper dies, what it was doing
 * fails and the next operation starts a new one.
 */
export class GitHost implements GitBackend {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly settings: GitWorkSettings,
    private readonly worker: string,
  ) {}

  clone(request: CloneRequest, signal: AbortSignal, onProgress: Progress): Promise<FleetResult> {
    return this.call('clone', [request], signal, onProgress) as Promise<FleetResult>;
  }

  facts(path: string, signal: AbortSignal): Promise<RepositoryFacts> {
    return this.call('facts', [path], signal) as Promise<RepositoryFacts>;
  }

  async commitGraph(path: string, signal: AbortSignal): Promise<void> {
    await this.call('commitGraph', [path], signal);
  }

  history(request: HistoryRequest, signal: AbortSignal, onProgress: Progress): AsyncIterable<HistoryBatch> {
    return this.stream('history', [request], signal, onProgress) as AsyncIterable<HistoryBatch>;
  }

  blame(request: BlameRequest, signal: AbortSignal, onProgress: Progress): AsyncIterable<BlameOutput> {
    return this.stream('blame', [request], signal, onProgress) as AsyncIterable<BlameOutput>;
  }

  /** Ends the helper: it aborts what runs (killing its git processes) and exits; killed if it takes over 5 s. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private async call(op: CallOp, args: unknown[], signal: AbortSignal, onProgress: Progress = () => undefined): Promise<unknown> {
    const { id, pending } = this.begin({ type: 'call', op, args }, signal, onProgress);
    try {
      while (!pending.end) await new Promise<void>((resolve) => (pending.wake = resolve));
      if ('error' in pending.end) throw pending.end.error;
      return pending.end.value;
    } finally {
      this.finish(id, signal);
    }
  }

  private async *stream(op: StreamOp, args: unknown[], signal: AbortSignal, onProgress: Progress): AsyncGenerator<unknown> {
    const { id, pending } = this.begin({ type: 'stream', op, args }, signal, onProgress);
    try {
      for (;;) {
        const item = pending.items.shift();
        if (item !== undefined) {
          yield item;
          this.post({ type: 'ack', id });
          continue;
        }
        if (pending.end) {
          if ('error' in pending.end) throw pending.end.error;
          return;
        }
        await new Promise<void>((resolve) => (pending.wake = resolve));
        pending.wake = undefined;
      }
    } finally {
      this.finish(id, signal);
    }
  }

  private begin(request: { type: 'call'; op: CallOp; args: unknown[] } | { type: 'stream'; op: StreamOp; args: unknown[] }, signal: AbortSignal, onProgress: Progress): { id: number; pending: Pending } {
    if (signal.aborted) throw new AbortError({ cause: signal.reason });
    this.start();
    const id = this.nextId++;
    const pending: Pending = { onProgress, onAbort: () => this.post({ type: 'abort', id }), items: [], end: undefined, wake: undefined };
    this.pending.set(id, pending);
    signal.addEventListener('abort', pending.onAbort, { once: true });
    this.post({ ...request, id } as ToWorker);
    return { id, pending };
  }

  private finish(id: number, signal: AbortSignal): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (pending) signal.removeEventListener('abort', pending.onAbort);
    // Left early (a consumer stopped reading): stop the work in the helper too.
    if (pending && !pending.end && !signal.aborted) this.post({ type: 'abort', id });
  }

  private post(message: ToWorker): void {
    if (this.child?.connected) this.child.send(message);
  }

  private start(): void {
    if (this.child) return;
    // `advanced` serialisation keeps Infinity, undefined and nested arrays as they are.
    const child = fork(this.worker, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    child.on('message', (message: FromWorker) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      if (message.type === 'progress') return pending.onProgress(message.done, message.total, message.percent);
      if (message.type === 'item') pending.items.push(message.value);
      else if (message.type === 'result') pending.end = { value: message.value };
      else pending.end = { error: message.aborted ? new AbortError() : Object.assign(new Error(message.error.message), { code: message.error.code }) };
      pending.wake?.();
    });
    child.once('exit', (code, sig) => {
      if (this.child === child) this.child = undefined;
      for (const pending of this.pending.values()) {
        if (pending.end) continue;
        pending.end = { error: new MineError('GITFLEET_MINE_FAILED', `the git helper process exited (${sig ?? `code ${String(code)}`})`) };
        pending.wake?.();
      }
    });
    this.child = child;
    this.post({ type: 'init', settings: this.settings });
  }
}

/** `git-worker.js` beside this module (in the CLI bundle: beside gitfleet.js), else the built one (tests run the sources). */
function workerPath(): string | undefined {
  for (const url of [new URL('./git-worker.js', import.meta.url), new URL('../dist/git-worker.js', import.meta.url)]) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  return undefined;
}
