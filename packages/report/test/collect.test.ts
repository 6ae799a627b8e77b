import { openDataset, openDatasetWriter, type Dataset, type RowInput } from '@gitfleet/dataset';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { generateFleetDataset, type FleetDatasetFacts } from '@gitfleet/test-kit/fleet-dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReportData, renderReport, type ReportData } from '../src/index.js';

interface Person {
  name: string;
  email: string;
}
const ada: Person = { name: 'Ada', email: 'ada@x.org' };
const adaWork: Person = { name: 'Ada L.', email: 'ADA@x.org' };
const bob: Person = { name: 'Bob', email: 'bob@x.org' };
const bot: Person = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' };

const T = (iso: string): number => Date.parse(iso) / 1000;
function commit(sha: string, who: Person, iso: string, tz: number, extra: Partial<RowInput<'commits'>> = {}): RowInput<'commits'> {
  const time = T(iso);
  return {
    sha, parents: [], message: `subject of ${sha}\nbody`, author_name: who.name, author_email: who.email, author_time: time, author_tz_offset: tz,
    committer_name: who.name, committer_email: who.email, committer_time: time, committer_tz_offset: tz, additions: 1, deletions: 0, files_changed: 1, ...extra,
  };
}
const owns = (path: string, who: Person, lines: number) => ({ path, author_name: who.name, author_email: who.email, lines });
const change = (sha: string, path: string, additions = 2, deletions = 1) => ({ sha, path, status: 'M', additions, deletions });

/** Month number of a unix time, the oracle way: JavaScript's UTC calendar. */
const monthOf = (time: number): number => {
  const d = new Date(time * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
/** Heatmap cell of a commit: its author's wall clock (UTC time shifted by the offset), Monday first. */
const cellOf = (time: number, tz: number): number => {
  const d = new Date((time + tz * 60) * 1000);
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours();
};
const dense = (series: { start: number; counts: number[] }): Map<number, number> =>
  new Map(series.counts.map((n, i) => [series.start + i, n] as const).filter(([, n]) => n > 0));

describe('a small fleet, checked by hand', () => {
  let tmp: TempDir;
  let dataset: Dataset;
  let data: ReportData;

  beforeAll(async () => {
    tmp = await createTempDir('gitfleet-report-');
    const writer = await openDatasetWriter(tmp.path);
    await writer.writeRepository('acme/app', {
      repositories: [{ provider: 'github', url: 'https://github.com/acme/app', default_branch: 'main', head_sha: 'a4' }],
      commits: [
        // 2024-01-01 is a Monday. 03:45 UTC is 09:15 in India (+05:30): Monday, hour 9.
        commit('a1', ada, '2024-01-01T03:45:00Z', 330),
        // 03:00 UTC on Monday is 19:00 on Sunday in California (-08:00).
        commit('a2', bob, '2024-01-01T03:00:00Z', -480),
        // The same person under another name and case of the email: one author.
        commit('a3', adaWork, '2024-02-10T12:00:00Z', 60),
        commit('a4', bob, '2024-03-31T23:30:00Z', 0, { parents: ['a2', 'a3'] }),
        commit('a5', bot, '2024-03-15T10:00:00Z', 0),
      ],
      commit_files: [change('a1', 'src/app.ts'), change('a2', 'src/app.ts'), change('a3', 'src/app.ts'), change('a3', 'README.md'), change('a4', 'src/app.ts'), change('a5', 'package.json')],
      ownership: [owns('src/app.ts', ada, 60), owns('src/app.ts', adaWork, 20), owns('src/util.ts', bob, 30), owns('Makefile', bob, 10), owns('data.xyz', bob, 5), owns('package.json', bot, 40)],
      branches: [{ name: 'main', sha: 'a4', is_default: true }],
      pull_requests: [
        { number: 1, title: 'one', state: 'merged', author_login: 'bob', created_time: T('2024-01-05T00:00:00Z'), closed_time: T('2024-02-02T00:00:00Z'), merged_time: T('2024-02-02T00:00:00Z') },
        { number: 2, title: 'two', state: 'open', author_login: 'ada', created_time: T('2024-02-20T00:00:00Z') },
        { number: 3, title: 'deps', state: 'closed', author_login: 'dependabot[bot]', created_time: T('2024-02-21T00:00:00Z'), closed_time: T('2024-02-22T00:00:00Z') },
      ],
    });
    await writer.writeRepository('acme/lib', {
      repositories: [{ provider: 'github', url: 'javascript:alert(1)' }],
      // a1 is in acme/app too (a fork shares history): the fleet counts it once.
      commits: [commit('a1', ada, '2024-01-01T03:45:00Z', 330), commit('b2', bob, '2024-05-01T08:00:00Z', 120)],
      commit_files: [change('b2', 'lib/index.ts')],
      ownership: [owns('lib/index.ts', bob, 100)],
    });
    await writer.finalize();
    await writer.close();
    dataset = await openDataset(tmp.path);
    data = await collectReportData(dataset, { generatedTime: 0 });
  });

  afterAll(async () => {
    await dataset?.close();
    await tmp?.cleanup();
  });

  const repo = (name: string) => data.repositories.find((r) => r.name === name)!;
  const authorName = (i: number) => data.authors[i]!.name;

  it('counts commits per month per repository, and distinct commits for the fleet; bots left out', () => {
    expect(dense(repo('acme/app').commitsPerMonth)).toEqual(new Map([[2024 * 12, 2], [2024 * 12 + 1, 1], [2024 * 12 + 2, 1]]));
    expect(dense(repo('acme/lib').commitsPerMonth)).toEqual(new Map([[2024 * 12, 1], [2024 * 12 + 4, 1]]));
    // a1 is in both repositories: once for the fleet.
    expect(dense(data.fleet.commitsPerMonth)).toEqual(new Map([[2024 * 12, 2], [2024 * 12 + 1, 1], [2024 * 12 + 2, 1], [2024 * 12 + 4, 1]]));
    expect(data.totals).toMatchObject({ repositories: 2, commits: 5, merges: 1, botCommits: 1, authors: 2, bots: 1 });
    expect(repo('acme/app').stats).toMatchObject({ commits: 4, merges: 1, authors: 2, botCommits: 1, branches: 1, lines: 165, files: 5 });
  });

  it("puts each commit in its author's own weekday and hour", () => {
    const cells = (h: number[]) => Object.fromEntries(h.flatMap((n, i) => (n ? [[i, n]] : [])));
    // a1 Monday 09 (+05:30), a2 Sunday 19 (-08:00), a3 Saturday 13 (+01:00), a4 Sunday 23 (UTC).
    expect(cells(repo('acme/app').heatmap)).toEqual({ [0 * 24 + 9]: 1, [6 * 24 + 19]: 1, [5 * 24 + 13]: 1, [6 * 24 + 23]: 1 });
    expect(cells(data.fleet.heatmap)).toEqual({ 9: 1, [6 * 24 + 19]: 1, [5 * 24 + 13]: 1, [6 * 24 + 23]: 1, [2 * 24 + 10]: 1 });
  });

  it('merges identities and counts surviving lines; the bus factor equals the named query', async () => {
    const app = repo('acme/app');
    // A tie (2 commits each) is broken by the author id, as in the named queries.
    expect(app.authorsByCommits.map(([a, n]) => [authorName(a), n]).sort()).toEqual([['Ada', 2], ['Bob', 2]]);
    // Ada 80 lines (60 + 20 under her other name), Bob 45; the bot's 40 are left out of ownership.
    expect(app.authorsByLines.map(([a, n]) => [authorName(a), n])).toEqual([['Ada', 80], ['Bob', 45]]);
    expect(app.stats.ownedLines).toBe(125);
    const named = await dataset.named<{ repository: string; bus_factor: number; owners: string[] }>('bus-factor');
    for (const row of named) {
      const r = repo(row.repository);
      expect(r.stats.busFactor).toBe(row.bus_factor);
      expect(r.owners.map(authorName)).toEqual(row.owners);
    }
    const top = await dataset.named<{ name: string; commits: number; lines: number }>('top-authors');
    expect(data.fleet.authors.map((a) => [authorName(a.author), a.commits, a.lines])).toEqual(top.map((t) => [t.name, t.commits, t.lines]));
  });

  it('ranks hotspots as the hotspots named query does', async () => {
    const named = await dataset.named<{ repository: string; path: string; changes: number; authors: number; churn: number }>('hotspots', { limit: 100 });
    const fleet = data.fleet.hotspots.map(([r, path, changes, authors, churn]) => ({ repository: data.repositories[r]!.name, path, changes, authors, churn }));
    expect(fleet).toEqual(named.map(({ repository, path, changes, authors, churn }) => ({ repository, path, changes, authors, churn })));
    // Merges left out: src/app.ts has 3 changes (a1, a2, a3), by 2 authors.
    expect(repo('acme/app').hotspots[0]).toEqual([-1, 'src/app.ts', 3, 2, 9, T('2024-02-10T12:00:00Z')]);
  });

  it('maps file extensions and names to languages, measured in surviving lines', () => {
    const langs = (amounts: ReportData['fleet']['languages']) => Object.fromEntries(amounts.map(([l, n, files]) => [data.languages[l]!.name, [n, files]]));
    // Every line counts here, bots' too: this measures the code, not the people.
    expect(langs(repo('acme/app').languages)).toEqual({ TypeScript: [110, 2], Makefile: [10, 1], '.xyz': [5, 1], JSON: [40, 1] });
    expect(langs(data.fleet.languages)).toEqual({ TypeScript: [210, 3], Makefile: [10, 1], '.xyz': [5, 1], JSON: [40, 1] });
    expect(data.options.languageMeasure).toBe('lines');
  });

  it('counts pull requests opened, closed and merged per month, bots left out', () => {
    const prs = repo('acme/app').pullRequests!;
    expect(prs).toEqual({ start: 2024 * 12, opened: [1, 1], closed: [0, 1], merged: [0, 1], total: 2, open: 1 });
    expect(repo('acme/app').issues).toBeNull();
    expect(repo('acme/lib').pullRequests).toBeNull();
  });

  it('includes bots when asked', async () => {
    const all = await collectReportData(dataset, { includeBots: true, generatedTime: 0 });
    expect(all.totals.commits).toBe(6);
    expect(all.totals.botCommits).toBe(0);
    expect(all.repositories.find((r) => r.name === 'acme/app')!.pullRequests!.total).toBe(3);
  });

  it('keeps only http(s) URLs and the latest commits with their subject line', () => {
    expect(repo('acme/app').info.url).toBe('https://github.com/acme/app');
    expect(repo('acme/lib').info.url).toBeNull();
    expect(repo('acme/app').recentCommits.map(([sha, , a, subject]) => [sha, authorName(a), subject])).toEqual([
      ['a4', 'Bob', 'subject of a4'],
      ['a3', 'Ada', 'subject of a3'],
      ['a1', 'Ada', 'subject of a1'],
      ['a2', 'Bob', 'subject of a2'],
    ]);
  });
});

describe('a generated fleet, against the raw rows', () => {
  let tmp: TempDir;
  let facts: FleetDatasetFacts;
  let dataset: Dataset;
  let data: ReportData;

  beforeAll(async () => {
    tmp = await createTempDir('gitfleet-report-');
    facts = await generateFleetDataset(tmp.path, { repositories: 7, commits: 2500, seed: 3 });
    dataset = await openDataset(tmp.path);
    data = await collectReportData(dataset, { includeBots: true });
  });

  afterAll(async () => {
    await dataset?.close();
    await tmp?.cleanup();
  });

  it('every repository: commits per month and the local-time heatmap equal the counts from its commits', async () => {
    const rows = await dataset.query<{ repository: string; sha: string; author_time: number; author_tz_offset: number }>('SELECT repository, sha, author_time, author_tz_offset FROM commits');
    expect(rows.length).toBe(facts.commits);
    expect(new Set(rows.map((r) => r.author_tz_offset)).size).toBeGreaterThan(5);
    for (const section of data.repositories) {
      const mine = rows.filter((r) => r.repository === section.name);
      const months = new Map<number, number>();
      const cells = new Array<number>(168).fill(0);
      for (const r of mine) {
        months.set(monthOf(r.author_time), (months.get(monthOf(r.author_time)) ?? 0) + 1);
        cells[cellOf(r.author_time, r.author_tz_offset)]!++;
      }
      expect(dense(section.commitsPerMonth), section.name).toEqual(new Map([...months].sort((a, b) => a[0] - b[0])));
      expect(section.heatmap, section.name).toEqual(cells);
      expect(section.stats.commits).toBe(mine.length);
    }
  });

  it('the HTML grows with the repositories, not with the commits: aggregates, not rows', async () => {
    const more = await createTempDir('gitfleet-report-');
    try {
      await generateFleetDataset(more.path, { repositories: 7, commits: 25_000, seed: 3 });
      const [small, large] = [await renderReport(dataset), await renderReport(more.path)];
      // Ten times the commits; the report grows by far less (more files, longer series), not tenfold.
      expect(large.length / small.length).toBeLessThan(1.6);
    } finally {
      await more.cleanup();
    }
  }, 240_000);
});
