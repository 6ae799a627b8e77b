import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { CacheStore } from '@gitfleet/cache';
import { hashKey } from '../cache.js';
import { bulkBlame, type BlameTarget } from '../bulk-blame.js';
import type { GitEngine, RepoLocation } from '../engines/engine.js';
import { parseLsTree } from '../engines/cli/engine.js';
import { gitOutput, gitText } from '../engines/cli/run.js';
import { AbortError, InvalidOptionError } from '../errors.js';
import { OwnershipTally, type BlameSummary, type FileOwnership } from '../summary.js';
import type { ProgressEvent, TreeFile } from '../types.js';
import { kindOf } from './records.js';
import { Replay, type FileState, type ReplayGit, type ReplayStats, type TreeState } from './replay.js';
import { childCounts, listWalk, replayWalk, type WalkCommit } from './walk.js';

/** Part of every cache key: entries of another format are never read. */
const STATE_FORMAT = 'ownership-v1';

export interface OwnershipOptions {
  /** Revision to attribute lines at. Default HEAD. */
  rev?: string;
  /** Files, directories or globs (picomatch) to report; default every file. The walk covers all. */
  paths?: readonly string[];
  /** Globs of files to leave out, applied after `paths`. */
  exclude?: readonly string[];
  /** Count lines under .mailmap identities, as `git blame` does (default true). */
  mailmap?: boolean;
  /** Files larger than this (bytes) are skipped (GITFLEET_GIT_FILE_TOO_LARGE) and not diffed. Default 50 MiB. */
  maxFileSize?: number;
  /** Also return each file's per-line commit (`byFile[].commits`), as `git blame` attributes them. */
  lineCommits?: boolean;
  /**
   * Also return each file's lines per commit with the commit's (mailmapped) author
   * (`byFile[].byCommit`), in the order of each commit's first line: what a caller needs to
   * group lines by its own identity rules.
   */
  fileCommits?: boolean;
  /** git processes at once. Default: CPU cores (min 2). */
  concurrency?: number;
  /** Commits per shard of the walk. Default 2000. */
  shardSize?: number;
  signal?: AbortSignal;
  /** `walk`: commits replayed; `blame`: files git blamed itself (see `walk.blamedFiles`). */
  onProgress?: (stage: 'walk' | 'blame', event: ProgressEvent) => void;
}

export interface OwnershipFile extends FileOwnership {
  /** With `lineCommits`: the commit of each line. */
  commits?: string[];
  /** With `fileCommits`: lines per commit, in the order of each commit's first line. */
  byCommit?: OwnershipCommitLines[];
}

/** Lines of one file attributed to one commit, with its author as `git blame` names it. */
export interface OwnershipCommitLines {
  commit: string;
  authorName: string;
  authorEmail: string;
  authorTime: number;
  lines: number;
}

export interface OwnershipResult extends BlameSummary {
  /** The commit attributed at, or null for an empty repository. */
  head: string | null;
  byFile: OwnershipFile[];
  walk: {
    /** Commits replayed by this run (only the new ones when it continued from a cached state). */
    commits: number;
    merges: number;
    /** The cached state of an ancestor this run continued from, or null. */
    continuedFrom: string | null;
    /** Files whose owners the walk could not know exactly, blamed by `git blame` instead. */
    blamedFiles: number;
    unknown: ReplayStats['unknown'];
    /** Files the walk settled by asking git for one diff or rename search (see README). */
    repaired: ReplayStats['repaired'];
    /** Most commit states alive at once during the walk. */
    peakStates: number;
  };
}

export interface OwnershipContext {
  engine: GitEngine;
  repo: RepoLocation;
  cache: CacheStore | undefined;
  /** Fingerprint of .mailmap (part of the cache key). */
  mailmapFingerprint: () => Promise<string>;
  defaultMaxFileSize: number;
}

interface CommitInfo {
  sha: string;
  name: string;
  email: string;
  time: number;
}

/** The cached state of one commit: its commit table and every file's owners. */
interface StoredState {
  head: string;
  commits: CommitInfo[];
  files: [path: string, blob: string, kind: string, runs: number[] | null][];
}

/**
 * Surviving lines per file and author at a revision, in one walk over history (see README,
 * "Ownership in one pass").
 */
export async function computeOwnership(ctx: OwnershipContext, options: OwnershipOptions = {}): Promise<OwnershipResult> {
  const { repo, engine } = ctx;
  const { signal } = options;
  const mailmap = options.mailmap ?? true;
  const maxFileSize = options.maxFileSize ?? ctx.defaultMaxFileSize;
  const concurrency = options.concurrency ?? Math.max(2, availableParallelism());
  const shardSize = options.shardSize ?? 2000;
  for (const [name, value] of Object.entries({ concurrency, shardSize })) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(`${name} must be a positive integer, got ${String(value)}`);
  }
  if (!(maxFileSize > 0)) throw new InvalidOptionError(`maxFileSize must be a positive number of bytes or Infinity, got ${String(maxFileSize)}`);
  const head = await engine.resolveCommit(repo, options.rev ?? 'HEAD', signal).catch((error: unknown) => {
    if (options.rev === undefined && !(error instanceof AbortError)) return null; // unborn HEAD
    throw error;
  });
  const tally = new OwnershipTally();
  const empty = {
    commits: 0,
    merges: 0,
    continuedFrom: null,
    blamedFiles: 0,
    unknown: { binary: 0, inconsistent: 0, 'merge-rename': 0, boundary: 0 },
    repaired: { combined: 0, 'merge-rename': 0, patch: 0, follow: 0 },
    peakStates: 0,
  };
  if (head === null) return { head, ...tally.summary(), walk: empty };

  // Commit table: owner number -> commit. A cached state's commits come first.
  const table: CommitInfo[] = [];
  const fingerprint = ctx.cache ? await ctx.mailmapFingerprint() : '';
  const keyOf = (commit: string): string => hashKey(STATE_FORMAT, repo.gitDir, commit, String(mailmap), String(maxFileSize), fingerprint);
  const latestKey = hashKey(STATE_FORMAT, repo.gitDir, 'latest', String(mailmap), String(maxFileSize), fingerprint);

  let base: { sha: string; tree: TreeState } | undefined;
  if (ctx.cache) {
    const latest = await ctx.cache.getJson<{ head: string }>('ownership', latestKey);
    const candidate = latest?.head;
    if (candidate && (candidate === head || (await isAncestor(repo, candidate, head, signal)))) {
      const stored = await readState(ctx.cache, keyOf(candidate), candidate);
      if (stored) {
        for (const c of stored.commits) table.push(c);
        base = { sha: candidate, tree: toTree(stored) };
      }
    }
  }

  let tree: TreeState;
  let stats: ReplayStats = { commits: 0, merges: 0, unknown: { ...empty.unknown }, repaired: { ...empty.repaired }, peakStates: 0 };
  if (base && base.sha === head) tree = base.tree;
  else {
    const walkOptions = {
      repo,
      revs: base ? [head, `^${base.sha}`] : [head],
      mailmap,
      maxFileSize: Number.isFinite(maxFileSize) ? maxFileSize : undefined,
      shardSize,
      concurrency,
      signal,
      onProgress: (done: number, total: number) => options.onProgress?.('walk', { done, total }),
    };
    const commits: WalkCommit[] = await listWalk(walkOptions);
    const offset = table.length;
    for (const c of commits) table.push({ sha: c.sha, name: c.authorName, email: c.authorEmail, time: c.authorTime });
    const replay = new Replay(childCounts(commits), (sha) => boundaryTree(repo, sha, signal), askGit(repo, walkOptions.maxFileSize, concurrency, signal));
    if (base) replay.seed(base.sha, base.tree);
    await replayWalk(commits, walkOptions, replay, (i) => offset + i);
    tree = replay.take(head) ?? new Map();
    stats = replay.stats;
  }

  // Every file of the head's tree that is asked for: counted from the walk, or blamed by git.
  const files = selectFiles(await engine.listFiles(repo, head, signal), options.paths, options.exclude);
  const sizes = await engine.blobSizes(repo, files.flatMap((t) => (t.file ? [t.file.id] : [])), signal);
  const results = new Map<string, { owners: Int32Array } | { target: BlameTarget }>();
  const fallback: BlameTarget[] = [];
  for (const target of files) {
    const file = target.file;
    const state = file ? tree.get(target.path) : undefined;
    const tooBig = file && (sizes.get(file.id) ?? 0) > maxFileSize;
    if (file && !tooBig && state?.owners && state.blob === file.id && state.kind === kindOf(file.mode)) {
      results.set(target.path, { owners: state.owners });
    } else {
      results.set(target.path, { target });
      fallback.push(target);
    }
  }
  const blamed = new Map<string, { lines: CommitInfo[] } | { error: { code: string; message: string } }>();
  if (fallback.length > 0) {
    const index = new Map(table.map((c, i) => [c.sha, i]));
    let current: CommitInfo[] = [];
    let done = 0;
    for await (const chunk of bulkBlame({ engine, repo, commit: head, targets: fallback, concurrency, maxFileSize, ...(signal ? { signal } : {}) })) {
      if (chunk.error) {
        blamed.set(chunk.path, { error: chunk.error });
        current = [];
      } else {
        for (const line of chunk.lines) {
          const known = index.get(line.commit);
          current.push(known === undefined ? { sha: line.commit, name: line.authorName, email: line.authorEmail, time: line.authorTime } : table[known]!);
        }
        if (!chunk.done) continue;
        blamed.set(chunk.path, { lines: current });
        current = [];
      }
      options.onProgress?.('blame', { done: ++done, total: fallback.length });
    }
  }

  const lineCommits: string[][] = [];
  const fileCommits: OwnershipCommitLines[][] = [];
  const perCommit = (counted: Iterable<[CommitInfo, number]>): OwnershipCommitLines[] =>
    Array.from(counted, ([c, lines]) => ({ commit: c.sha, authorName: c.name, authorEmail: c.email, authorTime: c.time, lines }));
  for (const [path, result] of results) {
    if ('owners' in result) {
      const counted = countRuns(result.owners, (i) => table[i]!);
      for (const [c, n] of counted) tally.add(c.name, c.email, c.time, n);
      if (options.lineCommits) lineCommits.push(Array.from(result.owners, (i) => table[i]!.sha));
      if (options.fileCommits) fileCommits.push(perCommit(counted));
      tally.endFile(path);
      continue;
    }
    const out = blamed.get(path);
    if (!out || 'error' in out) {
      const error = out?.error ?? result.target.error ?? { code: 'GITFLEET_GIT_BLAME_FAILED', message: `${path}: not blamed` };
      tally.fail(path, error.code, error.message);
      continue;
    }
    const counted = new Map<CommitInfo, number>();
    for (const c of out.lines) counted.set(c, (counted.get(c) ?? 0) + 1);
    for (const [c, n] of counted) tally.add(c.name, c.email, c.time, n);
    if (options.lineCommits) lineCommits.push(out.lines.map((c) => c.sha));
    if (options.fileCommits) fileCommits.push(perCommit(counted));
    tally.endFile(path);
  }
  const summary = tally.summary();
  const byFile: OwnershipFile[] =
    options.lineCommits || options.fileCommits
      ? summary.byFile.map((f, i) => ({
          ...f,
          ...(options.lineCommits ? { commits: lineCommits[i]! } : {}),
          ...(options.fileCommits ? { byCommit: fileCommits[i]! } : {}),
        }))
      : summary.byFile;

  if (ctx.cache && !(base && base.sha === head)) {
    await writeState(ctx.cache, keyOf(head), head, tree, table);
    await ctx.cache.putJson('ownership', latestKey, { head });
    await ctx.cache.flush();
  }
  return {
    head,
    ...summary,
    byFile,
    walk: {
      commits: stats.commits,
      merges: stats.merges,
      continuedFrom: base?.sha ?? null,
      blamedFiles: fallback.filter((t) => t.file).length,
      unknown: stats.unknown,
      repaired: stats.repaired,
      peakStates: stats.peakStates,
    },
  };
}

/** A file's lines per commit, in order of each commit's first line. */
function countRuns(owners: Int32Array, info: (owner: number) => CommitInfo): Map<CommitInfo, number> {
  const counts = new Map<number, number>();
  for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
  return new Map(Array.from(counts, ([o, n]) => [info(o), n]));
}

async function isAncestor(repo: RepoLocation, ancestor: string, commit: string, signal?: AbortSignal): Promise<boolean> {
  return gitText(['merge-base', '--is-ancestor', ancestor, commit], { cwd: repo.root, signal }).then(
    () => true,
    () => false,
  );
}

/** Longest pathspec list handed to one git (argv); beyond it the commit's own pairing is used. */
const MAX_PATHSPEC_BYTES = 512 * 1024;

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The diffs and rename searches the replay asks for one file at a time. */
function askGit(repo: RepoLocation, maxFileSize: number | undefined, concurrency: number, signal?: AbortSignal): ReplayGit {
  const threshold = maxFileSize === undefined ? [] : ['-c', `core.bigFileThreshold=${maxFileSize}`];
  const run = { cwd: repo.root, signal };
  const limit = pLimit(concurrency);
  const cached = <T>(map: Map<string, Promise<T>>, key: string, get: () => Promise<T>): Promise<T> => {
    let value = map.get(key);
    if (!value) map.set(key, (value = get()));
    return value;
  };
  const deleted = new Map<string, Promise<string[]>>();
  const deletedSince = (parent: string, commit: string): Promise<string[]> =>
    cached(deleted, `${parent} ${commit}`, async () => {
      const out = await gitOutput(['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=D', '--name-only', parent, commit], run);
      return out.toString('utf8').split('\0').filter((p) => p !== '');
    });
  const pairs = new Map<string, Promise<Map<string, string>>>();
  const pairsOf = (parent: string, commit: string): Promise<Map<string, string>> =>
    cached(pairs, `${parent} ${commit}`, async () => renamePairs(await gitOutput(['diff-tree', '-r', '-M', '-z', '--raw', '--no-abbrev', parent, commit], run)));
  return {
    async diff(from, to) {
      const out = await gitText([...threshold, 'diff', '-U0', '--full-index', '--no-color', '--no-ext-diff', '--inter-hunk-context=0', from, to], run);
      const hunks: number[] = [];
      for (const line of out.split('\n')) {
        if (line.startsWith('Binary files ')) return null;
        const m = HUNK.exec(line);
        if (m) hunks.push(Number(m[1]), m[2] === undefined ? 1 : Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4]));
      }
      return hunks;
    },
    renames(parent, commit, targets, sources) {
      return limit(async () => {
        const from = sources ?? (await deletedSince(parent, commit));
        // The diff limited to the targets and the deleted files: git's rename detection sees
        // only those destinations (with one target, blame.c find_rename's search).
        const spec = [...targets, ...from];
        if (from.length === 0) return new Map<string, string>();
        if (spec.some((p) => p.includes('\uFFFD')) || spec.reduce((n, p) => n + Buffer.byteLength(p) + 1, 0) > MAX_PATHSPEC_BYTES) {
          // Not expressible as a pathspec (argv size, a path that is not UTF-8): the whole commit's pairing.
          const all = await pairsOf(parent, commit);
          return new Map(targets.flatMap((t) => (all.has(t) ? [[t, all.get(t)!] as const] : [])));
        }
        return renamePairs(await gitOutput(['--literal-pathspecs', 'diff-tree', '-r', '-M', '-z', '--raw', '--no-abbrev', parent, commit, '--', ...spec], run));
      });
    },
  };
}

/** Destination -> source of the renames in `git diff-tree -z --raw -M` output. */
function renamePairs(out: Buffer): Map<string, string> {
  const tokens = out.toString('utf8').split('\0');
  const map = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    if (!tokens[i]!.startsWith(':')) continue;
    const status = tokens[i]!.split(' ')[4] ?? '';
    if (status.startsWith('R') || status.startsWith('C')) {
      map.set(tokens[i + 2]!, tokens[i + 1]!);
      i += 2;
    } else i += 1;
  }
  return map;
}

/** A commit outside the walk without a cached state: its files, owners unknown. */
async function boundaryTree(repo: RepoLocation, sha: string, signal?: AbortSignal): Promise<TreeState> {
  const out = await gitOutput(['ls-tree', '-r', '-z', '--full-tree', sha], { cwd: repo.root, signal });
  return new Map(parseLsTree(out).map((f): [string, FileState] => [f.path, { blob: f.id, kind: kindOf(f.mode), owners: null }]));
}

/** Which files of the tree to report: like `blame`'s `paths`, then `exclude`. */
function selectFiles(tree: readonly TreeFile[], paths: readonly string[] | undefined, exclude: readonly string[] | undefined): BlameTarget[] {
  const blameable = tree.filter((f) => f.mode !== '160000');
  let chosen: BlameTarget[];
  if (!paths || paths.length === 0) chosen = blameable.map((file) => ({ path: file.path, file }));
  else {
    const byPath = new Map<string, BlameTarget>();
    for (const raw of paths) {
      const p = raw.replace(/^\.\//, '');
      const glob = picomatch.scan(p).isGlob;
      const match = glob ? picomatch(p, { dot: true }) : undefined;
      const prefix = p.endsWith('/') ? p : `${p}/`;
      const hits = blameable.filter((f) => (match ? match(f.path) : f.path === p || f.path.startsWith(prefix)));
      if (hits.length === 0 && !glob) byPath.set(p, { path: p, error: { code: 'GITFLEET_GIT_PATH_NOT_FOUND', message: `no such path in the revision: ${p}` } });
      for (const f of hits) byPath.set(f.path, { path: f.path, file: f });
    }
    chosen = [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }
  if (!exclude || exclude.length === 0) return chosen;
  const excluded = picomatch([...exclude], { dot: true });
  return chosen.filter((t) => !excluded(t.path));
}

/** Owners as runs: [owner, count, owner, count, ...]. */
function toRuns(owners: Int32Array): number[] {
  const runs: number[] = [];
  for (let i = 0; i < owners.length; ) {
    let j = i + 1;
    while (j < owners.length && owners[j] === owners[i]) j++;
    runs.push(owners[i]!, j - i);
    i = j;
  }
  return runs;
}

function fromRuns(runs: readonly number[]): Int32Array {
  let length = 0;
  for (let i = 1; i < runs.length; i += 2) length += runs[i]!;
  const owners = new Int32Array(length);
  for (let i = 0, at = 0; i < runs.length; i += 2) {
    owners.fill(runs[i]!, at, at + runs[i + 1]!);
    at += runs[i + 1]!;
  }
  return owners;
}

function toTree(stored: StoredState): TreeState {
  const tree: TreeState = new Map();
  for (const [path, blob, kind, runs] of stored.files) {
    tree.set(path, { blob, kind: kind as ReturnType<typeof kindOf>, owners: runs ? fromRuns(runs) : null });
  }
  return tree;
}

/** Stores a commit's state: only the commits its lines name, renumbered. */
async function writeState(cache: CacheStore, key: string, head: string, tree: TreeState, table: readonly CommitInfo[]): Promise<void> {
  const writer = await cache.writeLines('ownership', key);
  if (!writer) return;
  const renumber = new Map<number, number>();
  const commits: CommitInfo[] = [];
  const files: StoredState['files'] = [];
  for (const [path, file] of tree) {
    let runs: number[] | null = null;
    if (file.owners) {
      runs = toRuns(file.owners);
      for (let i = 0; i < runs.length; i += 2) {
        let n = renumber.get(runs[i]!);
        if (n === undefined) {
          n = commits.length;
          renumber.set(runs[i]!, n);
          commits.push(table[runs[i]!]!);
        }
        runs[i] = n;
      }
    }
    files.push([path, file.blob, file.kind, runs]);
  }
  try {
    await writer.add({ head, commits });
    for (const f of files) await writer.add(f);
    await writer.commit();
  } catch {
    await writer.discard();
  }
}

async function readState(cache: CacheStore, key: string, head: string): Promise<StoredState | undefined> {
  const lines = await cache.readLines<unknown>('ownership', key);
  if (!lines) return undefined;
  let state: StoredState | undefined;
  for await (const value of lines) {
    if (!state) {
      const first = value as { head?: string; commits?: CommitInfo[] };
      if (first.head !== head || !Array.isArray(first.commits)) return undefined;
      state = { head, commits: first.commits, files: [] };
    } else state.files.push(value as StoredState['files'][number]);
  }
  return state;
}
