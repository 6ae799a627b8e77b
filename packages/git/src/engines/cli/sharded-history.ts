import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '../../errors.js';
import type { HistoryShardOptions } from '../../types.js';
import type { HistoryQuery, RepoLocation } from '../engine.js';
import { logArgs, recordArgs, walkArgs } from './log.js';
import { nulTokens, spawnGit, type GitProcess } from './run.js';
import { batchesOf, runShards } from './shards.js';

/** Commits per shard: big enough that a git start-up (~10 ms) is noise, small enough to balance. */
export const DEFAULT_SHARD_SIZE = 2000;
/** Below this many commits one `git log` does it all (sharding would not pay for its listing). */
export const DEFAULT_SHARD_MIN_COMMITS = 3000;
/** Output a shard buffers ahead of the reader (git then waits on its pipe). */
const SHARD_BUFFER_BYTES = 16 * 1024 * 1024;
/** Longest stretch of parsing between two turns of the event loop. */
const TURN_MS = 4;

interface ShardPlan {
  size: number;
  concurrency: number;
  minCommits: number;
}

/** `shard` option -> a plan, or undefined for one process. Auto shards only on 2+ cores. */
export function shardPlan(option: HistoryQuery['shard'], cores = availableParallelism()): ShardPlan | undefined {
  if (option === false) return undefined;
  const forced = option !== undefined;
  const o: HistoryShardOptions = typeof option === 'object' ? option : {};
  const size = o.size ?? DEFAULT_SHARD_SIZE;
  const concurrency = o.concurrency ?? cores;
  for (const [name, value] of Object.entries({ size, concurrency })) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(`shard.${name} must be a positive integer, got ${String(value)}`);
  }
  if (!forced && concurrency < 2) return undefined;
  return { size, concurrency, minCommits: forced ? 0 : DEFAULT_SHARD_MIN_COMMITS };
}

/**
 * The commits a query selects, in `git log` order, in batches: `git log --format=%H` with the
 * query's own revisions, limits, filters and pathspec, so the walk is git's own.
 */
export async function* listCommits(repo: RepoLocation, query: HistoryQuery, signal?: AbortSignal): AsyncGenerator<string[]> {
  // --no-patch: no diffs (--diff-merges would print merges' patches), only the walk.
  const proc = spawnGit(['log', '--format=%H', '--no-patch', ...walkArgs(query)], { cwd: repo.root, signal });
  try {
    let rest = '';
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('latin1')).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length > 0) yield lines;
    }
    if (rest) yield [rest];
    await proc.done;
  } finally {
    proc.kill();
  }
}

/**
 * The NUL-separated tokens of `git log` for a query (the format of `logArgs`), from one process
 * or from shards run in parallel and joined back in git's order.
 *
 * Sharded: one `git log --format=%H` lists the commits (git's walk, order and filters); every
 * `size` of them go to a `git log --no-walk=unsorted --stdin` with the same record format, which
 * prints exactly those commits in the order given; the outputs are read back in shard order.
 * A commit's record depends only on the commit (its diff against its first parent), so the
 * joined stream is the single process's byte for byte.
 */
export async function* historyTokens(
  repo: RepoLocation,
  query: HistoryQuery,
  threshold: readonly string[],
  signal?: AbortSignal,
): AsyncGenerator<Buffer[]> {
  const plan = shardPlan(query.shard);
  const single = async function* (): AsyncGenerator<Buffer[]> {
    const proc = spawnGit([...threshold, ...logArgs(query)], { cwd: repo.root, signal });
    try {
      yield* nulTokens(proc.stdout);
      await proc.done;
    } finally {
      proc.kill();
    }
  };
  if (!plan || (query.maxCount !== undefined && query.maxCount < plan.minCommits)) {
    yield* single();
    return;
  }
  const listing = listCommits(repo, query, signal)[Symbol.asyncIterator]();
  try {
    // Read the listing until it shows the history is big enough to pay for sharding.
    const head: string[] = [];
    let ended = false;
    while (head.length < plan.minCommits) {
      const next = await listing.next();
      if (next.done) {
        ended = true;
        break;
      }
      for (const sha of next.value) head.push(sha);
    }
    if (ended && head.length < Math.max(plan.minCommits, 1)) {
      if (plan.minCommits > 0) yield* single();
      return;
    }
    const rest = async function* (): AsyncGenerator<string> {
      yield* head;
      if (ended) return;
      for (let next = await listing.next(); !next.done; next = await listing.next()) yield* next.value;
    };
    const args = [...threshold, 'log', ...recordArgs(query), '--no-walk=unsorted', '--stdin', '--', ...(query.paths ?? [])];
    const start = (shas: string[]): GitProcess => spawnGit(args, { cwd: repo.root, signal, input: `${shas.join('\n')}\n` });
    const outputs = runShards(batchesOf(rest(), plan.size), start, {
      concurrency: plan.concurrency,
      maxBufferBytes: SHARD_BUFFER_BYTES,
      signal,
    });
    // Parsing runs in microtasks between pipe reads: give libuv a turn every few ms so the shards'
    // pipes (64 KiB each) are drained and their gits keep working while this thread parses.
    let turn = performance.now();
    for await (const [output] of outputs) {
      for await (const tokens of nulTokens(output!)) {
        yield tokens;
        if (performance.now() - turn > TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turn = performance.now();
        }
      }
    }
  } finally {
    await listing.return?.(undefined);
  }
}
