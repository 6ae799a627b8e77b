export { renderReport, writeReport, reportChunks } from './render.js';
export { collectReportData } from './collect.js';
export { escapeHtml, jsonForScript, CONTENT_SECURITY_POLICY } from './html.js';
export { chartLibrary } from './client-assets.js';
export { thirdPartyNotices } from './notices.js';
export { REPORT_DATA_VERSION } from './report-data.js';
export { ReportError, InvalidReportOptionError, ReportIOError, ReportAbortedError } from './errors.js';
export type { ReportErrorCode } from './errors.js';
export type { ReportOptions, ReportProgress, ReportStage } from './options.js';
export type { ReportSource, WriteReportResult } from './render.js';
export type {
  ReportData,
  ReportTotals,
  FleetSection,
  RepositorySection,
  RepositoryInfo,
  RepositoryStats,
  MonthSeries,
  ActivitySeries,
  AuthorEntry,
  LanguageEntry,
  FleetAuthor,
  Hotspot,
  LanguageAmount,
  AuthorAmount,
  RecentCommit,
  ErrorEntry,
} from './report-data.js';
