import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeAuthors, type IdentityStat, type LoginLink } from './authors.js';
import { Duck } from './duck.js';
import { throwIfAborted } from './errors.js';
import { fsyncPath } from './fs-atomic.js';
import { commitJournal, type JournalOp } from './journal.js';
import { sqlString } from './layout.js';
import { identityKeySql, type TableName } from './schema.js';
import { allViewsSql, baseRelationSql, PARQUET_OPTIONS, readStageSql, tablesWithFiles } from './sql.js';
import type { DatasetWriter } from './writer.js';

export interface FinalizeResult {
  /** Repositories in the dataset (with data or errors). */
  repositories: number;
  authors: number;
  /** Distinct identity keys merged into the authors. */
  identities: number;
  /** Path of `fleet.duckdb`. */
  catalog: string;
}

async function writeLines(path: string, rows: Iterable<unknown>): Promise<void> {
  const stream = createWriteStream(path);
  let buffer = '';
  for (const row of rows) {
    buffer += `${JSON.stringify(row)}\n`;
    if (buffer.length > 1 << 18) {
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  }
  stream.end(buffer);
  await once(stream, 'close');
}

/** Rows of `sql`, streamed chunk by chunk from DuckDB. */
async function collect<T>(duck: Duck, sql: string, signal: AbortSignal | undefined, map: (row: unknown[]) => T): Promise<T[]> {
  return duck.with(signal, async (connection) => {
    const out: T[] = [];
    const result = await connection.stream(sql);
    for await (const rows of result.yieldRowsJs()) for (const row of rows) out.push(map(row));
    return out;
  });
}

/** Merge the fleet's authors, publish `authors` + `author_identities`, then write `fleet.duckdb`. */
export async function finalizeDataset(writer: DatasetWriter, repositories: number, signal: AbortSignal | undefined): Promise<FinalizeResult> {
  const { layout, duck } = writer;
  const present = await tablesWithFiles(layout);
  const base = (t: TableName): string => baseRelationSql(layout, t, present);

  const stats = await collect(
    duck,
    `SELECT k, coalesce(name, ''), coalesce(email, ''), sum(authored)::BIGINT, sum(other)::BIGINT FROM (
       SELECT author_key AS k, author_name AS name, author_email AS email, 1 AS authored, 0 AS other FROM ${base('commits')}
       UNION ALL SELECT committer_key, committer_name, committer_email, 0, 1 FROM ${base('commits')}
       UNION ALL SELECT author_key, author_name, author_email, 0, 1 FROM ${base('ownership')}
       UNION ALL SELECT author_key, author_name, author_email, 0, 1 FROM ${base('blame_lines')}
     ) GROUP BY ALL`,
    signal,
    (r): IdentityStat => ({ key: String(r[0]), name: String(r[1]), email: String(r[2]), authored: Number(r[3]), other: Number(r[4]) }),
  );
  const links = await collect(
    duck,
    `SELECT DISTINCT ${identityKeySql('h.email', "''")}, coalesce(r.provider, 'unknown'), h.login
       FROM ${base('login_hints')} h LEFT JOIN ${base('repositories')} r USING (repository) WHERE trim(h.email) <> '' AND trim(h.login) <> ''
     UNION SELECT DISTINCT ${identityKeySql('c.email', "''")}, coalesce(r.provider, 'unknown'), c.author_login
       FROM ${base('contributors')} c LEFT JOIN ${base('repositories')} r USING (repository) WHERE trim(coalesce(c.email, '')) <> '' AND trim(c.author_login) <> ''`,
    signal,
    (r): LoginLink => ({ key: String(r[0]), provider: String(r[1]), login: String(r[2]) }),
  );
  throwIfAborted(signal);
  const merged = mergeAuthors(stats, links);

  const id = randomUUID();
  const staging = join(layout.stagingDir, id);
  await mkdir(staging, { recursive: true });
  try {
    const identitiesJson = join(staging, 'author_identities.ndjson');
    const groupsJson = join(staging, 'groups.ndjson');
    await writeLines(identitiesJson, merged.identities);
    await writeLines(groupsJson, merged.authors);
    const ident = readStageSql('author_identities', identitiesJson);
    const groups = `read_json(${sqlString(groupsJson)}, format = 'newline_delimited', columns = {author_id: 'VARCHAR', name: 'VARCHAR', email: 'VARCHAR', names: 'VARCHAR[]', emails: 'VARCHAR[]', logins: 'VARCHAR[]', is_bot: 'BOOLEAN'})`;
    const files: Partial<Record<TableName, string>> = {
      author_identities: `SELECT identity_key, author_id, email, name FROM ${ident} ORDER BY identity_key`,
      authors: `WITH ident AS (SELECT * FROM ${ident}),
        c AS (SELECT i.author_id, count(DISTINCT c.sha) AS commits, min(c.author_time) AS first_time, max(c.author_time) AS last_time
              FROM ${base('commits')} c JOIN ident i ON i.identity_key = c.author_key GROUP BY 1),
        l AS (SELECT i.author_id, sum(o.lines) AS lines FROM ${base('ownership')} o JOIN ident i ON i.identity_key = o.author_key GROUP BY 1),
        r AS (SELECT i.author_id, count(DISTINCT x.repository) AS repositories
              FROM (SELECT repository, author_key AS k FROM ${base('commits')} UNION SELECT repository, author_key FROM ${base('ownership')}) x
              JOIN ident i ON i.identity_key = x.k GROUP BY 1)
        SELECT g.author_id, g.name, g.email, g.names, g.emails, g.logins, g.is_bot,
               coalesce(c.commits, 0)::BIGINT AS commits, coalesce(l.lines, 0)::BIGINT AS lines, coalesce(r.repositories, 0)::BIGINT AS repositories,
               c.first_time, c.last_time
        FROM ${groups} g LEFT JOIN c ON c.author_id = g.author_id LEFT JOIN l ON l.author_id = g.author_id LEFT JOIN r ON r.author_id = g.author_id
        ORDER BY commits DESC, g.author_id`,
    };
    const ops: JournalOp[] = [];
    for (const [table, select] of Object.entries(files) as [TableName, string][]) {
      const file = join(staging, `${table}.parquet`);
      await duck.run(`COPY (${select}) TO ${sqlString(file)} ${PARQUET_OPTIONS}`, signal);
      await fsyncPath(file);
      ops.push({ op: 'rename', from: file.slice(layout.dir.length + 1), to: `${table}/${table}.parquet` });
    }
    throwIfAborted(signal);
    await commitJournal(layout, { version: 1, id, repositories: ['_fleet'], ops, cleanup: [staging.slice(layout.dir.length + 1)] }, writer.onPublishStep);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  await writeCatalog(writer, signal);
  return { repositories, authors: merged.authors.length, identities: merged.identities.length, catalog: layout.catalog };
}

/** `fleet.duckdb`: a view per table over the Parquet files (absolute paths), replaced atomically. */
async function writeCatalog(writer: DatasetWriter, signal: AbortSignal | undefined): Promise<void> {
  const { layout } = writer;
  const tmp = join(layout.tmpDir, `fleet-${randomUUID()}.duckdb`);
  const present = await tablesWithFiles(layout);
  const catalog = await Duck.open(tmp);
  try {
    await catalog.run(`${allViewsSql(layout, present).join(';\n')};\nCHECKPOINT`, signal);
  } finally {
    catalog.close();
  }
  await rm(`${tmp}.wal`, { force: true });
  await fsyncPath(tmp);
  await rm(`${layout.catalog}.wal`, { force: true });
  await rename(tmp, layout.catalog);
  await fsyncPath(layout.dir);
}
