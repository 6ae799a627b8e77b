export { openRepository, Repository, DEFAULT_MAX_BLAME_FILE_SIZE } from './repository.js';
export type { OpenRepositoryOptions, FilesOptions, CallOptions } from './repository.js';
export { analyzeRepository } from './analyze.js';
export type { AnalyzeOptions, AnalysisReport, AuthorActivity, FileChurn } from './analyze.js';
export { summarizeBlame } from './summary.js';
export type { OwnershipOptions, OwnershipResult, OwnershipFile, OwnershipCommitLines } from './ownership/ownership.js';
export { writeCommitGraph } from './commit-graph.js';
export type { WriteCommitGraphOptions } from './commit-graph.js';
export type { BlameSummary, AuthorLines, FileOwnership } from './summary.js';
export { EngineSet, AUTO_CHOICE } from './engines/engine-set.js';
export type { EngineSetOptions, Operation } from './engines/engine-set.js';
export type { GitEngine, RepoLocation, HistoryQuery } from './engines/engine.js';
export { defaultCacheDir } from './cache.js';
export type { CacheOption } from './cache.js';
export {
  GitError,
  NotARepositoryError,
  UnknownRevisionError,
  EngineUnavailableError,
  GitCommandError,
  InvalidOptionError,
  AbortError,
  BlameFileError,
  isGitError,
} from './errors.js';
export type { GitErrorCode } from './errors.js';
export type * from './types.js';
export { createFleet, Fleet } from './fleet/fleet.js';
export { FleetError } from './fleet/errors.js';
export type { FleetErrorCode } from './fleet/errors.js';
export { parseProgressLine } from './fleet/progress.js';
export type { ClonePhase, CloneProgress } from './fleet/progress.js';
export { gitTokensFromEnv, isLoopback, normalizeHost } from './fleet/credentials.js';
export type { HostCredential, TokenSource } from './fleet/credentials.js';
export type {
  CleanupResult,
  FleetEvents,
  FleetOptions,
  FleetResult,
  FleetTask,
  FleetTaskError,
  FleetTaskStatus,
} from './fleet/types.js';
