/** Which implementation runs an operation. */
export type EngineName = 'es-git' | 'git';
/** `auto` picks, per operation, the engine the benchmark shows is faster (see README). */
export type EngineChoice = 'auto' | EngineName;

/** An author or committer identity with its time. */
export interface Person {
  name: string;
  email: string;
  /** Unix seconds. */
  timestamp: number;
  /**
   * Offset from UTC in minutes (e.g. +0530 -> 330, -0800 -> -480).
   * `null` only from the es-git engine, which cannot read offsets (libgit2 binding gap).
   */
  tzOffset: number | null;
}

/** Per-file change kinds, as in `git diff --raw` (A, M, D, R, C, T). */
export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'typechange';

export interface FileChange {
  /** Path after the change (for deletions: the deleted path). */
  path: string;
  /** Path before a rename or copy, else null. */
  oldPath: string | null;
  status: FileStatus;
  /** Added lines; 0 for binary files. */
  additions: number;
  /** Deleted lines; 0 for binary files. */
  deletions: number;
  binary: boolean;
}

export interface Commit {
  /** Repository directory name, e.g. `gitfleet` (bare `x.git` -> `x`). */
  repoName: string;
  sha: string;
  parents: string[];
  isMerge: boolean;
  /** Full message as git prints it with `%B`. */
  message: string;
  /** First paragraph of the message joined into one line, as `%s`. */
  summary: string;
  author: Person;
  committer: Person;
  /** Totals against the first parent (root commits: the empty tree), renames detected. */
  additions: number;
  deletions: number;
  filesChanged: number;
  /** Present only when `files: true` was requested. */
  files?: FileChange[];
}

export interface ProgressEvent {
  /** What is being counted: commits read, files blamed. */
  done: number;
  /** Known total, when there is one. */
  total?: number;
}

export interface HistoryOptions {
  /** A revision or range (`main`, `v1..v2`, `a...b`), or several. Default HEAD. */
  rev?: string | readonly string[];
  /** Walk every ref (like `git log --all`); `rev` is then ignored. */
  all?: boolean;
  /** Only commits newer than this (git's `--since`: a Date, unix seconds or any date git accepts). */
  since?: Date | number | string;
  /** Only commits older than this (git's `--until`). */
  until?: Date | number | string;
  maxCount?: number;
  /** Regex on author name/email (git's `--author`). */
  author?: string;
  /** Limit to commits touching these paths (pathspecs). */
  paths?: readonly string[];
  /** Include per-file changes. */
  files?: boolean;
  /** Apply .mailmap to names and emails. */
  mailmap?: boolean;
  /**
   * Files larger than this many bytes count as binary in stats (no line counts), so their
   * contents are not diffed: git's `core.bigFileThreshold`. Default: git's own, 512 MiB.
   */
  maxFileSize?: number;
  /**
   * Run git on shards of the commit range in parallel and join them back in git's order (same
   * commits, same bytes). Default: automatic, on 2+ cores when the range has 3000+ commits.
   * `false`: one process; `true` or options: always.
   */
  shard?: boolean | HistoryShardOptions;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/** How history is sharded (see `HistoryOptions.shard`). */
export interface HistoryShardOptions {
  /** Commits per shard. Default 2000. */
  size?: number;
  /** git processes at once. Default: CPU cores. */
  concurrency?: number;
}

export interface BlameLine {
  /** 1-based line number in the file at the blamed revision. */
  line: number;
  commit: string;
  /** 1-based line number in the commit that introduced it. */
  origLine: number;
  /** Path in the commit that introduced the line. */
  origPath: string;
  authorName: string;
  authorEmail: string;
  /** Unix seconds. */
  authorTime: number;
  /** Minutes east of UTC; `null` from es-git. */
  authorTzOffset: number | null;
  /** Line text without the trailing newline (decoded as UTF-8; invalid bytes become U+FFFD). */
  content: string;
}

/** Stable codes for per-file blame failures. */
export type BlameErrorCode =
  | 'GITFLEET_GIT_PATH_NOT_FOUND'
  | 'GITFLEET_GIT_BINARY_FILE'
  | 'GITFLEET_GIT_NOT_A_FILE'
  | 'GITFLEET_GIT_FILE_TOO_LARGE'
  | 'GITFLEET_GIT_BLAME_FAILED';

/** Why one file could not be blamed; the message names the file. */
export interface BlameFileFailure {
  code: BlameErrorCode;
  message: string;
}

export interface BlameFileResult {
  path: string;
  error?: BlameFileFailure;
  lines: BlameLine[];
}

/**
 * A piece of one file's blame, from `repo.blameChunks()`: the file's lines in order, over one or
 * more chunks; the last chunk of a file has `done: true`. A file that fails ends with a chunk
 * carrying `error` (and no lines); lines of its earlier chunks, if any, are then void.
 */
export interface BlameChunk extends BlameFileResult {
  done: boolean;
}

export interface BlameOptions {
  /** Revision to blame at. Default HEAD. */
  rev?: string;
  /** Paths or globs (picomatch syntax, matched against tracked files at `rev`). Default: every file. */
  paths?: readonly string[];
  /** Globs of files to leave out (picomatch, e.g. `vendor/**`), applied after `paths`. */
  exclude?: readonly string[];
  /** Files blamed at once. Default: the number of CPU cores (min 2). */
  concurrency?: number;
  /**
   * Files larger than this many bytes are not blamed: they come back with
   * `GITFLEET_GIT_FILE_TOO_LARGE`. Default 50 MiB (`DEFAULT_MAX_BLAME_FILE_SIZE`); `Infinity` for no limit.
   */
  maxFileSize?: number;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/** What an engine can deliver; a field it cannot deliver comes back as `null`. */
export interface EngineCapabilities {
  /** `Person.tzOffset` and `BlameLine.authorTzOffset` (false for es-git). */
  tzOffsets: boolean;
}

export interface Branch {
  /** Short name: `main`, `origin/main`. */
  name: string;
  /** Full ref: `refs/heads/main`, `refs/remotes/origin/main`. */
  ref: string;
  kind: 'local' | 'remote';
  /** Tip commit sha. */
  commit: string;
  /** True for the checked-out branch. */
  isHead: boolean;
  /** Upstream short name (`origin/main`) for local branches that track one. */
  upstream: string | null;
}

/** A tracked entry of a tree. */
export interface TreeFile {
  path: string;
  /** Octal mode string: 100644, 100755, 120000 (symlink), 160000 (submodule). */
  mode: string;
  /** Blob (or submodule commit) id. */
  id: string;
}

export interface StagedFile {
  path: string;
  oldPath: string | null;
  status: FileStatus;
  binary: boolean;
  additions: number;
  deletions: number;
  /** This file's unified patch as git prints it (`diff --git` header through the last hunk), byte-exact. */
  patch: Uint8Array;
}

export interface StagedDiff {
  files: StagedFile[];
  additions: number;
  deletions: number;
}
