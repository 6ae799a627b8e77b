import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { TableName } from './schema.js';

/**
 * Where everything lives under a dataset directory:
 *
 *   <dir>/<table>/<key>.parquet             one file per repository and table (published)
 *   <dir>/authors/authors.parquet           fleet tables, written by finalize
 *   <dir>/fleet.duckdb                      views over the Parquet files, written by finalize
 *   <dir>/_gitfleet/dataset.json            format marker
 *   <dir>/_gitfleet/repositories/<key>.json state of each published repository (fingerprint, row counts)
 *   <dir>/_gitfleet/journal/<id>.json       publishes recorded but maybe not applied yet
 *   <dir>/_gitfleet/staging/<id>/           a transaction's files before publish
 *   <dir>/_gitfleet/writer.lock             the live writer's pid
 *
 * Names starting with `_` are skipped by pyarrow/pandas/polars dataset readers.
 */
export class Layout {
  readonly dir: string;
  readonly meta: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.meta = join(this.dir, '_gitfleet');
  }

  get marker(): string {
    return join(this.meta, 'dataset.json');
  }
  get lock(): string {
    return join(this.meta, 'writer.lock');
  }
  get journalDir(): string {
    return join(this.meta, 'journal');
  }
  get stagingDir(): string {
    return join(this.meta, 'staging');
  }
  get statesDir(): string {
    return join(this.meta, 'repositories');
  }
  get tmpDir(): string {
    return join(this.meta, 'tmp');
  }
  get catalog(): string {
    return join(this.dir, 'fleet.duckdb');
  }
  tableDir(table: TableName): string {
    return join(this.dir, table);
  }
  /** The published file of one repository's table, relative to the dataset. */
  tableFile(table: TableName, key: string): string {
    return `${table}/${key}.parquet`;
  }
  stateFile(key: string): string {
    return `_gitfleet/repositories/${key}.json`;
  }
  abs(relative: string): string {
    return join(this.dir, relative);
  }
}

/**
 * The stable file key of a repository: a readable slug plus 12 hex digits of its SHA-256, so two
 * repositories never share files and the key is the same on every run and machine.
 *
 * @example
 * repositoryKey('github.com/acme/app') // 'github.com_acme_app-3f1c…'
 */
export function repositoryKey(repository: string): string {
  const slug = repository
    .replace(/^[a-z+]+:\/\//i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(repository).digest('hex').slice(0, 12);
  return `${slug || 'repo'}-${hash}`;
}

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
