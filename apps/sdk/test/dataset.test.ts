import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatasetWriter, type RowInput } from '@gitfleet/dataset';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, TABLE_NAMES } from '../src/index.js';

let home: TempDir;
let dir: string;

const person = (name: string, email: string): { name: string; email: string } => ({ name, email });
const ada = person('Ada Lovelace', 'ada@example.org');
const bot = person('dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com');
function commit(sha: string, who: { name: string; email: string }, time: number, parents: string[] = []): RowInput<'commits'> {
  return {
    sha,
    parents,
    message: `commit ${sha}`,
    author_name: who.name,
    author_email: who.email,
    author_time: time,
    author_tz_offset: 60,
    committer_name: who.name,
    committer_email: who.email,
    committer_time: time,
    committer_tz_offset: 60,
    additions: 3,
    deletions: 1,
    files_changed: 1,
  };
}

beforeAll(async () => {
  home = await createTempDir('gitfleet-sdk-dataset-');
  dir = join(home.path, 'data');
  // A real dataset, written by the dataset package as the miner writes it.
  const writer = await openDatasetWriter(dir);
  await writer.writeRepository('acme/app', {
    repositories: [{ provider: 'github', default_branch: 'main', head_sha: 'b2' }],
    commits: [commit('a1', ada, 1_700_000_000), commit('b2', bot, 1_700_100_000, ['a1'])],
    commit_files: [{ sha: 'a1', path: 'README.md', status: 'A', additions: 3, deletions: 0 }],
    branches: [{ name: 'main', sha: 'b2', is_default: true }],
    ownership: [{ path: 'README.md', author_name: 'Ada Lovelace', author_email: 'ada@example.org', lines: 3 }],
  });
  await writer.writeRepository('acme/lib', { commits: [commit('c3', person('Ada', 'ADA@example.org'), 1_700_200_000)] });
  await writer.recordError('acme/gone', { phase: 'clone', message: 'repository not found' });
  await writer.finalize();
  await writer.close();
});
afterAll(async () => {
  await home?.cleanup();
});

describe('GitFleet: datasets', () => {
  it('opens a dataset for SQL, streams, Arrow, named queries and export', async () => {
    const gf = createGitFleet({ cache: false });
    try {
      const dataset = await gf.openDataset(dir);
      expect(dataset.tables).toEqual(TABLE_NAMES);
      expect(await dataset.query('SELECT repository, count(*) AS commits FROM commits GROUP BY ALL ORDER BY 1')).toEqual([
        { repository: 'acme/app', commits: 2 },
        { repository: 'acme/lib', commits: 1 },
      ]);
      const streamed = [];
      for await (const row of dataset.stream('SELECT sha FROM commits WHERE repository = $repo ORDER BY sha', { repo: 'acme/app' })) streamed.push(row['sha']);
      expect(streamed).toEqual(['a1', 'b2']);
      const errors = [];
      for await (const row of dataset.readTable('errors')) errors.push([row['repository'], row['phase'], row['message']]);
      expect(errors).toEqual([['acme/gone', 'clone', 'repository not found']]);

      // Ada's two identities are one author; the bot is left out of top-authors.
      const top = await dataset.named('top-authors');
      expect(top.map((r) => r['name'])).toEqual(['Ada Lovelace']);
      expect(top[0]).toMatchObject({ commits: 2 });

      const table = await dataset.arrow('SELECT repository, sha, author_time FROM commits ORDER BY sha');
      expect(table.numRows).toBe(3);
      expect(table.getChild('sha')?.toArray()).toEqual(['a1', 'b2', 'c3']);
      const ipc = await dataset.arrowIPC('SELECT sha FROM commits');
      expect(ipc.byteLength).toBeGreaterThan(0);

      const parquet = join(home.path, 'commits.parquet');
      expect(await dataset.export('commits', parquet)).toBe(3);
      expect(await dataset.query(`SELECT count(*) AS n FROM read_parquet('${parquet}')`)).toEqual([{ n: 3 }]);
      const csv = join(home.path, 'authors.csv');
      await dataset.export({ sql: 'SELECT name, is_bot FROM authors ORDER BY name' }, csv);
      expect((await readFile(csv, 'utf8')).split('\n')[0]).toBe('name,is_bot');
    } finally {
      await gf.close();
    }
  });

  it('writes the HTML report of a dataset, whole, from a directory or an open dataset', async () => {
    const gf = createGitFleet({ cache: false });
    try {
      const file = join(home.path, 'report.html');
      const stages: string[] = [];
      let written = 0;
      const result = await gf.report(dir, file, {
        title: 'Acme <fleet>',
        generatedTime: 0,
        onProgress: (stage, e) => {
          if (stages.at(-1) !== stage) stages.push(stage);
          if (stage === 'write') written = e.done;
        },
      });
      const html = await readFile(file, 'utf8');
      expect(stages).toEqual(['collect', 'write']);
      expect(written).toBe(result.bytes);
      // The bot's commit is left out unless asked for, as in `gitfleet report`.
      expect(result).toMatchObject({ file, bytes: Buffer.byteLength(html), repositories: 2, commits: 2 });
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('Acme &lt;fleet&gt;');
      expect(html).toContain('acme/lib');
      const again = join(home.path, 'again.html');
      expect(await gf.report(await gf.openDataset(dir), again, { title: 'Acme <fleet>', generatedTime: 0, includeBots: true })).toMatchObject({ commits: 3 });
      await expect(gf.report(join(home.path, 'nothing'), join(home.path, 'x.html'))).rejects.toMatchObject({ code: 'GITFLEET_DATASET_NOT_FOUND' });
    } finally {
      await gf.close();
    }
  });

  it('close() closes the datasets it opened; a missing dataset is a typed error', async () => {
    const gf = createGitFleet({ cache: false });
    const dataset = await gf.openDataset(dir);
    await expect(gf.openDataset(join(home.path, 'nothing'))).rejects.toMatchObject({ code: 'GITFLEET_DATASET_NOT_FOUND' });
    await gf.close();
    await expect(dataset.query('SELECT 1')).rejects.toMatchObject({ code: 'GITFLEET_DATASET_CLOSED' });
    await expect(gf.openDataset(dir)).rejects.toMatchObject({ code: 'GITFLEET_SDK_CLOSED' });
  });
});
