import bytes from 'bytes';
import pLimit from 'p-limit';
import { FileFeed, slices } from './blame-feed.js';
import type { GitEngine, RepoLocation } from './engines/engine.js';
import { AbortError, BlameFileError } from './errors.js';
import type { BlameChunk, BlameFileFailure, BlameFileResult, BlameLine, ProgressEvent, TreeFile } from './types.js';

/** Lines one file's blame may run ahead of the reader before git is made to wait. */
const PREFETCH_LINES = 10_000;
/** Files with more lines are not cached: their JSON entry would cost more than blaming again. */
const CACHE_MAX_LINES = 50_000;

/** A path to blame: a file of the tree, or why there is none. */
export interface BlameTarget {
  path: string;
  file?: TreeFile;
  error?: BlameFileFailure;
}

/** Where finished files are kept, by key. */
export interface BlameCache {
  key(file: TreeFile): string;
  get(key: string): Promise<BlameFileResult | undefined>;
  put(key: string, result: BlameFileResult): Promise<void>;
}

export interface BulkBlameJob {
  engine: GitEngine;
  repo: RepoLocation;
  commit: string;
  /** In output order. */
  targets: readonly BlameTarget[];
  concurrency: number;
  maxFileSize: number;
  cache?: BlameCache;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Blames `targets` with `concurrency` files at once and yields their chunks in target order.
 * A window of started files keeps every worker busy; each file runs ahead of the reader by at
 * most PREFETCH_LINES lines, then its git waits on the pipe, so memory stays bounded however big
 * a file is. Stopping early or aborting stops every running file.
 */
export async function* bulkBlame(job: BulkBlameJob): AsyncGenerator<BlameChunk> {
  const { engine, targets, signal } = job;
  const ids = targets.flatMap((t) => (t.file ? [t.file.id] : []));
  const sizes = await engine.blobSizes(job.repo, ids, signal);
  const limit = pLimit(job.concurrency);
  const window = job.concurrency * 8;
  const feeds: (FileFeed | undefined)[] = [];
  let next = 0;
  const startUpTo = (done: number): void => {
    while (next < targets.length && next < done + window) {
      const target = targets[next++]!;
      const feed = new FileFeed(PREFETCH_LINES);
      feeds.push(feed);
      const size = target.file ? sizes.get(target.file.id) : undefined;
      if (!target.file) feed.finish(target.error);
      else if (size !== undefined && size > job.maxFileSize) feed.finish(tooLarge(target.path, size, job.maxFileSize));
      else {
        const file = target.file;
        limit(() => (feed.stopped ? undefined : produce(job, file, feed))).catch((error: unknown) => feed.fail(error));
      }
    }
  };
  try {
    for (let done = 0; done < targets.length; done++) {
      startUpTo(done);
      const feed = feeds[done]!;
      const path = targets[done]!.path;
      // One chunk is held back so that a file's last chunk can say `done`.
      let pending: BlameLine[] | undefined;
      for (;;) {
        const item = await feed.take(signal);
        if (item.lines) {
          if (pending) yield { path, lines: pending, done: false };
          pending = item.lines;
          continue;
        }
        feeds[done] = undefined; // let finished files be collected
        job.onProgress?.({ done: done + 1, total: targets.length });
        if (item.error) {
          if (pending) yield { path, lines: pending, done: false };
          yield { path, lines: [], done: true, error: item.error };
        } else yield { path, lines: pending ?? [], done: true };
        break;
      }
    }
  } finally {
    // Also on abort or an early stop: queued files never start, running ones stop.
    limit.clearQueue();
    for (const feed of feeds) feed?.stop();
  }
}

/** One file: from the cache, else from the engine (then cached if small enough and certain). */
async function produce(job: BulkBlameJob, file: TreeFile, feed: FileFeed): Promise<void> {
  const { cache, signal } = job;
  const key = cache?.key(file);
  const hit = key === undefined ? undefined : await cache!.get(key);
  if (hit) {
    for (const part of slices(hit.lines)) await feed.put(part);
    feed.finish(hit.error);
    return;
  }
  let kept: BlameLine[] | undefined = key === undefined ? undefined : [];
  try {
    for await (const batch of job.engine.blameFile(job.repo, job.commit, file, signal)) {
      for (const part of slices(batch)) {
        if (kept && kept.length + part.length <= CACHE_MAX_LINES) for (const line of part) kept.push(line);
        else kept = undefined;
        await feed.put(part);
        if (feed.stopped) return; // leaving the loop stops the engine (kills git)
      }
    }
  } catch (error) {
    if (error instanceof AbortError || signal?.aborted) throw error;
    const failure = toFailure(error, file.path);
    // A failed git run may be transient; only what is certain about the blob is cached.
    if (key !== undefined && failure.code !== 'GITFLEET_GIT_BLAME_FAILED') await cache!.put(key, { path: file.path, lines: [], error: failure });
    feed.finish(failure);
    return;
  }
  // Cached before the reader hears the file is done, so a finished blame has its entries written.
  if (key !== undefined && kept && !signal?.aborted) await cache!.put(key, { path: file.path, lines: kept });
  feed.finish();
}

const formatSize = (n: number): string => bytes.format(n, { unitSeparator: ' ' }) ?? `${n} B`;

function tooLarge(path: string, size: number, limit: number): BlameFileFailure {
  return {
    code: 'GITFLEET_GIT_FILE_TOO_LARGE',
    message: `${path}: ${formatSize(size)}, larger than the ${formatSize(limit)} blame limit`,
  };
}

/** A per-file failure from an engine, as a result's `error`. */
function toFailure(error: unknown, path: string): BlameFileFailure {
  if (error instanceof BlameFileError) return { code: error.code, message: error.message };
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return { code: 'GITFLEET_GIT_BLAME_FAILED', message: `${path}: ${message}` };
}
