/**
 * The git helper process of the pipeline (forked by `GitHost`): every clone, fetch, log and blame
 * runs from here. The pipeline's own process holds DuckDB and its buffers, and Node forks a child
 * synchronously, copying the parent's page tables: from there each of the thousands of `git blame`
 * processes of a fleet would stall the event loop for milliseconds. This process stays small, parses
 * git's output off the pipeline's event loop, and runs at a lower priority (inherited by its git
 * processes), so the pipeline answers at once when it has work.
 */
import { setPriority } from 'node:os';
import { AbortError } from '@gitfleet/git';
import { toFailure } from './failure.js';
import type { FromWorker, ToWorker } from './git-protocol.js';
import { GitWork, type BlameRequest, type CloneRequest, type HistoryRequest } from './git-work.js';

try {
  setPriority(10);
} catch {
  // not allowed here: run at the same priority
}

let work: GitWork | undefined;
const running = new Map<number, { controller: AbortController; ack?: (() => void) | undefined; done: Promise<void> }>();

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

function fail(id: number, error: unknown, signal: AbortSignal): Promise<void> {
  const aborted = signal.aborted || error instanceof AbortError || (error as { code?: unknown }).code === 'GITFLEET_GIT_ABORTED';
  return send({ id, type: 'error', error: toFailure(error), aborted });
}

function start(id: number, body: (entry: { controller: AbortController; ack?: () => void }) => Promise<void>): void {
  const controller = new AbortController();
  const entry: { controller: AbortController; ack?: () => void; done: Promise<void> } = { controller, done: Promise.resolve() };
  entry.done = body(entry)
    .catch((error: unknown) => fail(id, error, controller.signal))
    .finally(() => running.delete(id));
  running.set(id, entry);
}

function onMessage(message: ToWorker): void {
  if (message.type === 'init') {
    work = new GitWork(message.settings);
    return;
  }
  if (message.type === 'abort') return running.get(message.id)?.controller.abort();
  if (message.type === 'ack') return running.get(message.id)?.ack?.();
  const git = work!;
  const { id } = message;
  const progress = (done: number, total?: number, percent?: number): void => void send({ id, type: 'progress', done, total, percent });
  if (message.type === 'call') {
    start(id, async ({ controller }) => {
      const { signal } = controller;
      const [first] = message.args;
      const value =
        message.op === 'clone'
          ? await git.clone(first as CloneRequest, signal, progress)
          : message.op === 'facts'
            ? await git.facts(first as string, signal)
            : await git.commitGraph(first as string, signal);
      await send({ id, type: 'result', value });
    });
    return;
  }
  start(id, async (entry) => {
    const { signal } = entry.controller;
    const [request] = message.args;
    const items = message.op === 'history' ? git.history(request as HistoryRequest, signal, progress) : git.blame(request as BlameRequest, signal, progress);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    for await (const value of items) {
      // One item in flight: the next is made only once the pipeline took this one.
      const taken = new Promise<void>((resolve) => (entry.ack = resolve));
      await send({ id, type: 'item', value });
      await Promise.race([taken, aborted]);
      if (signal.aborted) throw new AbortError({ cause: signal.reason });
    }
    await send({ id, type: 'result', value: undefined });
  });
}

/** Stops everything (git processes are killed by their abort), then leaves. */
async function shutdown(): Promise<void> {
  for (const entry of running.values()) entry.controller.abort();
  await Promise.race([Promise.allSettled([...running.values()].map((e) => e.done)), new Promise((resolve) => setTimeout(resolve, 3000))]);
  await work?.close();
  process.exit(0);
}

process.on('message', onMessage);
// The pipeline closed the channel, exited or was killed.
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// Ctrl-C reaches the whole process group: the pipeline decides, and aborts what it started.
process.on('SIGINT', () => undefined);
