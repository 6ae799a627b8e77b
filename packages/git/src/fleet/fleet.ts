import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import { AbortError, InvalidOptionError } from '../errors.js';
import { cloneOrRefresh } from './clone-one.js';
import { prepareRemote } from './credentials.js';
import type { PreparedRemote } from './credentials.js';
import { forgetTempDir, makeTempDir, NameAllocator } from './destination.js';
import { redact } from './errors.js';
import { initialProgress } from './progress.js';
import type { CleanupResult, FleetEvents, FleetOptions, FleetResult, FleetTask, FleetTaskError } from './types.js';

/** Minimum gap between two progress events of one repository: just over 50 ms, so no one-second window holds more than 20. */
const PROGRESS_INTERVAL_MS = 51;

interface Entry {
  remote: PreparedRemote;
  task: FleetTask;
  /** mkdtemp dir owned by this fleet (default destination). */
  tempRoot?: string | undefined;
  running?: Promise<FleetResult> | undefined;
  lastProgressAt: number;
  /** A throttled update waiting to go out (trailing edge), so the last progress is never lost. */
  pendingProgress?: NodeJS.Timeout | undefined;
}

/** Many repositories cloned (or refreshed) concurrently; see {@link createFleet}. */
export class Fleet {
  private readonly entries = new Map<string, Entry>();
  private readonly names = new NameAllocator();
  private readonly events = new EventEmitter<FleetEvents>();
  private readonly limit: LimitFunction;
  private readonly disposed = new AbortController();

  constructor(urls: readonly string[], private readonly options: FleetOptions = {}) {
    validate(options);
    this.limit = pLimit(options.concurrency ?? Math.max(2, availableParallelism()));
    this.add(urls);
  }

  /** Adds URLs (duplicates, also after stripping userinfo, are ignored). */
  add(urls: readonly string[]): void {
    for (const raw of urls) this.entryFor(raw);
  }

  on<E extends keyof FleetEvents>(event: E, listener: (...args: FleetEvents[E]) => void): this {
    this.events.on(event, listener as never);
    return this;
  }

  off<E extends keyof FleetEvents>(event: E, listener: (...args: FleetEvents[E]) => void): this {
    this.events.off(event, listener as never);
    return this;
  }

  /** A copy of every task, in the order URLs were added. */
  snapshot(): FleetTask[] {
    return [...this.entries.values()].map((e) => copy(e.task));
  }

  /** Clones (or refreshes) every URL; resolves with one result per URL, failures included. */
  async cloneAll(callOptions: { signal?: AbortSignal } = {}): Promise<FleetResult[]> {
    return Promise.all([...this.entries.keys()].map((url) => this.clone(url, callOptions)));
  }

  /** Clones (or refreshes) one URL, adding it if new. Never rejects: failures are in the result. */
  clone(url: string, callOptions: { signal?: AbortSignal } = {}): Promise<FleetResult> {
    const entry = this.entryFor(url);
    entry.running ??= this.run(entry, callOptions.signal).finally(() => (entry.running = undefined));
    return entry.running;
  }

  /** Removes this fleet's temp dirs (waiting for clones in flight); clones under `destination` stay. */
  async cleanup(): Promise<CleanupResult[]> {
    await Promise.all([...this.entries.values()].flatMap((e) => (e.running ? [e.running] : [])));
    return Promise.all(
      [...this.entries.values()].map(async (entry): Promise<CleanupResult> => {
        const { url } = entry.task;
        const dir = entry.tempRoot;
        if (dir === undefined) return { url, removed: false };
        try {
          await rm(dir, { recursive: true, force: true });
          forgetTempDir(dir);
          entry.tempRoot = undefined;
          delete entry.task.path;
          return { url, removed: true };
        } catch (error) {
          return { url, removed: false, error: toTaskError(error, entry) };
        }
      }),
    );
  }

  /** Aborts clones in flight, then removes temp dirs. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed.abort();
    await this.cleanup();
  }

  private entryFor(raw: string): Entry {
    const remote = prepareRemote(raw.trim(), { tokens: this.options.tokens, username: this.options.username, env: this.options.env });
    let entry = this.entries.get(remote.url);
    if (!entry) {
      const task: FleetTask = {
        url: remote.url,
        name: this.names.allocate(remote.url),
        status: 'queued',
        progress: initialProgress(),
        attempt: 0,
      };
      entry = { remote, task, lastProgressAt: 0 };
      this.entries.set(remote.url, entry);
    }
    return entry;
  }

  private async run(entry: Entry, callSignal: AbortSignal | undefined): Promise<FleetResult> {
    const signals = [this.disposed.signal, this.options.signal, callSignal].filter((s) => s !== undefined);
    const signal = AbortSignal.any(signals);
    this.setStatus(entry, { status: 'queued', progress: initialProgress(), attempt: 0 });
    try {
      return await this.whenSlotFree(signal, () => this.work(entry, signal));
    } catch (error) {
      return this.fail(entry, error, 0); // aborted while queued
    }
  }

  /** Clones or refreshes inside a concurrency slot; settles (dirs removed) before the slot frees. */
  private async work(entry: Entry, signal: AbortSignal): Promise<FleetResult> {
    const { task } = entry;
    const started = Date.now();
    this.setStatus(entry, { status: 'cloning' });
    try {
      if (entry.remote.error) throw entry.remote.error;
      const path = await this.targetFor(entry);
      const { refreshed } = await cloneOrRefresh({
        remote: entry.remote,
        target: path,
        options: this.options,
        signal,
        progress: task.progress,
        onProgress: () => this.emitProgress(entry),
        onAttempt: (attempt) => (task.attempt = attempt),
      });
      const durationMs = Date.now() - started;
      this.setStatus(entry, { status: 'completed', path, refreshed, durationMs });
      return { url: task.url, status: 'completed', path, refreshed, durationMs };
    } catch (error) {
      await this.dropTempRoot(entry);
      return this.fail(entry, error, Date.now() - started);
    }
  }

  private fail(entry: Entry, error: unknown, durationMs: number): FleetResult {
    const taskError = toTaskError(error, entry);
    this.setStatus(entry, { status: 'failed', error: taskError, durationMs });
    return { url: entry.task.url, status: 'failed', error: taskError, durationMs };
  }

  /** Runs `fn` under the concurrency cap; a task still queued when `signal` aborts fails at once. */
  private whenSlotFree<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      let started = false;
      const onAbort = (): void => {
        if (!started) reject(new AbortError({ cause: signal.reason }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.limit(async () => {
        if (signal.aborted) throw new AbortError({ cause: signal.reason });
        started = true;
        return fn();
      })
        .then(resolvePromise, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** `pathFor(url)`, `<destination>/<name>`, the previous temp clone, or a new temp dir. */
  private async targetFor(entry: Entry): Promise<string> {
    if (this.options.pathFor !== undefined) return resolve(this.options.pathFor(entry.task.url));
    if (this.options.destination !== undefined) return join(resolve(this.options.destination), entry.task.name);
    entry.tempRoot ??= await makeTempDir();
    return join(entry.tempRoot, entry.task.name);
  }

  /** A failed clone into a fresh temp dir leaves nothing: drop the dir unless it holds an earlier clone. */
  private async dropTempRoot(entry: Entry): Promise<void> {
    const dir = entry.tempRoot;
    if (dir === undefined || entry.task.path !== undefined) return;
    await rm(dir, { recursive: true, force: true });
    forgetTempDir(dir);
    entry.tempRoot = undefined;
  }

  private setStatus(entry: Entry, update: Partial<FleetTask>): void {
    const { task } = entry;
    Object.assign(task, update);
    clearTimeout(entry.pendingProgress);
    entry.pendingProgress = undefined;
    if (update.status === 'queued' || update.status === 'cloning') delete task.error;
    this.events.emit('state', copy(task));
  }

  private emitProgress(entry: Entry): void {
    const wait = entry.lastProgressAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait > 0) {
      entry.pendingProgress ??= setTimeout(() => {
        entry.pendingProgress = undefined;
        this.emitProgress(entry);
      }, wait).unref();
      return;
    }
    this.events.emit('progress', copy(entry.task));
    // Stamped after the listeners ran, so listeners never see two events closer than the interval.
    entry.lastProgressAt = Date.now();
  }
}

/**
 * Creates a fleet of repositories to clone concurrently with the git CLI: bounded, cancellable,
 * with real transfer progress, retries of transient failures, refresh of existing clones, and
 * per-host tokens: a token goes only to its own host, only over https (or http to loopback),
 * through the environment (never argv or .git/config). A clone appears at its destination only
 * once complete; a refresh never drops local commits and survives being killed.
 *
 * @example
 * await using fleet = createFleet(['https://github.com/o/a.git', 'https://github.com/o/b.git'], {
 *   depth: 1,
 *   bare: true,
 *   tokens: { 'github.com': process.env.GH_TOKEN ?? '' },
 * });
 * fleet.on('progress', (t) => console.error(t.name, t.progress.phase, t.progress.percent));
 * for (const r of await fleet.cloneAll()) console.log(r.url, r.status, r.path ?? r.error?.message);
 */
export function createFleet(urls: readonly string[], options: FleetOptions = {}): Fleet {
  return new Fleet(urls, options);
}

function validate(options: FleetOptions): void {
  const positiveInt = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new InvalidOptionError(`${name} must be an integer >= ${String(min)}, got ${String(value)}`);
    }
  };
  positiveInt('depth', options.depth, 1);
  positiveInt('concurrency', options.concurrency, 1);
  positiveInt('retries', options.retries, 0);
  positiveInt('timeoutMs', options.timeoutMs, 1);
  if (options.bare && options.noCheckout) throw new InvalidOptionError('bare and noCheckout are exclusive');
}

function toTaskError(error: unknown, entry: Entry): FleetTaskError {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'GITFLEET_GIT_CLONE_FAILED';
  let message = error instanceof Error ? error.message : String(error);
  if (code === 'GITFLEET_GIT_AUTH_FAILED' && entry.remote.withheld) message += ` (${entry.remote.withheld})`;
  return { code, message: redact(message, entry.remote.secrets) };
}

function copy(task: FleetTask): FleetTask {
  return { ...task, progress: { ...task.progress }, ...(task.error ? { error: { ...task.error } } : {}) };
}
