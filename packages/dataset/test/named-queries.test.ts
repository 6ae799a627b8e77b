import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMED_QUERIES, openDataset, openDatasetWriter, type Dataset } from '../src/index.js';
import { commit, tempDir, type Person, type Temp } from './helpers.js';

// A small fleet whose answers are computed by hand in the comments below.
const NOW = 1_700_000_000;
const DAY = 86_400;
const ada: Person = { name: 'Ada', email: 'ada@x.org' };
const bob: Person = { name: 'Bob', email: 'bob@x.org' };
const carol: Person = { name: 'Carol', email: 'carol@x.org' };
const dan: Person = { name: 'Dan', email: 'dan@x.org' };
const bot: Person = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' };
const owns = (path: string, who: Person, lines: number) => ({ path, author_name: who.name, author_email: who.email, lines });
const file = (sha: string, path: string, additions: number, deletions: number) => ({ sha, path, status: 'M', additions, deletions });

let temp: Temp;
let dataset: Dataset;

beforeAll(async () => {
  temp = await tempDir();
  const writer = await openDatasetWriter(temp.path);
  await writer.writeRepository('r1', {
    commits: [
      commit('c1', ada, NOW - 10 * DAY),
      commit('c2', ada, NOW - 20 * DAY),
      commit('c3', ada, NOW - 200 * DAY),
      commit('c4', bob, NOW - 5 * DAY),
      commit('c5', bob, NOW - 400 * DAY),
      commit('m1', carol, NOW - 3 * DAY, { parents: ['c4', 'c5'] }),
      ...[1, 2, 3, 4].map((i) => commit(`d${i}`, bot, NOW - DAY)),
    ],
    commit_files: [
      file('c1', 'a.ts', 10, 0),
      file('c2', 'a.ts', 5, 5),
      file('c4', 'a.ts', 1, 1),
      file('c5', 'b.ts', 3, 0),
      file('m1', 'a.ts', 50, 50),
      ...[1, 2, 3, 4].map((i) => file(`d${i}`, 'package-lock.json', 100, 100)),
    ],
    ownership: [owns('a.ts', ada, 60), owns('b.ts', bob, 30), owns('b.ts', ada, 10), owns('package-lock.json', bot, 50)],
  });
  await writer.writeRepository('r2', {
    commits: [commit('e1', carol, NOW - 100 * DAY), commit('e2', bob, NOW - 50 * DAY), commit('e3', bob, NOW - 60 * DAY)],
    commit_files: [file('e1', 'x.ts', 1, 0), file('e2', 'x.ts', 2, 0), file('e3', 'x.ts', 3, 0)],
    ownership: [owns('x.ts', carol, 40), owns('x.ts', bob, 40), owns('y.ts', dan, 20)],
  });
  await writer.writeRepository('r3', { commits: [commit('f1', dan, NOW - 1000 * DAY)] });
  await writer.finalize();
  await writer.close();
  dataset = await openDataset(temp.path);
});

afterAll(async () => {
  await dataset?.close();
  await temp?.cleanup();
});

const pick = <T extends Record<string, unknown>>(rows: T[], ...keys: (keyof T)[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

describe('named queries against hand-computed answers', () => {
  it('lists the four named queries with their parameters', () => {
    expect(NAMED_QUERIES.map((q) => q.name)).toEqual(['top-authors', 'active-repositories', 'bus-factor', 'hotspots']);
  });

  it('top-authors by commits: Bob 4, Ada 3, Carol 2, Dan 1; bots left out', async () => {
    const rows = await dataset.named('top-authors');
    expect(pick(rows, 'name', 'commits', 'lines', 'repositories')).toEqual([
      { name: 'Bob', commits: 4, lines: 70, repositories: 2 },
      { name: 'Ada', commits: 3, lines: 70, repositories: 1 },
      { name: 'Carol', commits: 2, lines: 40, repositories: 2 },
      { name: 'Dan', commits: 1, lines: 20, repositories: 2 },
    ]);
  });

  it('top-authors by surviving lines (ties broken by commits), with bots, limited', async () => {
    expect(pick(await dataset.named('top-authors', { by: 'lines' }), 'name', 'lines')).toEqual([
      { name: 'Bob', lines: 70 },
      { name: 'Ada', lines: 70 },
      { name: 'Carol', lines: 40 },
      { name: 'Dan', lines: 20 },
    ]);
    expect(pick(await dataset.named('top-authors', { include_bots: true, limit: 3 }), 'name', 'commits', 'is_bot')).toEqual([
      { name: 'Bob', commits: 4, is_bot: false },
      { name: 'dependabot[bot]', commits: 4, is_bot: true },
      { name: 'Ada', commits: 3, is_bot: false },
    ]);
  });

  it('active-repositories in the last 30 and 90 days', async () => {
    // 30 days: r1 has c1 (-10d), c2 (-20d), c4 (-5d), m1 (-3d); r2 nothing.
    expect(await dataset.named('active-repositories', { now: NOW, days: 30 })).toEqual([{ repository: 'r1', commits: 4, authors: 3, last_commit_time: NOW - 3 * DAY }]);
    // 90 days: r2 adds e2 (-50d) and e3 (-60d), both Bob's.
    expect(await dataset.named('active-repositories', { now: NOW, days: 90 })).toEqual([
      { repository: 'r1', commits: 4, authors: 3, last_commit_time: NOW - 3 * DAY },
      { repository: 'r2', commits: 2, authors: 1, last_commit_time: NOW - 50 * DAY },
    ]);
    // With bots, dependabot's four commits a day ago count.
    expect(await dataset.named('active-repositories', { now: NOW, days: 30, include_bots: true })).toEqual([{ repository: 'r1', commits: 8, authors: 4, last_commit_time: NOW - DAY }]);
  });

  it('bus-factor: r1 Ada alone owns 70 of 100 human lines; r2 needs Carol and Bob (40 + 40 of 100)', async () => {
    const rows = await dataset.named<{ repository: string; bus_factor: number; total_lines: number; authors: number; owners: string[] }>('bus-factor');
    expect(rows.map((r) => ({ ...r, owners: [...r.owners].sort() }))).toEqual([
      { repository: 'r1', bus_factor: 1, total_lines: 100, authors: 2, owners: ['Ada'] },
      { repository: 'r2', bus_factor: 2, total_lines: 100, authors: 3, owners: ['Bob', 'Carol'] },
    ]);
    // With the bot's 50 lines, r1 has 150: Ada's 70 < 75, Ada + dependabot = 120.
    const withBots = await dataset.named('bus-factor', { include_bots: true });
    expect(withBots.find((r) => r.repository === 'r1')).toEqual({ repository: 'r1', bus_factor: 2, total_lines: 150, authors: 3, owners: ['Ada', 'dependabot[bot]'] });
    // At 80%: r1 needs Ada and Bob (70 + 30), r2 Carol and Bob (80).
    expect(pick(await dataset.named('bus-factor', { threshold: '0.8' }), 'repository', 'bus_factor')).toEqual([
      { repository: 'r1', bus_factor: 2 },
      { repository: 'r2', bus_factor: 2 },
    ]);
  });

  it('hotspots: most changed files (merges and bots out), then authors, then churn', async () => {
    expect(await dataset.named('hotspots')).toEqual([
      { repository: 'r1', path: 'a.ts', changes: 3, authors: 2, churn: 22, last_change_time: NOW - 5 * DAY },
      { repository: 'r2', path: 'x.ts', changes: 3, authors: 2, churn: 6, last_change_time: NOW - 50 * DAY },
      { repository: 'r1', path: 'b.ts', changes: 1, authors: 1, churn: 3, last_change_time: NOW - 400 * DAY },
    ]);
    expect(pick(await dataset.named('hotspots', { include_bots: true, limit: 1 }), 'path', 'changes', 'churn')).toEqual([{ path: 'package-lock.json', changes: 4, churn: 800 }]);
    expect(pick(await dataset.named('hotspots', { repository: 'r2' }), 'path')).toEqual([{ path: 'x.ts' }]);
    expect(pick(await dataset.named('hotspots', { since: NOW - 30 * DAY }), 'path', 'changes')).toEqual([{ path: 'a.ts', changes: 3 }]);
  });

  it('rejects unknown queries and bad parameters with one clear line', async () => {
    await expect(dataset.named('nope')).rejects.toMatchObject({ code: 'GITFLEET_DATASET_UNKNOWN_QUERY' });
    await expect(dataset.named('top-authors', { by: 'height' })).rejects.toThrow('top-authors: parameter by must be one of commits, lines, got "height"');
    await expect(dataset.named('bus-factor', { threshold: 2 })).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INVALID_OPTION', message: 'bus-factor: parameter threshold must be a number above 0 and at most 1, got 2' });
    await expect(dataset.named('hotspots', { limit: 'ten' })).rejects.toThrow(/limit must be a non-negative integer/);
    await expect(dataset.named('hotspots', { colour: 1 })).rejects.toThrow(/unknown parameter colour/);
  });
});
