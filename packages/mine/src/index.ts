export { mine } from './mine.js';
export { clonePath } from './clone-path.js';
export { MineError, InvalidOptionError } from './errors.js';
export type { MineErrorCode } from './errors.js';
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
