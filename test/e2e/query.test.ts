import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatasetWriter } from '@gitfleet/dataset';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, text } from './cli.js';

// `gitfleet query` on a dataset written by @gitfleet/dataset's writer (what `gitfleet mine` uses).
let temp: TempDir;
let data: string;

const commit = (sha: string, name: string, email: string, time: number) => ({
  sha, parents: [], message: `commit ${sha}`, additions: 1, deletions: 0, files_changed: 1,
  author_name: name, author_email: email, author_time: time, author_tz_offset: 0,
  committer_name: name, committer_email: email, committer_time: time, committer_tz_offset: 0,
});

beforeAll(async () => {
  temp = await createTempDir('gitfleet-query-');
  data = join(temp.path, 'data');
  const writer = await openDatasetWriter(data);
  await writer.writeRepository('acme/app', {
    commits: [commit('a1', 'Ada', 'ada@x.org', 100), commit('a2', 'Ada', 'ADA@x.org', 200), commit('b1', 'dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com', 300)],
    ownership: [{ path: 'f', author_name: 'Ada', author_email: 'ada@x.org', lines: 4 }],
  });
  await writer.writeRepository('acme/lib', { commits: [commit('c1', '=Eve', 'eve@x.org', 400)] });
  await writer.finalize();
  await writer.close();
});
afterAll(async () => {
  await temp?.cleanup();
});

describe('gitfleet query', () => {
  it('runs SQL and prints a table, json, ndjson or csv', async () => {
    const sql = 'SELECT repository, count(*) AS commits FROM commits GROUP BY 1 ORDER BY 1';
    const table = await runCli(['query', '--data', data, sql]);
    expect(table.code, table.stderr).toBe(0);
    expect(text(table)).toBe('repository  commits\nacme/app          3\nacme/lib          1\n');
    const json = await runCli(['query', '--data', data, sql, '--format', 'json']);
    expect(JSON.parse(text(json))).toEqual([{ repository: 'acme/app', commits: 3 }, { repository: 'acme/lib', commits: 1 }]);
    expect(ndjson(await runCli(['query', '--data', data, sql, '-f', 'ndjson']))).toEqual([{ repository: 'acme/app', commits: 3 }, { repository: 'acme/lib', commits: 1 }]);
    const csv = await runCli(['query', '--data', data, 'SELECT author_name, parents FROM commits WHERE sha = $$c1$$', '-f', 'csv', '--csv-safe']);
    expect(parse(text(csv), { columns: true })).toEqual([{ author_name: "'=Eve", parents: '' }]);
  });

  it('--named alone lists the named queries; --named runs one, bots left out unless --include-bots', async () => {
    const list = await runCli(['query', '--data', data, '--named', '-f', 'ndjson']);
    expect(ndjson(list).map((q) => q['name'])).toEqual(['top-authors', 'active-repositories', 'bus-factor', 'hotspots']);
    expect(text(await runCli(['query', '--data', data, '--named']))).toMatch(/^name\s+parameters \(defaults\)\s+answers\ntop-authors\s+by=commits limit=20/);
    const top = ndjson(await runCli(['query', '--data', data, '--named', 'top-authors', '-f', 'ndjson']));
    expect(top.map((a) => [a['name'], a['commits'], a['lines']])).toEqual([['Ada', 2, 4], ['=Eve', 1, 0]]);
    const withBots = ndjson(await runCli(['query', '--data', data, '--named', 'top-authors', '--include-bots', '--param', 'limit=2', '-f', 'ndjson']));
    expect(withBots.map((a) => a['name'])).toEqual(['Ada', 'dependabot[bot]']);
    const bus = ndjson(await runCli(['query', '--data', data, '--named', 'bus-factor', '-f', 'ndjson']));
    expect(bus).toEqual([{ repository: 'acme/app', bus_factor: 1, total_lines: 4, authors: 1, owners: ['Ada'] }]);
  });

  it('bad input is one line on stderr with the usage exit code; a bad statement exits 1', async () => {
    const unknown = await runCli(['query', '--data', data, '--named', 'nope']);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'gitfleet: unknown named query "nope"; known: top-authors, active-repositories, bus-factor, hotspots\n']);
    const param = await runCli(['query', '--data', data, '--named', 'bus-factor', '--param', 'threshold=2']);
    expect([param.code, param.stderr]).toEqual([2, 'gitfleet: bus-factor: parameter threshold must be a number above 0 and at most 1, got "2"\n']);
    const none = await runCli(['query', '--data', data]);
    expect(none.code).toBe(2);
    const sql = await runCli(['query', '--data', data, 'SELEC 1']);
    expect(sql.code).toBe(1);
    expect(sql.stderr).toMatch(/^gitfleet: .*syntax error at or near "SELEC"\n$/);
    const missing = await runCli(['query', '--data', join(temp.path, 'none'), 'SELECT 1']);
    expect([missing.code, missing.stderr]).toEqual([1, `gitfleet: no gitfleet dataset at ${join(temp.path, 'none')}\n`]);
  });

  it('refuses a dataset whose writer died mid-publish, and --repair completes it', async () => {
    // What a killed writer leaves: a recorded journal (here: one rename of a staged errors file), no live lock.
    const staged = join(data, '_gitfleet', 'staging', 'dead');
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(staged, { recursive: true });
    const [errorsFile] = (await readdir(join(data, 'errors'))).filter((f) => f.startsWith('acme_lib'));
    await copyFile(join(data, 'errors', errorsFile!), join(staged, 'errors.parquet'));
    await writeFile(
      join(data, '_gitfleet', 'journal', 'dead.json'),
      JSON.stringify({ version: 1, id: 'dead', repositories: ['acme/lib'], ops: [{ op: 'rename', from: '_gitfleet/staging/dead/errors.parquet', to: `errors/${errorsFile!}` }], cleanup: ['_gitfleet/staging/dead'] }),
    );
    const refused = await runCli(['query', '--data', data, 'SELECT count(*) AS n FROM commits']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`gitfleet: dataset ${data} has an unfinished publish (acme/lib); open it with repair: true (gitfleet query --repair) to complete it\n`);
    const repaired = await runCli(['query', '--data', data, '--repair', 'SELECT count(*) AS n FROM commits', '-f', 'ndjson']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(ndjson(repaired)).toEqual([{ n: 4 }]);
    expect(await readdir(join(data, '_gitfleet', 'journal'))).toEqual([]);
    expect((await runCli(['query', '--data', data, 'SELECT 1 AS one'])).code).toBe(0);
  });
});
