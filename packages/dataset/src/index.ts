export { openDatasetWriter, DatasetWriter, RepositoryTransaction, FORMAT_VERSION } from './writer.js';
export { openDataset, Dataset } from './dataset.js';
export { NAMED_QUERIES, namedQuerySql } from './named-queries.js';
export { TABLES, TABLE_NAMES, REPOSITORY_TABLES, SCHEMA_VERSION, identityKeySql, columnsOf, storedColumns, inputColumns, isTableName } from './schema.js';
export { renderSchemaMarkdown } from './schema-doc.js';
export { repositoryKey } from './layout.js';
export { isBotIdentity, loginFromNoreply } from './authors.js';
export {
  DatasetError,
  InvalidOptionError,
  InvalidRowError,
  UnknownTableError,
  UnknownQueryError,
  DatasetLockedError,
  UnfinishedPublishError,
  DatasetNotFoundError,
  IncompatibleDatasetError,
  TransactionClosedError,
  DatasetClosedError,
  QueryError,
  DatasetIOError,
  AbortError,
  isDatasetError,
} from './errors.js';
export type { DatasetErrorCode, DatasetErrorOptions } from './errors.js';
export type { DatasetWriterOptions, TransactionOptions, PublishResult, RepositoryTables, ErrorInput } from './writer.js';
export type { FinalizeResult } from './finalize.js';
export type { OpenDatasetOptions, QueryOptions, ExportOptions, ExportFormat, DatasetRow } from './dataset.js';
export type { NamedQueryInfo, NamedQueryParameter } from './named-queries.js';
export type { Fingerprint, RepositoryState } from './state.js';
export type { PublishStep, PublishStepListener } from './journal.js';
export type { RowSource } from './stage-file.js';
export type { SqlParams } from './duck.js';
export type {
  ColumnDef,
  ColumnType,
  TableDef,
  TableName,
  RepositoryTableName,
  Row,
  RowInput,
  RepositoryRow,
  CommitRow,
  CommitFileRow,
  BranchRow,
  OwnershipRow,
  BlameLineRow,
  LoginHintRow,
  PullRequestRow,
  IssueRow,
  ContributorRow,
  ErrorRow,
  AuthorRow,
  AuthorIdentityRow,
} from './schema.js';
