export { createGitFleet, GitFleet } from './gitfleet.js';
export type { CloneSource, CommitMessageOptions, GitFleetMineOptions, RepositoriesOptions, RepositoryOptions } from './gitfleet.js';
export type { GitFleetOptions, ResolvedCache } from './options.js';
export { SdkError, ClosedError, InvalidOptionError, isSdkError } from './errors.js';
export type { SdkErrorCode } from './errors.js';

// The packages' types that the SDK's methods take and return, so an integrator imports one package.
export type {
  AnalysisReport,
  AnalyzeOptions,
  AuthorActivity,
  AuthorLines,
  BlameChunk,
  BlameFileFailure,
  BlameFileResult,
  BlameLine,
  BlameOptions,
  BlameSummary,
  Branch,
  CallOptions,
  CleanupResult,
  ClonePhase,
  CloneProgress,
  Commit,
  EngineCapabilities,
  EngineChoice,
  EngineName,
  EngineSet,
  EngineSetOptions,
  FileChange,
  FileChurn,
  FileOwnership,
  FileStatus,
  FilesOptions,
  Fleet,
  FleetEvents,
  FleetOptions,
  FleetResult,
  FleetTask,
  FleetTaskError,
  FleetTaskStatus,
  HistoryOptions,
  Operation,
  Person,
  ProgressEvent,
  Repository,
  StagedDiff,
  StagedFile,
  TreeFile,
} from '@gitfleet/git';
export type {
  Branch as ForgeBranch,
  Contributor,
  CredentialStatus,
  Issue,
  ItemState,
  ListOptions,
  Member,
  ProviderClient,
  PullRequest,
  RateLimitStatus,
  Repository as ForgeRepository,
  StateFilter,
  StateListOptions,
  User,
  WaitEvent,
} from '@gitfleet/providers';
export type {
  AddCredentialInput,
  CredentialStore,
  CredentialStoreOptions,
  IdentityPool,
  PoolSnapshot,
  ProviderKind,
  StoredCredential,
  TokenSource,
} from '@gitfleet/tokens';
export type { ForgeTarget, GitTokenLookup, Session } from '@gitfleet/session';
export type { Dataset, DatasetRow, ExportFormat, ExportOptions, NamedQueryInfo, OpenDatasetOptions, QueryOptions, TableName } from '@gitfleet/dataset';
export type { CommitMessageResult, GenerateOptions, PipelineEvent } from '@gitfleet/ai-diff';
export type {
  MineEvent,
  MineFailure,
  MineOptions,
  MineProgressStage,
  MineResult,
  MineRun,
  MineSource,
  MineStage,
  MineSummary,
  ProviderData,
  TableRows,
} from '@gitfleet/mine';

// Error base classes and guards of the packages, to tell failures apart by package (or match on `code`).
export { GitError, isGitError, FleetError } from '@gitfleet/git';
export { ProviderError, isProviderError } from '@gitfleet/providers';
export { TokensError, isTokensError } from '@gitfleet/tokens';
export { SessionError } from '@gitfleet/session';
export { DatasetError, isDatasetError, NAMED_QUERIES, TABLE_NAMES } from '@gitfleet/dataset';
export { AiDiffError } from '@gitfleet/ai-diff';
export { MineError } from '@gitfleet/mine';
