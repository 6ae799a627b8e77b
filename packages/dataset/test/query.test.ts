import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, openDatasetWriter, type Dataset } from '../src/index.js';
import { commit, freshQuery, tempDir, type Temp } from './helpers.js';

const ada = { name: 'Ada', email: 'ada@x.org' };
let temp: Temp;
let dataset: Dataset;

beforeAll(async () => {
  temp = await tempDir();
  const writer = await openDatasetWriter(temp.path);
  await writer.writeRepository('acme/app', {
    commits: Array.from({ length: 5000 }, (_, i) => commit(`c${i}`, ada, 1_000_000 + i, { parents: i ? [`c${i - 1}`] : [] })),
    issues: [{ number: 1, title: 'x', state: 'open', labels: ['a', 'b'] }],
  });
  await writer.finalize();
  await writer.close();
  dataset = await openDataset(temp.path);
});

afterAll(async () => {
  await dataset?.close();
  await temp?.cleanup();
});

describe('query', () => {
  it('returns objects; BIGINT and HUGEINT become numbers when exact, and stay bigint otherwise', async () => {
    const [row] = await dataset.query('SELECT count(*) AS n, sum(author_time) AS s, max(author_time) AS t, 9007199254740993::BIGINT AS big, [1, 2]::BIGINT[] AS list FROM commits');
    expect(row).toEqual({ n: 5000, s: 5000 * 1_000_000 + (4999 * 5000) / 2, t: 1_004_999, big: 9007199254740993n, list: [1, 2] });
  });

  it('binds positional and named parameters', async () => {
    expect(await dataset.query('SELECT sha FROM commits WHERE sha = $1 OR sha = $2 ORDER BY sha', ['c1', 'c2'])).toEqual([{ sha: 'c1' }, { sha: 'c2' }]);
    expect(await dataset.query('SELECT count(*) AS n FROM commits WHERE author_time < $t', { t: 1_000_010 })).toEqual([{ n: 10 }]);
  });

  it('streams rows chunk by chunk; breaking out stops the query', async () => {
    let n = 0;
    for await (const row of dataset.stream<{ sha: string }>('SELECT sha FROM commits')) {
      expect(row.sha).toMatch(/^c\d+$/);
      if (++n === 3000) break;
    }
    expect(n).toBe(3000);
    let all = 0;
    for await (const _ of dataset.readTable('commits')) all++;
    expect(all).toBe(5000);
  });

  it('a bad statement is a QueryError with DuckDB\'s message', async () => {
    await expect(dataset.query('SELECT nope FROM commits')).rejects.toMatchObject({ code: 'GITFLEET_DATASET_QUERY_FAILED', message: expect.stringMatching(/nope/) });
    expect(() => dataset.readTable('nope' as never)).toThrow(expect.objectContaining({ code: 'GITFLEET_DATASET_UNKNOWN_TABLE' }));
  });

  it('an AbortSignal interrupts a running query, and the event loop kept turning meanwhile', async () => {
    const controller = new AbortController();
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    setTimeout(() => controller.abort(), 500);
    const started = performance.now();
    await expect(
      dataset.query('SELECT count(*) FROM range(100000000000) a', undefined, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'GITFLEET_DATASET_ABORTED' });
    clearInterval(timer);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(ticks).toBeGreaterThan(10);
    expect(maxGap).toBeLessThan(400);
    await expect(dataset.query('SELECT 1 AS one', undefined, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'GITFLEET_DATASET_ABORTED' });
  });

  it('returns Arrow tables and IPC bytes, with list and integer types', async () => {
    const table = await dataset.arrow('SELECT sha, parents, author_time, is_merge FROM commits ORDER BY author_time');
    expect(table.numRows).toBe(5000);
    expect(table.schema.fields.map(String)).toEqual(['sha: Utf8', 'parents: List<Utf8>', 'author_time: Int64', 'is_merge: Bool']);
    expect(table.get(1)!.toJSON()).toMatchObject({ sha: 'c1', author_time: 1_000_001n, is_merge: false });
    expect([...table.getChild('parents')!.get(1)!]).toEqual(['c0']);
    const ipc = await dataset.arrowIPC('SELECT number, labels FROM issues');
    const back = tableFromIPC(ipc);
    expect(back.numRows).toBe(1);
    expect([...back.getChild('labels')!.get(0)!]).toEqual(['a', 'b']);
    expect((await dataset.arrow('SELECT 1 AS x WHERE false')).numRows).toBe(0);
  });

  it('exports a table or a query to parquet, csv and ndjson', async () => {
    const out = (name: string) => join(temp.path, name);
    expect(await dataset.export('commits', out('c.parquet'))).toBe(5000);
    expect(await freshQuery(`SELECT count(*) AS n FROM '${out('c.parquet')}'`)).toEqual([{ n: 5000 }]);
    expect(await dataset.export({ sql: "SELECT sha, author_name FROM commits WHERE sha IN ('c1', 'c2') ORDER BY sha" }, out('c.csv'))).toBe(2);
    expect(await readFile(out('c.csv'), 'utf8')).toBe('sha,author_name\nc1,Ada\nc2,Ada\n');
    await dataset.export({ sql: "SELECT number, labels FROM issues" }, out('i.ndjson'));
    expect(await readFile(out('i.ndjson'), 'utf8')).toBe('{"number":1,"labels":["a","b"]}\n');
    await expect(dataset.export('commits', out('x'), { format: 'xml' as never })).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INVALID_OPTION' });
  });
});

describe('opening while a publish is in progress', () => {
  it('waits for a live writer to finish applying a publish, and gives up after waitMs', async () => {
    const writer = await openDatasetWriter(temp.path);
    const journal = join(temp.path, '_gitfleet', 'journal', 'in-progress.json');
    await writeFile(journal, JSON.stringify({ version: 1, id: 'in-progress', repositories: ['acme/app'], ops: [], cleanup: [] }));
    await expect(openDataset(temp.path, { waitMs: 100 })).rejects.toMatchObject({ code: 'GITFLEET_DATASET_UNFINISHED_PUBLISH' });
    const opening = openDataset(temp.path, { waitMs: 10_000 });
    setTimeout(() => void rm(journal), 200);
    const opened = await opening;
    expect(await opened.query('SELECT count(*) AS n FROM commits')).toEqual([{ n: 5000 }]);
    await opened.close();
    await writer.close();
  });
});
