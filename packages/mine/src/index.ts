export { mine } from './mine.js';
export { createRepositoryMiner, RepositoryMiner } from './repository-miner.js';
export { discoverRepositories } from './discover.js';
export { clonePath } from './clone-path.js';
export { MineError, InvalidOptionError, RepositoryError } from './errors.js';
export type { MineErrorCode } from './errors.js';
export type { MineRepositoryOptions, RepositoryMinerOptions, RepositoryOutcome, RepositoryProgress } from './repository-miner.js';
export type { Discovery, RepositoryJob, RepositoryMeta } from './discover.js';
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
} from './types.js';
