import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from './layout.js';
import { sqlIdent, sqlString } from './layout.js';
import { columnsOf, inputColumns, storedColumns, TABLE_NAMES, type TableName } from './schema.js';

/** Largest staged row (its JSON), in bytes; DuckDB's JSON reader buffers twice this per thread. */
export const MAX_ROW_BYTES = 16 * 1024 * 1024;

/** `read_json` of a staged NDJSON file with the table's input column types (no type sniffing). */
export function readStageSql(table: TableName, path: string): string {
  const columns = inputColumns(table)
    .map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`)
    .join(', ');
  return `read_json(${sqlString(path)}, format = 'newline_delimited', maximum_object_size = ${MAX_ROW_BYTES}, columns = {${columns}})`;
}

/** The stored columns of a table computed from its staged input columns. */
export function storedSelectSql(table: TableName, repository: string, publishedTime: number): string {
  return storedColumns(table)
    .map((c) => {
      if (c.name === 'repository') return `${sqlString(repository)} AS repository`;
      if (c.computed) return `(${c.computed.replaceAll('$published_time', String(publishedTime))})::${c.type} AS ${sqlIdent(c.name)}`;
      return sqlIdent(c.name);
    })
    .join(', ');
}

export const PARQUET_OPTIONS = "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)";

/** A relation with the stored columns of `table` and no row. */
export function emptyRelationSql(table: TableName): string {
  return `(SELECT ${storedColumns(table)
    .map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`)
    .join(', ')} WHERE false)`;
}

/** The published Parquet files of each table (absolute paths, sorted); tables without files are absent. */
export type TableFiles = ReadonlyMap<TableName, readonly string[]>;

export async function tablesWithFiles(layout: Layout): Promise<TableFiles> {
  const present = new Map<TableName, string[]>();
  for (const table of TABLE_NAMES) {
    const names = (await readdir(layout.tableDir(table)).catch(() => [] as string[])).filter((n) => n.endsWith('.parquet')).sort();
    if (names.length > 0) present.set(table, names.map((n) => join(layout.tableDir(table), n)));
  }
  return present;
}

// DuckDB has no escape for glob characters: under such a directory the files are listed one by one.
const GLOB_CHARS = /[*?[\]{}]/;

/** The stored rows of a table straight from its Parquet files (or an empty relation). */
export function baseRelationSql(layout: Layout, table: TableName, present: TableFiles): string {
  const files = present.get(table);
  if (!files) return emptyRelationSql(table);
  if (!GLOB_CHARS.test(layout.dir)) return `read_parquet(${sqlString(join(layout.tableDir(table), '*.parquet'))})`;
  return `read_parquet([${files.map(sqlString).join(', ')}])`;
}

const loginsRelation = '(SELECT lower(login) AS login, min(author_id) AS author_id FROM (SELECT unnest(logins) AS login, author_id FROM authors) GROUP BY 1)';

/**
 * The view of a table: its Parquet files, plus the derived columns joined from the fleet's
 * identities (`author_identities` by identity key, `authors.logins` by login).
 */
export function viewSql(layout: Layout, table: TableName, present: TableFiles): string {
  const joins: string[] = [];
  const select = columnsOf(table).map((c) => {
    if (!c.derived) return `t.${sqlIdent(c.name)}`;
    const alias = `j${joins.length}`;
    joins.push(
      c.derived.via === 'identity'
        ? `LEFT JOIN author_identities ${alias} ON ${alias}.identity_key = t.${sqlIdent(c.derived.from)}`
        : `LEFT JOIN ${loginsRelation} ${alias} ON ${alias}.login = lower(t.${sqlIdent(c.derived.from)})`,
    );
    return `${alias}.author_id AS ${sqlIdent(c.name)}`;
  });
  return `CREATE OR REPLACE VIEW ${sqlIdent(table)} AS SELECT ${select.join(', ')} FROM ${baseRelationSql(layout, table, present)} t ${joins.join(' ')}`;
}

/** Every view, fleet tables first (the others join them). */
export function allViewsSql(layout: Layout, present: TableFiles): string[] {
  const order = [...TABLE_NAMES].sort((a, b) => Number(a !== 'authors' && a !== 'author_identities') - Number(b !== 'authors' && b !== 'author_identities'));
  return order.map((table) => viewSql(layout, table, present));
}
