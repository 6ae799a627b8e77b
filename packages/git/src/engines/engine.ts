import type {
  BlameLine,
  Branch,
  Commit,
  EngineCapabilities,
  EngineName,
  HistoryOptions,
  StagedDiff,
  TreeFile,
} from '../types.js';

/** Where a repository lives, as an engine found it. */
export interface RepoLocation {
  /** Absolute path: the work tree root, or the git dir of a bare repository. */
  root: string;
  /** Absolute path of the git dir. */
  gitDir: string;
  bare: boolean;
  /** Repository name derived from `root` (`x.git` -> `x`). */
  name: string;
}

/** History options as an engine receives them: dates normalized, callbacks stripped. */
export interface HistoryQuery extends Omit<HistoryOptions, 'since' | 'until' | 'onProgress' | 'signal' | 'rev'> {
  /** Revisions/ranges, default ['HEAD']. Ignored when `all`. */
  revs: string[];
  /** Unix seconds, or a date string git understands (the es-git engine accepts ISO 8601 only). */
  since?: number | string;
  until?: number | string;
  repoName: string;
}

/**
 * One implementation of the git operations. The facade (`openRepository`) validates options,
 * resolves revisions, runs files in parallel, caches, and orders results; engines just read git data.
 */
export interface GitEngine {
  readonly name: EngineName;
  /** Fields this engine can fill; the others come back as `null`. */
  readonly capabilities: EngineCapabilities;
  /** Throws NotARepositoryError when `path` is not inside a repository. */
  open(path: string, signal?: AbortSignal): Promise<RepoLocation>;
  /** Resolves a revision to a full commit sha; throws UnknownRevisionError. */
  resolveCommit(repo: RepoLocation, rev: string, signal?: AbortSignal): Promise<string>;
  /**
   * A fingerprint of everything that decides history results: HEAD and every ref's target.
   * Equal fingerprints mean an unchanged repository.
   */
  refState(repo: RepoLocation, signal?: AbortSignal): Promise<string>;
  /** Streams commits in `git log` order (reverse chronological, as git orders them by default). */
  history(repo: RepoLocation, query: HistoryQuery, signal?: AbortSignal): AsyncIterable<Commit>;
  /** Every tracked entry of the commit's tree, sorted by path as git sorts them (bytewise). */
  listFiles(repo: RepoLocation, commit: string, signal?: AbortSignal): Promise<TreeFile[]>;
  /**
   * Blames one regular file or symlink known to exist at `commit`: its lines in order, in
   * batches, so a big file never has to be held whole. A per-file problem throws
   * `BlameFileError` (binary files, NUL in the first 8000 bytes as git decides:
   * GITFLEET_GIT_BINARY_FILE; anything else: GITFLEET_GIT_BLAME_FAILED); abort throws AbortError.
   * Stopping the iteration early releases the work (kills git).
   */
  blameFile(repo: RepoLocation, commit: string, file: TreeFile, signal?: AbortSignal): AsyncIterable<BlameLine[]>;
  /** Sizes in bytes of blobs, by id; ids that are not blobs are left out. */
  blobSizes(repo: RepoLocation, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, number>>;
  branches(repo: RepoLocation, signal?: AbortSignal): Promise<Branch[]>;
  /** Index against HEAD (empty tree when HEAD is unborn). */
  stagedDiff(repo: RepoLocation, signal?: AbortSignal): Promise<StagedDiff>;
  /** Releases workers or other resources. */
  close(): Promise<void>;
}
