import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatasetWriter } from '@gitfleet/dataset';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { launchBrowser, type Browser, type RecordedPage } from '@gitfleet/test-kit/browser';
import { generateFleetDataset, type FleetDatasetFacts } from '@gitfleet/test-kit/fleet-dataset';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport, type ReportData } from '../src/index.js';

// The report as a user sees it: the generated file opened from file:// in headless Chromium (the
// Debian package, driven by playwright-core). Marks are counted in each chart's SVG: Plot puts
// every mark's elements in a <g aria-label="bar|rect|cell|dot">.

let tmp: TempDir;
let facts: FleetDatasetFacts;
let file: string;
let data: ReportData;
let browser: Browser;
let opened: RecordedPage;
let page: Page;

beforeAll(async () => {
  tmp = await createTempDir('gitfleet-report-browser-');
  facts = await generateFleetDataset(join(tmp.path, 'data'), { repositories: 9, commits: 3000, hostile: true, failed: 1 });
  file = join(tmp.path, 'report.html');
  await writeReport(facts.dir, file, { title: 'Acme fleet' });
  const html = await readFile(file, 'utf8');
  data = JSON.parse(/<script type="application\/json" id="gitfleet-report-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
  browser = await launchBrowser();
  opened = await browser.open(file);
  page = opened.page;
  await page.waitForSelector('html[data-ready]');
});

afterAll(async () => {
  await browser?.close();
  await tmp?.cleanup();
});

/** Marks of one kind in a chart's SVG. */
const marks = (chart: string, kind: 'bar' | 'rect' | 'cell' | 'dot') =>
  page.locator(`[data-chart="${chart}"] svg g[aria-label="${kind}"] > *`).count();

/** The rows of a table, each as its cells' text. */
const rows = (table: string) =>
  page.$$eval(`table[data-table="${table}"] tbody tr:not(.extra)`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));

async function navigate(action: () => Promise<unknown>, view: 'fleet' | 'repository'): Promise<void> {
  const before = await page.evaluate(() => document.documentElement.dataset['ready']);
  await action();
  await page.waitForFunction((b) => document.documentElement.dataset['ready'] !== b, before);
  expect(await page.evaluate(() => document.documentElement.dataset['view'])).toBe(view);
}

describe('the fleet view', () => {
  it('opens from file:// with no console error and no request beyond the file itself', () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
  });

  it('draws every chart with its data: one mark per month, author, file, language, heatmap cell', async () => {
    const f = data.fleet;
    const top = data.options.top;
    const months = f.commitsPerMonth.counts.length;
    expect(months).toBeGreaterThan(12);
    expect(await marks('fleet-commits-month', 'rect')).toBe(months);
    // 9 repositories: the 10 most active are stacked one by one, so one rect per repository and month.
    const span = (() => {
      const repos = data.repositories.filter((r) => r.commitsPerMonth.counts.length > 0);
      const start = Math.min(...repos.map((r) => r.commitsPerMonth.start));
      return { length: Math.max(...repos.map((r) => r.commitsPerMonth.start + r.commitsPerMonth.counts.length)) - start, repos: repos.length };
    })();
    expect(await marks('fleet-commits-month-by-repository', 'rect')).toBe(span.length * span.repos);
    expect(await marks('fleet-authors-commits', 'bar')).toBe(Math.min(top, f.authors.filter((a) => a.commits > 0).length));
    expect(await marks('fleet-authors-lines', 'bar')).toBe(Math.min(top, f.authors.filter((a) => a.lines > 0).length));
    expect(await marks('fleet-bus-factor', 'bar')).toBe(data.repositories.filter((r) => r.stats.busFactor !== null).length);
    expect(await marks('fleet-hotspots-changes', 'bar')).toBe(top);
    expect(await marks('fleet-hotspots-authors', 'bar')).toBe(top);
    expect(await marks('fleet-heatmap', 'cell')).toBe(168);
    expect(await marks('fleet-languages', 'bar')).toBe(f.languages.length);
    expect(await marks('fleet-pull-requests', 'dot')).toBe(3 * f.pullRequests!.opened.length);
    expect(await marks('fleet-issues', 'dot')).toBe(2 * f.issues!.opened.length);
    // Every chart of the view drew something, and none is the "no data" placeholder.
    const charts = await page.$$eval('.view figure.chart', (figures) => figures.map((f) => ({ id: f.getAttribute('data-chart'), empty: f.hasAttribute('data-empty'), svgs: f.querySelectorAll('svg').length })));
    expect(charts.length).toBe(11);
    for (const chart of charts) expect(chart, chart.id!).toMatchObject({ empty: false, svgs: expect.any(Number) });
    for (const chart of charts) expect(chart.svgs, chart.id!).toBeGreaterThan(0);
  });

  it('draws the bar lengths from the data: the longest author bar is the top committer', async () => {
    const widths = await page.$$eval('[data-chart="fleet-authors-commits"] svg g[aria-label="bar"] > rect', (rects) => rects.map((r) => Number(r.getAttribute('width'))));
    const commits = [...data.fleet.authors].sort((a, b) => b.commits - a.commits).slice(0, widths.length).map((a) => a.commits);
    // Bars are proportional to the counts (same scale), within a pixel of rounding.
    const scale = widths[0]! / commits[0]!;
    widths.forEach((w, i) => expect(Math.abs(w - commits[i]! * scale)).toBeLessThan(1.5));
  });

  it('sorts a table by a column, both ways', async () => {
    const commitsOf = async () => (await rows('repositories')).map((r) => Number(r[1]!.replaceAll(',', '')));
    const expected = data.repositories.map((r) => r.stats.commits).sort((a, b) => b - a);
    expect(await commitsOf()).toEqual(expected); // sorted by commits, most first, to begin with
    await page.click('table[data-table="repositories"] th:nth-child(2) button');
    expect(await commitsOf()).toEqual([...expected].reverse());
    await page.click('table[data-table="repositories"] th:nth-child(1) button');
    const names = (await rows('repositories')).map((r) => r[0]);
    expect(names).toEqual([...names].sort((a, b) => new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare(a!, b!)));
    expect(await page.getAttribute('table[data-table="repositories"] th:nth-child(1)', 'aria-sort')).toBe('ascending');
  });

  it('filters a table as you type', async () => {
    const before = (await rows('authors')).length;
    const someone = data.authors[data.fleet.authors[3]!.author]!.name;
    await page.fill('input[aria-label="Filter Authors"]', someone);
    const after = await rows('authors');
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).toBeLessThan(before);
    for (const row of after) expect(row.join(' ').toLowerCase()).toContain(someone.toLowerCase());
    await page.fill('input[aria-label="Filter Authors"]', '');
    expect((await rows('authors')).length).toBe(before);
  });

  it('renders hostile names, paths, messages and URLs as text: nothing runs, nothing loads', async () => {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    // The name is shown as written, in the table and in the charts' SVG text.
    await page.fill('input[aria-label="Filter Authors"]', 'onerror');
    expect((await rows('authors'))[0]![0]).toBe(facts.hostile.author);
    await page.fill('input[aria-label="Filter Authors"]', '');
    expect(await page.locator('[data-chart="fleet-authors-commits"] svg text', { hasText: '<img src=x' }).count()).toBeGreaterThan(0);
    await page.fill('input[aria-label="Filter Churn hotspots"]', '</script>');
    expect((await rows('hotspots')).map((r) => r[1])).toContain(facts.hostile.path);
    await page.fill('input[aria-label="Filter Churn hotspots"]', '');
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
  });

  it('switches to the dark theme and back, redrawing the charts in its colours', async () => {
    const look = () =>
      page.evaluate(() => ({
        theme: document.documentElement.dataset['theme'],
        background: getComputedStyle(document.body).backgroundColor,
        accent: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
        // A constant fill is set on the mark's group.
        bar: document.querySelector('[data-chart="fleet-commits-month"] g[aria-label="rect"]')?.getAttribute('fill'),
      }));
    const light = await look();
    expect(light.theme).toBe('light');
    expect(light.bar).toBe(light.accent);
    await page.click('#theme-toggle');
    const dark = await look();
    expect(dark.theme).toBe('dark');
    expect(dark.background).not.toBe(light.background);
    expect(dark.bar).toBe(dark.accent);
    expect(dark.accent).not.toBe(light.accent);
    expect(await marks('fleet-heatmap', 'cell')).toBe(168);
    await page.click('#theme-toggle');
    expect((await look()).theme).toBe('light');
  });

  it('prints: no controls, every table row, light colours', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      const state = await page.evaluate(() => ({
        filter: getComputedStyle(document.querySelector('.filter')!).display,
        toggle: getComputedStyle(document.querySelector('#theme-toggle')!).display,
        extra: [...document.querySelectorAll('table[data-table="authors"] tr.extra')].map((tr) => getComputedStyle(tr).display),
        background: getComputedStyle(document.body).backgroundColor,
      }));
      expect(state.filter).toBe('none');
      expect(state.toggle).toBe('none');
      expect(state.extra.length).toBeGreaterThan(0);
      expect(new Set(state.extra)).toEqual(new Set(['table-row']));
      expect(state.background).toBe('rgb(255, 255, 255)');
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });
});

describe('drill-down', () => {
  it('a click on a repository opens its view with its own charts; "Fleet" comes back', async () => {
    const target = [...data.repositories].sort((a, b) => b.stats.commits - a.stats.commits)[0]!;
    await navigate(() => page.click(`table[data-table="repositories"] a.repo-link[data-repository="${target.name}"]`), 'repository');
    expect(await page.textContent('.crumbs')).toContain(target.name);
    expect(await page.getAttribute('.view', 'data-repository')).toBe(target.name);
    expect(await marks('repo-commits-month', 'rect')).toBe(target.commitsPerMonth.counts.length);
    expect(await marks('repo-authors-commits', 'bar')).toBe(target.authorsByCommits.length);
    expect(await marks('repo-authors-lines', 'bar')).toBe(target.authorsByLines.length);
    expect(await marks('repo-ownership', 'bar')).toBe(target.authorsByLines.length);
    // The bus-factor owners are the red bars.
    const fills = await page.$$eval('[data-chart="repo-ownership"] g[aria-label="bar"] > rect', (r) => r.map((e) => e.getAttribute('fill')));
    expect(new Set(fills.slice(0, target.owners.length)).size).toBe(1);
    expect(fills[target.owners.length]).not.toBe(fills[0]);
    expect(await marks('repo-heatmap', 'cell')).toBe(168);
    expect(await marks('repo-languages', 'bar')).toBe(target.languages.length);
    expect((await rows('recent-commits')).length).toBe(target.recentCommits.length);
    expect(await page.$$eval('.view figure.chart[data-empty]', (e) => e.length)).toBe(0);
    await navigate(() => page.click('.crumbs a.back'), 'fleet');
    expect(opened.errors).toEqual([]);
  });

  it('a repository with a hostile name and description opens too, and shows them as text', async () => {
    await navigate(() => page.click(`a.repo-link[data-repository="${facts.hostile.repository.replaceAll('"', '\\"')}"]`), 'repository');
    expect(await page.textContent('.crumbs')).toContain(facts.hostile.repository);
    expect(await page.textContent('.about .description')).toBe(facts.hostile.description);
    expect(await page.locator('.about a').count()).toBe(0); // its javascript: URL was dropped
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await navigate(() => page.goBack(), 'fleet');
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
  });
});

describe('one repository', () => {
  it('opens straight at the repository view, with no fleet to go back to', async () => {
    const dir = join(tmp.path, 'single');
    const writer = await openDatasetWriter(dir);
    const who = { author_name: 'Solo', author_email: 'solo@example.org', committer_name: 'Solo', committer_email: 'solo@example.org' };
    await writer.writeRepository('/home/solo/project', {
      commits: Array.from({ length: 30 }, (_, i) => ({ sha: `${i}`.padStart(40, '0'), parents: [], message: `change ${i}`, ...who, author_time: 1_700_000_000 + i * 86_400 * 5, author_tz_offset: -300, committer_time: 1_700_000_000 + i * 86_400 * 5, committer_tz_offset: -300, additions: 3, deletions: 1, files_changed: 1 })),
      commit_files: Array.from({ length: 30 }, (_, i) => ({ sha: `${i}`.padStart(40, '0'), path: `src/file${i % 4}.py`, status: 'M', additions: 3, deletions: 1 })),
      ownership: [{ path: 'src/file0.py', author_name: 'Solo', author_email: 'solo@example.org', lines: 120 }],
      // Pull requests all in one month: a line per kind of one point each (Plot warned of the implicit z then).
      pull_requests: [{ number: 1, title: 'one', state: 'merged', created_time: 1_700_000_000, closed_time: 1_700_010_000, merged_time: 1_700_010_000 }],
    });
    await writer.finalize();
    await writer.close();
    const single = join(tmp.path, 'single.html');
    await writeReport(dir, single);
    // The theme chosen with the toggle is remembered (for every report file); forget it, to see the default.
    await page.evaluate(() => localStorage.removeItem('gitfleet-report-theme'));
    const one = await browser.open(single, { colorScheme: 'dark' });
    await one.page.waitForSelector('html[data-ready]');
    expect(await one.page.evaluate(() => document.documentElement.dataset['view'])).toBe('repository');
    expect(await one.page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark'); // follows the system's preference
    expect(await one.page.textContent('h1')).toBe('/home/solo/project');
    expect(await one.page.locator('.crumbs a').count()).toBe(0);
    expect(await one.page.locator('[data-chart="repo-commits-month"] svg g[aria-label="rect"] > rect').count()).toBeGreaterThan(4);
    expect(await one.page.locator('[data-chart="repo-ownership"] svg g[aria-label="bar"] > rect').count()).toBe(1);
    expect(await one.page.locator('[data-chart="repo-pull-requests"] svg g[aria-label="dot"] > *').count()).toBe(3);
    expect(one.errors).toEqual([]);
    expect(one.requests).toEqual([one.url]);
    await one.page.close();
  });
});
