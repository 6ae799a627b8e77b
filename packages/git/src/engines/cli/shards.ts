import { AbortError } from '../../errors.js';
import type { GitProcess } from './run.js';

export interface ShardRunOptions {
  /** git processes running at once. */
  concurrency: number;
  /** Output a shard may buffer ahead of the reader before its git waits on the pipe. */
  maxBufferBytes: number;
  signal?: AbortSignal | undefined;
}

/** One shard's git process with its output buffered as it arrives, up to a limit. */
class ShardOutput {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  /** Settles when git has exited (or failed): a running-process slot is free again. */
  readonly exited: Promise<void>;

  constructor(
    private readonly proc: GitProcess,
    private readonly maxBufferBytes: number,
  ) {
    proc.stdout.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      if (this.bytes >= this.maxBufferBytes) proc.stdout.pause();
      this.notify();
    });
    const stdoutEnded = new Promise<void>((resolve) => proc.stdout.once('end', resolve).once('close', resolve));
    this.exited = proc.done.then(
      async () => {
        await stdoutEnded;
        this.ended = true;
        this.notify();
      },
      (error: unknown) => {
        this.error = error;
        this.ended = true;
        this.notify();
      },
    );
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The chunks in order; git's failure is thrown after the output it produced. */
  async *read(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.chunks.length > 0) {
        const chunks = this.chunks;
        this.chunks = [];
        this.bytes = 0;
        this.proc.stdout.resume();
        yield* chunks;
        continue;
      }
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  kill(): void {
    this.proc.kill();
  }
}

/**
 * Runs the git process(es) of each shard, `concurrency` shards at a time, and hands their outputs
 * back in shard order, each as a stream of chunks (one per process of the shard). Shards ahead of
 * the one being read buffer their output (each process at most `maxBufferBytes`, then git waits),
 * so memory stays bounded by `(concurrency + 1) * processes * maxBufferBytes` whatever the total.
 * Stopping early kills every process.
 */
export async function* runShards<T>(
  shards: AsyncIterable<T>,
  start: (shard: T) => GitProcess | GitProcess[],
  options: ShardRunOptions,
): AsyncGenerator<AsyncIterable<Buffer>[]> {
  const { concurrency, maxBufferBytes, signal } = options;
  const source = shards[Symbol.asyncIterator]();
  const queue: ShardOutput[][] = [];
  let running = 0;
  let exhausted = false;
  let pulling: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  let slotFreed: (() => void) | undefined;

  // Starts shards while a process slot is free and at most concurrency + 1 are unread.
  const fill = async (): Promise<void> => {
    while (!exhausted && running < concurrency && queue.length <= concurrency) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      const started = start(next.value);
      const out = (Array.isArray(started) ? started : [started]).map((proc) => new ShardOutput(proc, maxBufferBytes));
      running++;
      void Promise.all(out.map((o) => o.exited)).then(() => {
        running--;
        const wake = slotFreed;
        slotFreed = undefined;
        wake?.();
      });
      queue.push(out);
    }
  };
  // One pull at a time: the source (e.g. a listing being read) is not re-entrant. A failure of
  // the source is kept and thrown to the reader, also when it happened while filling ahead.
  const refill = async (): Promise<void> => {
    pulling ??= fill()
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => (pulling = undefined));
    await pulling;
    if (failure) throw failure.error;
  };

  try {
    for (;;) {
      await refill();
      const current = queue[0];
      if (!current) {
        if (exhausted) return;
        continue;
      }
      // Start more shards whenever a process finishes while this one is read.
      let reading = true;
      const keepFilling = (async () => {
        while (reading && !exhausted) {
          await new Promise<void>((resolve) => (slotFreed = resolve));
          if (reading) await refill();
        }
      })();
      try {
        yield current.map((o) => o.read());
      } finally {
        reading = false;
        const wake = slotFreed;
        slotFreed = undefined;
        wake?.();
        await keepFilling.catch(() => undefined);
      }
      queue.shift();
    }
  } finally {
    for (const out of queue) for (const o of out) o.kill();
    await source.return?.();
  }
}

/** Groups a stream of items into arrays of `size` (the last may be shorter). */
export async function* batchesOf<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
