import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { RepoLocation } from '../engines/engine.js';
import { spawnGit, type GitProcess } from '../engines/cli/run.js';
import { runShards } from '../engines/cli/shards.js';
import { RECORD_MARK, RecordReader } from './records.js';
import type { Replay, TreeState } from './replay.js';

/** One commit of the walk, with the author its lines are counted under. */
export interface WalkCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorTime: number;
}

export interface WalkOptions {
  repo: RepoLocation;
  /** Revision arguments: the head, and `^base` for an incremental walk. */
  revs: string[];
  mailmap: boolean;
  /** core.bigFileThreshold: bigger blobs are binary to git (no diff). */
  maxFileSize?: number | undefined;
  shardSize: number;
  concurrency: number;
  signal?: AbortSignal | undefined;
  /** Called every 500 commits replayed. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

const FORMAT = `--format=${RECORD_MARK}%H`;
/** Longest stretch of replay between two event-loop turns. */
const YIELD_MS = 10;
const COMMON = ['--no-walk=unsorted', '--stdin', FORMAT, '--no-abbrev', '--no-color', '--no-ext-diff', '--submodule=short', '--encoding=UTF-8'];
/** Non-merges: patches with zero context, renames as `git blame` follows them (-M, default score). */
const PLAIN = [...COMMON, '--root', '--raw', '-p', '-U0', '--inter-hunk-context=0', '--full-index', '-M'];
/** Merges: what changed against the first parent (with renames), no patch. */
const FIRST_PARENT = [...COMMON, '--raw', '-M', '--diff-merges=first-parent'];
/**
 * Merges: the combined diff of the files that differ from every parent, each parent's shared
 * lines. Without rename detection: against 20k merges of git/git it costs 30x more. One line of
 * context, not zero: with -U0 git leaves out of a hunk a line every parent has that carries
 * another parent's deleted lines, yet starts the hunk's range at it (combine-diff.c dump_sline,
 * "null context"), so the lines after it would be placed one too early. The diffs themselves do
 * not depend on the context (git computes them with none, as blame does).
 */
const COMBINED = [...COMMON, '-c', '--raw', '-p', '-U1', '--full-index', '--no-renames'];

/** The commits to replay, parents first (`git log --topo-order --reverse`), with their authors. */
export async function listWalk(options: WalkOptions): Promise<WalkCommit[]> {
  const who = options.mailmap ? '%aN%x00%aE' : '%an%x00%ae';
  const proc = spawnGit(
    ['log', '--topo-order', '--reverse', '--no-patch', '--encoding=UTF-8', `--format=%H%x00%P%x00%at%x00${who}`, '--end-of-options', ...options.revs, '--'],
    { cwd: options.repo.root, signal: options.signal },
  );
  const commits: WalkCommit[] = [];
  let rest = '';
  const take = (line: string): void => {
    if (!line) return;
    const [sha = '', parents = '', time = '0', name = '', email = ''] = line.split('\0');
    commits.push({ sha, parents: parents ? parents.split(' ') : [], authorTime: Number(time), authorName: name, authorEmail: email });
  };
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) take(line);
  }
  take(rest);
  await proc.done;
  return commits;
}

/**
 * Replays `commits` (from listWalk) on git's diffs, sharded: every `shardSize` commits run as up
 * to three git processes (non-merges' patches, merges' first-parent changes, merges' combined
 * diffs), `concurrency` shards at a time, read back in order. Returns the replay, holding the
 * head's tree (`replay.take(head)`).
 */
export async function replayWalk(
  commits: readonly WalkCommit[],
  options: WalkOptions,
  replay: Replay,
  ownerOf: (index: number) => number,
): Promise<void> {
  const threshold = options.maxFileSize === undefined ? [] : ['-c', `core.bigFileThreshold=${options.maxFileSize}`];
  const shards = async function* (): AsyncGenerator<{ from: number; to: number }> {
    for (let from = 0; from < commits.length; from += options.shardSize) yield { from, to: Math.min(commits.length, from + options.shardSize) };
  };
  const start = (shard: { from: number; to: number }): GitProcess[] => {
    const plain: string[] = [];
    const merges: string[] = [];
    for (let i = shard.from; i < shard.to; i++) (commits[i]!.parents.length > 1 ? merges : plain).push(commits[i]!.sha);
    // No commits, no process: `git log --stdin` with nothing on stdin would show HEAD.
    const run = (args: string[], shas: string[]): GitProcess =>
      shas.length === 0
        ? { stdout: Readable.from([]), done: Promise.resolve(), kill: () => undefined }
        : spawnGit([...threshold, 'log', ...args], { cwd: options.repo.root, signal: options.signal, input: `${shas.join('\n')}\n` });
    return [run(PLAIN, plain), run(FIRST_PARENT, merges), run(COMBINED, merges)];
  };
  let index = 0;
  // Records already buffered are read without a macrotask turn: give timers and I/O one every
  // few milliseconds of replay, so the walk never holds the event loop.
  let turn = performance.now();
  for await (const outputs of runShards(shards(), start, { concurrency: options.concurrency, maxBufferBytes: 8 << 20, signal: options.signal })) {
    const [plain, firstParent, combined] = outputs.map((o) => new RecordReader(o)) as [RecordReader, RecordReader, RecordReader];
    const end = Math.min(commits.length, index + options.shardSize);
    for (; index < end; index++) {
      const c = commits[index]!;
      if (c.parents.length > 1) {
        const [fp, cc] = [await firstParent.next(), await combined.next()];
        if (fp?.sha !== c.sha || cc?.sha !== c.sha) throw new Error(`ownership walk: expected merge ${c.sha}, git printed ${fp?.sha ?? 'nothing'}`);
        await replay.merge(c.sha, c.parents, ownerOf(index), fp, cc);
      } else {
        const record = await plain.next();
        if (record?.sha !== c.sha) throw new Error(`ownership walk: expected ${c.sha}, git printed ${record?.sha ?? 'nothing'}`);
        await replay.commit(c.sha, c.parents, ownerOf(index), record);
      }
      if ((index + 1) % 500 === 0) options.onProgress?.(index + 1, commits.length);
      if (performance.now() - turn > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turn = performance.now();
      }
    }
    // Drain whatever is left so each git exits (nothing should be).
    for (const reader of [plain, firstParent, combined]) while (await reader.next());
  }
  options.onProgress?.(commits.length, commits.length);
}

/** How many children each commit has inside the walk. */
export function childCounts(commits: readonly WalkCommit[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of commits) for (const p of c.parents) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}

export type { TreeState };
