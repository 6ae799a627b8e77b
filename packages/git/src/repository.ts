import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { CacheStore } from '@gitfleet/cache';
import { hashKey, openCache, type CacheOption } from './cache.js';
import { bulkBlame, type BlameTarget } from './bulk-blame.js';
import type { OwnershipOptions, OwnershipResult } from './ownership/ownership.js';
import { cacheInit, ownershipInThread } from './ownership/thread.js';
import { AbortError, InvalidOptionError } from './errors.js';
import type { GitEngine, HistoryQuery, RepoLocation } from './engines/engine.js';
import { EngineSet, type EngineSetOptions, type Operation } from './engines/engine-set.js';
import type {
  BlameChunk,
  BlameFileResult,
  BlameLine,
  BlameOptions,
  Branch,
  Commit,
  EngineCapabilities,
  EngineChoice,
  EngineName,
  HistoryOptions,
  StagedDiff,
  TreeFile,
} from './types.js';

/** Files larger than this (bytes) are not blamed unless `maxFileSize` says otherwise: 50 MiB. */
export const DEFAULT_MAX_BLAME_FILE_SIZE: number = 50 * 1024 * 1024;

/** Part of every cache key, so entries written by an older parser are never read. */
const BLAME_FORMAT = 'blame-v2';
const HISTORY_FORMAT = 'history-v2';

export interface OpenRepositoryOptions {
  /** `auto` (default) picks the faster engine per operation; `git` or `es-git` forces one. */
  engine?: EngineChoice;
  /**
   * Reuse results across runs, keyed by commit and blob ids. Default: on, in `$GITFLEET_CACHE_DIR`
   * or the user cache directory, at most `$GITFLEET_CACHE_MAX_SIZE` (default 1 GiB). `false` turns
   * it off; a string sets the directory; `{ dir?, maxSize? }` sets both.
   */
  cache?: CacheOption;
  /** Share engines (and the es-git worker pool) across repositories. The caller then owns `close()`. */
  engines?: EngineSet;
  /** Options for the engines this repository creates (when `engines` is not given). */
  engineOptions?: EngineSetOptions;
  signal?: AbortSignal;
}

export interface FilesOptions {
  rev?: string;
  signal?: AbortSignal;
}

/** Options shared by operations that take only a signal and an engine override. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * Opens a repository for analysis.
 *
 * @example
 * ```ts
 * await using repo = await openRepository('.');
 * for await (const commit of repo.history({ maxCount: 10, files: true })) {
 *   console.log(commit.sha, commit.summary, commit.additions, commit.deletions);
 * }
 * ```
 */
export async function openRepository(path: string, options: OpenRepositoryOptions = {}): Promise<Repository> {
  const engines = options.engines ?? new EngineSet(options.engineOptions);
  const choice = options.engine ?? 'auto';
  try {
    const engine = await engines.pick(choice, 'files');
    const location = await engine.open(path, options.signal);
    const cache = openCache(options.cache);
    return new Repository(location, engines, choice, cache, options.engines === undefined);
  } catch (error) {
    if (options.engines === undefined) await engines.close();
    throw error;
  }
}

export class Repository {
  /** Work tree root, or the git dir of a bare repository. */
  readonly root: string;
  readonly gitDir: string;
  readonly bare: boolean;
  /** Directory name without `.git`; fills `Commit.repoName`. */
  readonly name: string;

  constructor(
    private readonly location: RepoLocation,
    private readonly engines: EngineSet,
    private readonly choice: EngineChoice,
    private readonly cache: CacheStore | undefined,
    private readonly ownsEngines: boolean,
  ) {
    this.root = location.root;
    this.gitDir = location.gitDir;
    this.bare = location.bare;
    this.name = location.name;
  }

  /** Which engine an operation runs on with this repository's engine choice. */
  async engineFor(operation: Operation): Promise<EngineName> {
    return (await this.engines.pick(this.choice, operation)).name;
  }

  /**
   * The engine an operation runs on and what it can deliver: fields it cannot fill are `null`.
   *
   * @example
   * ```ts
   * const { engine, tzOffsets } = await repo.capabilities('blame');
   * if (!tzOffsets) console.error(`${engine} engine: tz offsets unavailable (null)`);
   * ```
   */
  async capabilities(operation: Operation): Promise<EngineCapabilities & { engine: EngineName }> {
    const engine = await this.engines.pick(this.choice, operation);
    return { engine: engine.name, ...engine.capabilities };
  }

  /**
   * Streams commits like `git log`: from HEAD, a ref or range, or all refs, with per-commit
   * stats against the first parent and, on request, per-file changes.
   */
  async *history(options: HistoryOptions = {}): AsyncGenerator<Commit> {
    const query = toQuery(options, this.name);
    const engine = await this.engines.pick(this.choice, 'history');
    const { signal, onProgress } = options;
    const key = this.cache && cacheableDates(query) ? await this.historyKey(engine, query, signal) : undefined;
    const cached = key ? await this.cache!.readLines<Commit>('history', key) : undefined;
    let done = 0;
    if (cached) {
      for await (const commit of cached) {
        if (signal?.aborted) throw new AbortError({ cause: signal.reason });
        yield commit;
        if (++done % 1000 === 0) onProgress?.({ done });
      }
      onProgress?.({ done });
      return;
    }
    const writer = key ? await this.cache!.writeLines('history', key) : undefined;
    let complete = false;
    try {
      for await (const commit of engine.history(this.location, query, signal)) {
        if (writer) await writer.add(commit); // no extra await per commit when the cache is off
        yield commit;
        if (++done % 500 === 0) onProgress?.({ done });
      }
      complete = true;
      onProgress?.({ done });
    } finally {
      if (complete) await writer?.commit();
      else await writer?.discard();
      await this.cache?.flush();
    }
  }

  /**
   * Blames many files in parallel at HEAD or `rev`. Results come in path order; a file that
   * cannot be blamed (missing, binary, a submodule, over `maxFileSize`) carries an `error` and
   * never stops the rest. Each result holds the whole file's lines: for big files, or to tally
   * lines without keeping them, use {@link Repository.blameChunks}.
   */
  async *blame(options: BlameOptions = {}): AsyncGenerator<BlameFileResult> {
    let lines: BlameLine[] = [];
    for await (const chunk of this.blameChunks(options)) {
      if (chunk.error) {
        lines = [];
        yield { path: chunk.path, lines: [], error: chunk.error };
        continue;
      }
      for (const line of chunk.lines) lines.push(line);
      if (!chunk.done) continue;
      yield { path: chunk.path, lines };
      lines = [];
    }
  }

  /**
   * Like {@link Repository.blame}, but each file's lines come in chunks as git produces them,
   * so memory stays bounded however big a file is (`summarizeBlame` and `analyzeRepository`
   * read this). The last chunk of a file has `done: true`; a failed file ends with a chunk
   * carrying `error`.
   *
   * @example
   * ```ts
   * let lines = 0;
   * for await (const chunk of repo.blameChunks({ paths: ['data/huge.csv'] })) lines += chunk.lines.length;
   * ```
   */
  async *blameChunks(options: BlameOptions = {}): AsyncGenerator<BlameChunk> {
    const { signal, onProgress } = options;
    const concurrency = options.concurrency ?? defaultConcurrency();
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionError(`concurrency must be a positive integer, got ${String(options.concurrency)}`);
    }
    const maxFileSize = checkMaxFileSize(options.maxFileSize ?? DEFAULT_MAX_BLAME_FILE_SIZE);
    const engine = await this.engines.pick(this.choice, 'blame');
    const commit = await engine.resolveCommit(this.location, options.rev ?? 'HEAD', signal);
    const tree = await engine.listFiles(this.location, commit, signal);
    const mailmap = await this.mailmapFingerprint(engine, signal);
    const cache = this.cache;
    yield* bulkBlame({
      engine,
      repo: this.location,
      commit,
      targets: excludeTargets(selectTargets(tree, options.paths), options.exclude),
      concurrency,
      maxFileSize,
      ...(cache
        ? {
            cache: {
              key: (file) => hashKey(BLAME_FORMAT, this.gitDir, engine.name, commit, file.path, file.id, mailmap),
              get: (key) => cache.getJson<BlameFileResult>('blame', key),
              put: (key, result) => cache.putJson('blame', key, result),
            },
          }
        : {}),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }

  /** Local and remote branches with tips, the head flag and upstreams. */
  async branches(options: CallOptions = {}): Promise<Branch[]> {
    const engine = await this.engines.pick(this.choice, 'branches');
    return engine.branches(this.location, options.signal);
  }

  /** Tracked files at a revision (default HEAD) matching any of the globs (picomatch syntax; none = all). */
  async files(globs: readonly string[] = [], options: FilesOptions = {}): Promise<TreeFile[]> {
    const engine = await this.engines.pick(this.choice, 'files');
    const commit = await engine.resolveCommit(this.location, options.rev ?? 'HEAD', options.signal);
    const tree = await engine.listFiles(this.location, commit, options.signal);
    if (globs.length === 0) return tree;
    const match = picomatch([...globs], { dot: true });
    return tree.filter((f) => match(f.path));
  }

  /** The staged changes (index against HEAD), with byte-exact per-file patches. */
  async stagedDiff(options: CallOptions = {}): Promise<StagedDiff> {
    const engine = await this.engines.pick(this.choice, 'stagedDiff');
    return engine.stagedDiff(this.location, options.signal);
  }

  /**
   * Surviving lines per file and author at HEAD (or `rev`) in one walk over history instead of
   * one `git blame` per file: line owners are carried forward through git's own diffs by
   * `git blame`'s rules, and the few files the walk cannot attribute exactly are blamed by git.
   * Continues from a cached ancestor's state when there is one. Needs the git CLI.
   *
   * @example
   * ```ts
   * const own = await repo.ownership({ exclude: ['vendor/**'] });
   * console.log(own.totalLines, own.authors[0]); // { name, email, lines, share }
   * ```
   */
  async ownership(options: OwnershipOptions = {}): Promise<OwnershipResult> {
    const { signal, onProgress, ...plain } = options;
    return ownershipInThread(
      {
        repo: this.location,
        cache: cacheInit(this.cache),
        // The walk runs its own git engine over there; this one is only for the cache key.
        mailmapFingerprint: this.cache ? await this.mailmapFingerprint(await this.engines.get('git'), signal) : '',
        defaultMaxFileSize: DEFAULT_MAX_BLAME_FILE_SIZE,
        options: plain,
      },
      { signal, onProgress },
    );
  }

  /** Resolves a revision to a full commit sha. */
  async resolve(rev: string, options: CallOptions = {}): Promise<string> {
    const engine = await this.engines.pick(this.choice, 'files');
    return engine.resolveCommit(this.location, rev, options.signal);
  }

  /** Accounts this repository's cache writes against the size limit (evicting if over) and stops owned engines. */
  async close(): Promise<void> {
    await this.cache?.flush();
    if (this.ownsEngines) await this.engines.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async historyKey(engine: GitEngine, query: HistoryQuery, signal?: AbortSignal): Promise<string> {
    const refs = await engine.refState(this.location, signal);
    const mailmap = query.mailmap ? await this.mailmapFingerprint(engine, signal) : '';
    const { shard: _sameOutput, ...results } = query; // sharding never changes the output
    return hashKey(HISTORY_FORMAT, this.gitDir, engine.name, JSON.stringify(results), refs, mailmap);
  }

  /** Blame authors and mailmapped history depend on .mailmap (work tree, or HEAD in a bare repo). */
  private async mailmapFingerprint(engine: GitEngine, signal?: AbortSignal): Promise<string> {
    if (this.bare) return engine.resolveCommit(this.location, 'HEAD', signal).catch(() => 'unborn');
    return readFile(join(this.root, '.mailmap')).then(
      (data) => hashKey(data.toString('latin1')),
      () => 'none',
    );
  }
}

/**
 * Paths and globs -> blame targets in path order. A glob matches tracked files; a literal path
 * names a file, or a directory meaning every file under it; anything else is a per-file error.
 */
function selectTargets(tree: readonly TreeFile[], paths: readonly string[] | undefined): BlameTarget[] {
  const blameable = (f: TreeFile): boolean => f.mode !== '160000';
  if (!paths || paths.length === 0) return tree.filter(blameable).map((file) => ({ path: file.path, file }));
  const byPath = new Map(tree.map((f) => [f.path, f]));
  const chosen = new Map<string, BlameTarget>();
  for (const raw of paths) {
    const p = raw.replace(/^\.\//, '');
    if (picomatch.scan(p).isGlob) {
      const match = picomatch(p, { dot: true });
      for (const file of tree) if (blameable(file) && match(file.path)) chosen.set(file.path, { path: file.path, file });
      continue;
    }
    const file = byPath.get(p);
    if (file && blameable(file)) chosen.set(p, { path: p, file });
    else if (file) chosen.set(p, { path: p, error: { code: 'GITFLEET_GIT_NOT_A_FILE', message: `not a file (submodule): ${p}` } });
    else {
      const prefix = p.endsWith('/') ? p : `${p}/`;
      const under = tree.filter((f) => blameable(f) && f.path.startsWith(prefix));
      if (under.length > 0) for (const f of under) chosen.set(f.path, { path: f.path, file: f });
      else chosen.set(p, { path: p, error: { code: 'GITFLEET_GIT_PATH_NOT_FOUND', message: `no such path in the revision: ${p}` } });
    }
  }
  return [...chosen.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** Drops the targets matching any of the `exclude` globs. */
function excludeTargets(targets: BlameTarget[], exclude: readonly string[] | undefined): BlameTarget[] {
  if (!exclude || exclude.length === 0) return targets;
  const excluded = picomatch([...exclude], { dot: true });
  return targets.filter((t) => !excluded(t.path));
}

function defaultConcurrency(): number {
  return Math.max(2, availableParallelism());
}

function toQuery(options: HistoryOptions, repoName: string): HistoryQuery {
  const { maxCount } = options;
  if (maxCount !== undefined && (!Number.isInteger(maxCount) || maxCount < 0)) {
    throw new InvalidOptionError(`maxCount must be a non-negative integer, got ${String(maxCount)}`);
  }
  const revs = options.rev === undefined ? ['HEAD'] : typeof options.rev === 'string' ? [options.rev] : [...options.rev];
  for (const rev of revs) {
    if (!rev || rev.startsWith('-')) throw new InvalidOptionError(`invalid revision: ${JSON.stringify(rev)}`);
  }
  const query: HistoryQuery = { revs, repoName };
  if (options.all) query.all = true;
  if (options.since !== undefined) query.since = toDate(options.since, 'since');
  if (options.until !== undefined) query.until = toDate(options.until, 'until');
  if (maxCount !== undefined) query.maxCount = maxCount;
  if (options.author !== undefined) query.author = options.author;
  if (options.paths?.length) query.paths = [...options.paths];
  if (options.files) query.files = true;
  if (options.mailmap) query.mailmap = true;
  if (options.maxFileSize !== undefined && Number.isFinite(checkMaxFileSize(options.maxFileSize))) query.maxFileSize = options.maxFileSize;
  if (options.shard !== undefined) query.shard = typeof options.shard === 'object' ? { ...options.shard } : options.shard;
  return query;
}

/** A byte count (a positive integer) or Infinity. */
function checkMaxFileSize(value: number): number {
  if (!(value > 0) || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new InvalidOptionError(`maxFileSize must be a positive number of bytes or Infinity, got ${String(value)}`);
  }
  return value;
}

function toDate(value: Date | number | string, name: string): number | string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidOptionError(`${name} is an invalid Date`);
    return Math.floor(value.getTime() / 1000);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidOptionError(`${name} must be unix seconds, got ${value}`);
    return Math.floor(value);
  }
  if (!value.trim()) throw new InvalidOptionError(`${name} must not be empty`);
  return value;
}

/** Relative dates ("2 weeks ago") move with the clock, so only absolute ones are cached. */
function cacheableDates(query: HistoryQuery): boolean {
  const absolute = (v: number | string | undefined): boolean =>
    v === undefined || typeof v === 'number' || (/^\d{4}-\d\d-\d\d/.test(v) && !Number.isNaN(Date.parse(v)));
  return absolute(query.since) && absolute(query.until);
}
