import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, openDatasetWriter, REPOSITORY_TABLES, storedColumns, TABLE_NAMES, type Dataset, type RepositoryTables } from '../src/index.js';
import { byKey, commit, freshQuery, tempDir, type Temp } from './helpers.js';

const ada = { name: 'Ada Lovelace', email: 'ada@example.org' };
const bob = { name: 'Bob ✓ Ünïcode', email: 'bob@example.org' };

/** One repository's rows for every table, with NULLs, lists, non-ASCII text and a lone surrogate. */
const tables = {
  repositories: [
    {
      provider: 'github',
      name: 'app',
      url: 'https://github.com/acme/app',
      clone_url: 'https://github.com/acme/app.git',
      default_branch: 'main',
      head_sha: 'c3',
      description: 'An app, "quoted" and \'single\'',
      language: 'TypeScript',
      stars: 42,
      is_fork: false,
      is_archived: false,
      is_private: true,
      is_empty: false,
      is_shallow: false,
      created_time: 1_600_000_000,
      pushed_time: 1_700_000_000,
    },
  ],
  commits: [
    commit('c1', ada, 1_000, { message: 'first\n\nwith a lone surrogate \ud800 here' }),
    commit('c2', bob, 2_000, { parents: ['c1'], additions: 5, deletions: 2, files_changed: 2 }),
    commit('c3', ada, 3_000, { parents: ['c2', 'c1'], author_tz_offset: -90 }),
  ],
  commit_files: [
    { sha: 'c1', path: 'README.md', status: 'A', additions: 1, deletions: 0 },
    { sha: 'c2', path: 'src/a.ts', old_path: 'src/old.ts', status: 'R', additions: 5, deletions: 2 },
    { sha: 'c2', path: 'logo.png', status: 'M', additions: null, deletions: null },
  ],
  branches: [
    { name: 'main', sha: 'c3', is_default: true },
    { name: 'feature/x', sha: 'c2', is_default: false },
  ],
  ownership: [
    { path: 'README.md', author_name: ada.name, author_email: ada.email, lines: 1 },
    { path: 'src/a.ts', author_name: bob.name, author_email: bob.email, lines: 5 },
  ],
  blame_lines: [
    { path: 'src/a.ts', line: 1, sha: 'c2', original_path: 'src/old.ts', original_line: 3, author_name: bob.name, author_email: bob.email, author_time: 2_000, author_tz_offset: 60 },
    { path: 'src/a.ts', line: 2, sha: 'c2', author_name: bob.name, author_email: bob.email },
  ],
  login_hints: [{ email: 'bob@example.org', login: 'bobby' }],
  pull_requests: [
    { number: 7, title: 'Add a', state: 'merged', author_login: 'bobby', created_time: 1_900, closed_time: 2_100, merged_time: 2_100, is_draft: false, base_branch: 'main', head_branch: 'a', url: 'https://github.com/acme/app/pull/7' },
    { number: 8, title: 'Draft', state: 'open', is_draft: true },
  ],
  issues: [{ number: 1, title: 'Bug', state: 'closed', author_login: 'ghost', created_time: 10, closed_time: 20, comments: 3, labels: ['bug', 'p1'] }, { number: 2, title: 'Idea', state: 'open' }],
  contributors: [{ author_login: 'bobby', name: 'Bob', contributions: 1 }],
  errors: [{ phase: 'issues', message: 'rate limited', code: 'GITFLEET_PROVIDERS_RATE_LIMIT', time: 1234 }],
} satisfies RepositoryTables;

let temp: Temp;
let dataset: Dataset;

beforeAll(async () => {
  temp = await tempDir();
  const writer = await openDatasetWriter(temp.path);
  await writer.writeRepository('acme/app', tables, { fingerprint: { 'refs/heads/main': 'c3' } });
  await writer.writeRepository('/srv/git/other repo', { commits: [commit('d1', ada, 5_000)] });
  await writer.finalize();
  await writer.close();
  dataset = await openDataset(temp.path);
});

afterAll(async () => {
  await dataset?.close();
  await temp?.cleanup();
});

/** The row as stored: what was written, NULL where left out, strings made well-formed. */
function expected(table: keyof typeof tables, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { repository: 'acme/app' };
  for (const c of storedColumns(table)) {
    if (c.name === 'repository' || c.computed) continue;
    const value = row[c.name] ?? null;
    out[c.name] = typeof value === 'string' ? value.replace(/\ud800/, '\ufffd') : value;
  }
  return out;
}

describe('round trip of every table', () => {
  it.each(REPOSITORY_TABLES.map((t) => [t] as const))('%s', async (table) => {
    const input = tables[table as keyof typeof tables] as Record<string, unknown>[];
    const keys = storedColumns(table)
      .filter((c) => !c.computed && c.name !== 'repository')
      .map((c) => c.name);
    const rows = await dataset.query(`SELECT * FROM ${table} WHERE repository = 'acme/app'`);
    const stored = rows.map((row) => Object.fromEntries(['repository', ...keys].map((k) => [k, row[k]])));
    const first = keys[0]!;
    expect(byKey(stored, first, keys[1] ?? first)).toEqual(byKey(input.map((r) => expected(table as keyof typeof tables, r)), first, keys[1] ?? first));
  });

  it('fills the computed columns: is_merge, identity keys, published_time', async () => {
    const rows = await dataset.query<{ sha: string; is_merge: boolean; author_key: string; committer_key: string }>(
      "SELECT sha, is_merge, author_key, committer_key FROM commits WHERE repository = 'acme/app' ORDER BY sha",
    );
    expect(rows.map((r) => r.is_merge)).toEqual([false, false, true]);
    expect(rows[0]!.author_key).toMatch(/^[0-9a-f]{16}$/);
    expect(rows[0]!.author_key).toBe(rows[2]!.author_key);
    expect(rows[0]!.author_key).not.toBe(rows[1]!.author_key);
    const [repo] = await dataset.query<{ published_time: number }>("SELECT published_time FROM repositories WHERE repository = 'acme/app'");
    expect(Math.abs(repo!.published_time - Date.now() / 1000)).toBeLessThan(600);
  });

  it('a repository written with only some tables has empty others and a minimal repositories row', async () => {
    const counts = await dataset.query(`SELECT (SELECT count(*) FROM commits WHERE repository = $r) AS commits, (SELECT count(*) FROM branches WHERE repository = $r) AS branches, (SELECT count(*) FROM repositories WHERE repository = $r AND provider IS NULL) AS repos`, { r: '/srv/git/other repo' });
    expect(counts).toEqual([{ commits: 1, branches: 0, repos: 1 }]);
  });

  it('lays out one Parquet file per repository and table, plus the fleet tables and fleet.duckdb', async () => {
    for (const table of REPOSITORY_TABLES) expect((await readdir(join(temp.path, table))).filter((n) => n.endsWith('.parquet'))).toHaveLength(2);
    expect(await readdir(join(temp.path, 'authors'))).toEqual(['authors.parquet']);
    expect(await readdir(temp.path)).toContain('fleet.duckdb');
  });

  it('the Parquet files read from a fresh DuckDB (as a notebook) give the same rows as the views', async () => {
    for (const table of TABLE_NAMES) {
      const columns = storedColumns(table).map((c) => c.name);
      const fromFiles = await freshQuery(`SELECT ${columns.join(', ')} FROM read_parquet('${join(temp.path, table)}/*.parquet')`);
      const fromViews = await dataset.query(`SELECT ${columns.join(', ')} FROM ${table}`);
      expect(byKey(fromFiles, ...columns.slice(0, 3)), table).toEqual(byKey(fromViews, ...columns.slice(0, 3)));
    }
  });

  it('the documented join of the files gives the views\' author_id', async () => {
    const sql = (c: string, i: string) => `SELECT c.repository, c.sha, i.author_id FROM ${c} c LEFT JOIN ${i} i ON i.identity_key = c.author_key`;
    const fromFiles = await freshQuery(sql(`'${temp.path}/commits/*.parquet'`, `'${temp.path}/author_identities/*.parquet'`));
    const fromViews = await dataset.query('SELECT repository, sha, author_id FROM commits');
    expect(byKey(fromFiles, 'repository', 'sha')).toEqual(byKey(fromViews, 'repository', 'sha'));
    expect(fromViews.every((r) => typeof r['author_id'] === 'string')).toBe(true);
  });

  it('fleet.duckdb opened by a fresh DuckDB has a view per table with the same rows', async () => {
    for (const table of TABLE_NAMES) {
      const fromCatalog = await freshQuery(`SELECT * FROM ${table}`, join(temp.path, 'fleet.duckdb'));
      const fromViews = await dataset.query(`SELECT * FROM ${table}`);
      const keys = Object.keys(fromViews[0] ?? { x: 1 }).slice(0, 3);
      expect(byKey(fromCatalog, ...keys), table).toEqual(byKey(fromViews, ...keys));
    }
  });

  it('pull requests and contributors join authors by login (the hint links bobby to bob@)', async () => {
    const [bobAuthor] = await dataset.query<{ author_id: string }>("SELECT author_id FROM authors WHERE email = 'bob@example.org'");
    const prs = await dataset.query('SELECT number, author_id FROM pull_requests ORDER BY number');
    expect(prs).toEqual([
      { number: 7, author_id: bobAuthor!.author_id },
      { number: 8, author_id: null },
    ]);
    expect(await dataset.query('SELECT author_id FROM contributors')).toEqual([{ author_id: bobAuthor!.author_id }]);
    expect(await dataset.query("SELECT author_id FROM issues WHERE author_login = 'ghost'")).toEqual([{ author_id: null }]);
  });
});

describe('a dataset under a directory whose name has glob characters', () => {
  it('reads its files one by one (DuckDB globs cannot be escaped)', async () => {
    const parent = await tempDir();
    try {
      const dir = join(parent.path, 'odd [set] {1,2} *');
      const writer = await openDatasetWriter(dir);
      await writer.writeRepository('a', { commits: [commit('a1', ada, 1)] });
      await writer.writeRepository('b', { commits: [commit('b1', bob, 2)] });
      await writer.finalize();
      await writer.close();
      const odd = await openDataset(dir);
      expect(await odd.query('SELECT repository, sha, author_id IS NOT NULL AS joined FROM commits ORDER BY sha')).toEqual([
        { repository: 'a', sha: 'a1', joined: true },
        { repository: 'b', sha: 'b1', joined: true },
      ]);
      await odd.close();
      expect(await freshQuery('SELECT count(*) AS n FROM commits', join(dir, 'fleet.duckdb'))).toEqual([{ n: 2 }]);
      // DuckDB cannot open a database under a path with "?": refused up front, not after mining.
      await expect(openDatasetWriter(join(parent.path, 'why?'))).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INVALID_OPTION' });
    } finally {
      await parent.cleanup();
    }
  });
});
