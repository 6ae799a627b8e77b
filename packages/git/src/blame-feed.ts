import { AbortError } from './errors.js';
import type { BlameFileFailure, BlameLine } from './types.js';

/** What the reader of a feed gets: a batch of lines, or the end of the file (maybe failed). */
export type FeedItem = { lines: BlameLine[]; error?: undefined } | { lines?: undefined; error?: BlameFileFailure };

/**
 * One file's blame between the task producing it and the reader, who takes files in path
 * order. The producer may run ahead by `bound` lines; then `put()` waits until the reader
 * catches up, which keeps git waiting on its pipe and memory bounded per file.
 */
export class FileFeed {
  /** Set when the reader is gone (early stop, abort): the producer should stop. */
  stopped = false;
  private readonly batches: BlameLine[][] = [];
  private queued = 0;
  private ended: { error?: BlameFileFailure } | undefined;
  private failure: { reason: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly bound: number) {}

  /** Adds a batch; resolves once the feed is below its bound again (or stopped). */
  async put(lines: BlameLine[]): Promise<void> {
    this.batches.push(lines);
    this.queued += lines.length;
    this.signalReader();
    while (this.queued >= this.bound && !this.stopped) await new Promise<void>((resolve) => (this.wakeProducer = resolve));
  }

  /** The file is complete, or failed with `error`. */
  finish(error?: BlameFileFailure): void {
    this.ended = error ? { error } : {};
    this.signalReader();
  }

  /** The producer itself failed (abort): the reader rethrows `reason`. */
  fail(reason: unknown): void {
    this.failure = { reason };
    this.signalReader();
  }

  /** The next batch, or the end; rejects with AbortError when `signal` aborts first. */
  async take(signal?: AbortSignal): Promise<FeedItem> {
    for (;;) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      const lines = this.batches.shift();
      if (lines) {
        this.queued -= lines.length;
        this.signalProducer();
        return { lines };
      }
      if (this.failure) throw this.failure.reason;
      if (this.ended) return this.ended;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wakeReader = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    }
  }

  /** The reader is gone: release a waiting producer. */
  stop(): void {
    this.stopped = true;
    this.signalProducer();
  }

  private signalReader(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  private signalProducer(): void {
    const wake = this.wakeProducer;
    this.wakeProducer = undefined;
    wake?.();
  }
}

/** Splits a batch into slices of at most `size` lines (es-git returns a file in one piece). */
export function* slices(lines: BlameLine[], size = 1000): Generator<BlameLine[]> {
  if (lines.length <= size) {
    if (lines.length > 0) yield lines;
    return;
  }
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size);
}
