import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBareClone, createTempDir, createTrickyRepo, generateLargeRepo, gitText, startGitHttpServer, type GitHttpServer, type LargeRepo, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { launchBrowser, type Browser } from '@gitfleet/test-kit/browser';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, text } from './cli.js';

// The whole path a user takes: `gitfleet mine` of real repositories (two local ones, and one on
// the test kit's forge with its pull requests and issues), `gitfleet report`, then the file opened
// in headless Chromium. The report's numbers are checked against the git CLI.

const TOKEN = 'ghp_reportAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const GIT_TOKEN = 'report-git-token-7';

let root: TempDir;
let generated: LargeRepo;
let tricky: TrickyRepo;
let gitServer: GitHttpServer;
let forge: ForgeServer;
let browser: Browser;
let data: string;

interface Section {
  name: string;
  stats: { commits: number };
  commitsPerMonth: { start: number; counts: number[] };
  heatmap: number[];
  pullRequests: { total: number; opened: number[] } | null;
  issues: { total: number } | null;
}
interface Embedded {
  title: string;
  totals: { repositories: number; commits: number; pullRequests: number; issues: number };
  repositories: Section[];
  fleet: { commitsPerMonth: { counts: number[] } };
}

const embedded = async (file: string): Promise<Embedded> =>
  JSON.parse(/<script type="application\/json" id="gitfleet-report-data">([\s\S]*?)<\/script>/.exec(await readFile(file, 'utf8'))![1]!) as Embedded;

const env = (): Record<string, string> => ({
  GITHUB_API_URL: forge.githubUrl,
  GITHUB_TOKENS: TOKEN,
  GITHUB_TOKEN: '',
  GH_TOKEN: '',
  GITFLEET_GIT_TOKEN: GIT_TOKEN,
  GITFLEET_GIT_HOST: `127.0.0.1:${String(gitServer.port)}`,
  GITFLEET_CACHE_DIR: join(root.path, 'cache'),
  GITFLEET_CREDENTIALS_FILE: join(root.path, 'no-credentials.enc'),
});

/** What git says of a repository's commits: UTC month of each, and ISO weekday + hour in the author's own zone. */
async function gitFacts(dir: string): Promise<{ count: number; months: Map<number, number>; cells: number[] }> {
  const out = await gitText(dir, ['log', '--branches', '--format=%at %ad', '--date=format:%u %H']);
  const months = new Map<number, number>();
  const cells = new Array<number>(168).fill(0);
  const lines = out.trim().split('\n');
  for (const line of lines) {
    const [at, weekday, hour] = line.split(' ').map(Number) as [number, number, number];
    const d = new Date(at * 1000);
    const month = d.getUTCFullYear() * 12 + d.getUTCMonth();
    months.set(month, (months.get(month) ?? 0) + 1);
    cells[(weekday - 1) * 24 + hour]!++;
  }
  return { count: lines.length, months, cells };
}

const dense = (s: { start: number; counts: number[] }) => new Map(s.counts.map((n, i) => [s.start + i, n] as const).filter(([, n]) => n > 0));

beforeAll(async () => {
  root = await createTempDir('gitfleet-e2e-report-');
  generated = await generateLargeRepo({ commits: 400, files: 60, authors: 7, seed: 11, mergeEvery: 25, renameEvery: 50 });
  tricky = await createTrickyRepo();
  await using served = await generateLargeRepo({ commits: 120, files: 20, authors: 4, seed: 12 });
  await createBareClone(served.path, { dir: join(root.path, 'srv', 'acme', 'svc.git') });
  gitServer = await startGitHttpServer({ root: join(root.path, 'srv'), token: GIT_TOKEN });
  forge = await startForgeServer({
    webUrl: gitServer.url('').replace(/\/$/, ''),
    seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: [{ owner: 'acme', name: 'svc', pulls: 14, issues: 9 }] },
    identities: [{ token: TOKEN, login: 'alice' }],
  });
  browser = await launchBrowser();
  data = join(root.path, 'data');
  const mined = await runCli(['mine', generated.path, tricky.path, 'github:acme', '--out', data, '--with', 'prs,issues'], { env: env() });
  expect(mined.code, mined.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([gitServer?.close(), forge?.close()]);
  await Promise.all([generated?.cleanup(), tricky?.cleanup(), root?.cleanup()]);
});

describe('gitfleet report', () => {
  it('renders the mined fleet: numbers equal git, pull requests and issues from the forge, and the page works in Chromium', async () => {
    const file = join(root.path, 'fleet.html');
    const result = await runCli(['report', '--data', data, '-o', file, '--title', 'Acme'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const report = await embedded(file);
    expect(text(result)).toBe(`${file}: 3 repositories, ${report.totals.commits.toLocaleString('en')} commits, ${text(result).split(', ').pop()}`);
    expect(report.title).toBe('Acme');
    expect(report.totals.repositories).toBe(3);

    // Commits per month and the local-time heatmap of each local repository, as git prints them.
    for (const repo of [generated.path, tricky.path]) {
      const section = report.repositories.find((r) => r.name === repo || r.name.endsWith(repo))!;
      expect(section, repo).toBeDefined();
      const git = await gitFacts(repo);
      expect(section.stats.commits, repo).toBe(git.count);
      expect(dense(section.commitsPerMonth), repo).toEqual(new Map([...git.months].sort((a, b) => a[0] - b[0])));
      expect(section.heatmap, repo).toEqual(git.cells);
    }
    const svc = report.repositories.find((r) => r.name === 'acme/svc')!;
    expect(svc.pullRequests!.total).toBe(14);
    expect(svc.issues!.total).toBe(9);

    const opened = await browser.open(file);
    const { page } = opened;
    await page.waitForSelector('html[data-ready]');
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    const count = (chart: string, mark: string) => page.locator(`[data-chart="${chart}"] svg g[aria-label="${mark}"] > *`).count();
    expect(await count('fleet-commits-month', 'rect')).toBe(report.fleet.commitsPerMonth.counts.length);
    expect(await count('fleet-heatmap', 'cell')).toBe(168);
    expect(await count('fleet-pull-requests', 'dot')).toBeGreaterThan(0);
    expect(await count('fleet-issues', 'dot')).toBeGreaterThan(0);
    expect(await count('fleet-authors-commits', 'bar')).toBeGreaterThan(3);
    expect(await count('fleet-languages', 'bar')).toBeGreaterThan(0);
    expect(await page.locator('.view figure.chart[data-empty]').count()).toBe(0);

    // Drill down to acme/svc: its own pull requests.
    await page.click('a.repo-link[data-repository="acme/svc"]');
    await page.waitForSelector('html[data-view="repository"]');
    expect(await page.getAttribute('.view', 'data-repository')).toBe('acme/svc');
    expect(await count('repo-pull-requests', 'dot')).toBe(3 * svc.pullRequests!.opened.length);
    expect(await count('repo-commits-month', 'rect')).toBe(svc.commitsPerMonth.counts.length);
    expect(opened.errors).toEqual([]);
    await page.close();
  });

  it("writes to stdout with -o -, and refuses bad input with one line", async () => {
    const out = await runCli(['report', '--data', data, '-o', '-'], { env: env() });
    expect(out.code, out.stderr).toBe(0);
    expect(text(out).startsWith('<!doctype html>')).toBe(true);
    expect(text(out).trimEnd().endsWith('</html>')).toBe(true);

    const noData = await runCli(['report', '-o', join(root.path, 'x.html')]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data/);
    const missing = await runCli(['report', '--data', join(root.path, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const threshold = await runCli(['report', '--data', data, '--threshold', '3', '-o', join(root.path, 'x.html')]);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('threshold must be a number above 0 and at most 1');
    const wrongOut = await runCli(['analyze', generated.path, '--format', 'html', '--out', join(root.path, 'x')]);
    expect(wrongOut.code).toBe(2);
    expect(wrongOut.stderr).toContain('write the report with -o <file>');
  });
});

describe('gitfleet analyze --format html', () => {
  it('one repository through the same tables: opens at its view, numbers equal git', async () => {
    const file = join(root.path, 'one.html');
    const result = await runCli(['analyze', generated.path, '--format', 'html', '-o', file], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(text(result)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 repository, [\\d,]+ commits, `));
    const report = await embedded(file);
    const git = await gitFacts(generated.path);
    expect(report.repositories).toHaveLength(1);
    expect(report.repositories[0]!.stats.commits).toBe(git.count);
    expect(report.repositories[0]!.heatmap).toEqual(git.cells);

    const opened = await browser.open(file);
    await opened.page.waitForSelector('html[data-ready]');
    expect(await opened.page.getAttribute('html', 'data-view')).toBe('repository');
    expect(await opened.page.locator('[data-chart="repo-heatmap"] svg g[aria-label="cell"] > rect').count()).toBe(168);
    expect(await opened.page.locator('[data-chart="repo-ownership"] svg g[aria-label="bar"] > rect').count()).toBeGreaterThan(0);
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([opened.url]);
    await opened.page.close();
  });
});
