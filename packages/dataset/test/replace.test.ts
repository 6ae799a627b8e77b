import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, openDatasetWriter, repositoryKey, type DatasetWriter } from '../src/index.js';
import { commit, tempDir, type Temp } from './helpers.js';

const ada = { name: 'Ada', email: 'ada@example.org' };

let temp: Temp;
let writer: DatasetWriter;
beforeEach(async () => {
  temp = await tempDir();
  writer = await openDatasetWriter(temp.path);
});
afterEach(async () => {
  await writer?.close();
  await temp?.cleanup();
});

const shas = async (repository: string): Promise<string[]> => {
  const dataset = await openDataset(temp.path);
  try {
    return (await dataset.query<{ sha: string }>('SELECT sha FROM commits WHERE repository = $1 ORDER BY sha', [repository])).map((r) => r.sha);
  } finally {
    await dataset.close();
  }
};

describe('replacing one repository', () => {
  it('replaces only that repository: its old rows go, the other repository\'s files are untouched', async () => {
    await writer.writeRepository('a', { commits: [commit('a1', ada, 1), commit('a2', ada, 2)], branches: [{ name: 'main', sha: 'a2', is_default: true }] });
    await writer.writeRepository('b', { commits: [commit('b1', ada, 1)] });
    const bFile = join(temp.path, 'commits', `${repositoryKey('b')}.parquet`);
    const before = await readFile(bFile);
    await writer.writeRepository('a', { commits: [commit('a3', ada, 3)] });
    expect(await shas('a')).toEqual(['a3']);
    expect(await shas('b')).toEqual(['b1']);
    expect((await readFile(bFile)).equals(before)).toBe(true);
    const dataset = await openDataset(temp.path);
    expect(await dataset.query("SELECT count(*) AS n FROM branches WHERE repository = 'a'")).toEqual([{ n: 0 }]);
    await dataset.close();
  });

  it('abort, or a failing row, keeps the old state and discards the staging', async () => {
    await writer.writeRepository('a', { commits: [commit('a1', ada, 1)] });
    const tx = await writer.begin('a');
    await tx.write('commits', [commit('x1', ada, 1)]);
    await tx.abort();
    const bad = writer.writeRepository('a', {
      commits: (function* () {
        yield commit('y1', ada, 1);
        yield { ...commit('y2', ada, 2), author_time: 'yesterday' as unknown as number };
      })(),
    });
    await expect(bad).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INVALID_ROW', message: 'commits row 1: column author_time must be a safe integer (got string "yesterday")' });
    expect(await shas('a')).toEqual(['a1']);
    await expect(writer.writeRepository('a', { commits: [{ ...commit('z', ada, 1), extra: 1 } as never] })).rejects.toThrow(/column extra is not a column/);
    await expect(writer.writeRepository('a', { commits: [{ ...commit('z', ada, 1), repository: 'b' }] })).rejects.toThrow(/not the transaction's "a"/);
    await expect(writer.writeRepository('a', { repositories: [{}, {}] })).rejects.toThrow(/expected one row for a, got 2/);
    await expect(writer.writeRepository('a', { commits: [{ ...commit('z', ada, 1), author_tz_offset: 2 ** 40 }] })).rejects.toThrow(/32-bit integer/);
    expect(await shas('a')).toEqual(['a1']);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(temp.path, '_gitfleet', 'staging'))).toEqual([]);
  });

  it('a closed transaction refuses more work, and one repository has one open transaction at a time', async () => {
    const tx = await writer.begin('a');
    await expect(writer.begin('a')).rejects.toThrow(/already open/);
    await tx.commit();
    await expect(tx.write('commits', [])).rejects.toMatchObject({ code: 'GITFLEET_DATASET_TRANSACTION_CLOSED' });
    await expect(tx.write('authors' as never, [])).rejects.toMatchObject({ code: 'GITFLEET_DATASET_UNKNOWN_TABLE' });
  });

  it('concurrent transactions of different repositories all publish', async () => {
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const tx = await writer.begin(`r${i}`);
        for (let j = 0; j < 3; j++) await tx.write('commits', [commit(`r${i}-${j}`, ada, j)]);
        await tx.commit();
      }),
    );
    for (let i = 0; i < 6; i++) expect(await shas(`r${i}`)).toEqual([`r${i}-0`, `r${i}-1`, `r${i}-2`]);
  });

  it('streams an async iterable of 200,000 rows without holding them', async () => {
    async function* lines() {
      for (let line = 1; line <= 200_000; line++) yield { path: `f${line % 100}`, line, sha: 'c', author_name: 'A', author_email: 'a@x' };
    }
    const result = await writer.writeRepository('big', { blame_lines: lines() });
    expect(result.rows.blame_lines).toBe(200_000);
    const dataset = await openDataset(temp.path);
    expect(await dataset.query('SELECT count(DISTINCT line) AS n, sum(line) AS s FROM blame_lines')).toEqual([{ n: 200_000, s: (200_000 * 200_001) / 2 }]);
    await dataset.close();
  });

  it('keeps the event loop turning while a large batch given as one array is staged and published', async () => {
    const rows = Array.from({ length: 300_000 }, (_, line) => ({ path: 'f', line: line + 1, sha: 'c', author_name: 'A', author_email: 'a@x' }));
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const tx = await writer.begin('big');
    await tx.write('blame_lines', rows);
    await tx.commit();
    clearInterval(timer);
    expect(maxGap).toBeLessThan(500);
  });

  it('remove drops every file of the repository', async () => {
    await writer.writeRepository('a', { commits: [commit('a1', ada, 1)] });
    await writer.writeRepository('b', { commits: [commit('b1', ada, 1)] });
    expect(await writer.remove('a')).toBe(true);
    expect(await writer.remove('a')).toBe(false);
    expect(await shas('a')).toEqual([]);
    expect(await shas('b')).toEqual(['b1']);
    expect(writer.repositories().map((s) => s.repository)).toEqual(['b']);
  });
});

describe('fingerprints: is a repository unchanged since it was mined?', () => {
  it('compares the published fingerprint, across writer sessions, whatever the key order', async () => {
    expect(writer.isUnchanged('a', { main: '1' })).toBe(false);
    await writer.writeRepository('a', { commits: [commit('a1', ada, 1)] }, { fingerprint: { main: '1', dev: '2' } });
    expect(writer.isUnchanged('a', { dev: '2', main: '1' })).toBe(true);
    expect(writer.isUnchanged('a', { main: '1' })).toBe(false);
    expect(writer.isUnchanged('a', { main: '1', dev: '3' })).toBe(false);
    await writer.close();
    writer = await openDatasetWriter(temp.path);
    expect(writer.isUnchanged('a', { dev: '2', main: '1' })).toBe(true);
    expect(writer.state('a')).toMatchObject({ repository: 'a', key: repositoryKey('a'), fingerprint: { main: '1', dev: '2' }, rows: { commits: 1 } });
  });

  it('an aborted or failed rerun keeps the old fingerprint; a repository with only errors is never unchanged', async () => {
    await writer.writeRepository('a', {}, { fingerprint: 'v1' });
    const tx = await writer.begin('a', { fingerprint: 'v2' });
    await tx.abort();
    expect(writer.isUnchanged('a', 'v1')).toBe(true);
    await writer.recordError('b', { phase: 'clone', message: 'gone' });
    expect(writer.isUnchanged('b', 'v1')).toBe(false);
    expect(writer.state('b')).toMatchObject({ fingerprint: null, publishedTime: null, rows: { errors: 1 } });
  });

  it('a repository published by another schema version counts as changed', async () => {
    await writer.writeRepository('a', {}, { fingerprint: 'v1' });
    await writer.close();
    const stateFile = join(temp.path, '_gitfleet', 'repositories', `${repositoryKey('a')}.json`);
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { schemaVersion: number };
    await writeFile(stateFile, JSON.stringify({ ...state, schemaVersion: 0 }));
    writer = await openDatasetWriter(temp.path);
    expect(writer.isUnchanged('a', 'v1')).toBe(false);
  });
});

describe('errors', () => {
  it('recordError appends per repository, keeps its data, and the next publish clears them', async () => {
    await writer.writeRepository('a', { commits: [commit('a1', ada, 1)] }, { fingerprint: 'v1' });
    await writer.recordError('a', { phase: 'fetch', message: 'network down', code: 'E1', time: 10 });
    await writer.recordError('a', { phase: 'blame', message: 'oops', time: 11 });
    await writer.recordError('gone/repo', { phase: 'list', message: '404 Not Found', time: 12 });
    let dataset = await openDataset(temp.path);
    expect(await dataset.query('SELECT repository, phase, message, code, time FROM errors ORDER BY time')).toEqual([
      { repository: 'a', phase: 'fetch', message: 'network down', code: 'E1', time: 10 },
      { repository: 'a', phase: 'blame', message: 'oops', code: null, time: 11 },
      { repository: 'gone/repo', phase: 'list', message: '404 Not Found', code: null, time: 12 },
    ]);
    await dataset.close();
    expect(await shas('a')).toEqual(['a1']);
    expect(writer.isUnchanged('a', 'v1')).toBe(true);
    await writer.writeRepository('a', { commits: [commit('a2', ada, 1)] });
    dataset = await openDataset(temp.path);
    expect(await dataset.query('SELECT repository FROM errors')).toEqual([{ repository: 'gone/repo' }]);
    await dataset.close();
  });
});

describe('the writer lock', () => {
  it('one writer per dataset; a lock left by a dead process is taken over', async () => {
    await expect(openDatasetWriter(temp.path)).rejects.toMatchObject({ code: 'GITFLEET_DATASET_LOCKED', data: { pid: process.pid } });
    await writer.close();
    const { hostname } = await import('node:os');
    await writeFile(join(temp.path, '_gitfleet', 'writer.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    writer = await openDatasetWriter(temp.path);
    expect(writer.dir).toBe(temp.path);
  });

  it('refuses a directory that is not a dataset, or of another format', async () => {
    await expect(openDataset(join(temp.path, 'nope'))).rejects.toMatchObject({ code: 'GITFLEET_DATASET_NOT_FOUND' });
    await writeFile(join(temp.path, '_gitfleet', 'dataset.json'), JSON.stringify({ format: 99 }));
    await expect(openDataset(temp.path)).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INCOMPATIBLE' });
  });
});

describe('closing', () => {
  it('close() lets a commit under way finish, and aborts transactions not committing', async () => {
    const t = await tempDir();
    try {
      const w = await openDatasetWriter(t.path);
      const committing = await w.begin('a');
      await committing.write('commits', Array.from({ length: 20_000 }, (_, i) => commit(`a${i}`, ada, i)));
      const idle = await w.begin('b');
      await idle.write('commits', [commit('b1', ada, 1)]);
      const done = committing.commit();
      await w.close();
      await done;
      await expect(idle.commit()).rejects.toMatchObject({ code: 'GITFLEET_DATASET_TRANSACTION_CLOSED' });
      const dataset = await openDataset(t.path);
      expect(await dataset.query('SELECT repository, count(*) AS n FROM commits GROUP BY 1')).toEqual([{ repository: 'a', n: 20_000 }]);
      await dataset.close();
    } finally {
      await t.cleanup();
    }
  });
});
