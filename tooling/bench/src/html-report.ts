/**
 * HTML report benchmark (`node dist/html-report.js`, part of `pnpm bench`): the report of a
 * generated 40-repository fleet (50,000 commits, people in 16 time zones, bots, pull requests and
 * issues, ownership), written by `gitfleet report` in a fresh process (target <= 3 s) and
 * in-process; its first render in headless Chromium (target <= 2 s); and the size of the report of
 * a 1,000-repository fleet (target < 10 MB). Writes BENCHMARKS-report.md (a quick run, BENCH_QUICK=1:
 * .bench-work/quick, with smaller fleets).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeReport } from '@gitfleet/report';
import { launchBrowser, type Browser } from '@gitfleet/test-kit/browser';
import { generateFleetDataset } from '@gitfleet/test-kit/fleet-dataset';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/gitfleet.js', import.meta.url));
const WORK = fileURLToPath(new URL('../../../.bench-work/report/', import.meta.url));
const quick = process.env['BENCH_QUICK'] === '1';
const FLEET = { repositories: 40, commits: quick ? 10_000 : 50_000 };
const LARGE = { repositories: quick ? 200 : 1000, commits: quick ? 20_000 : 100_000 };
const RUNS = quick ? 3 : 7;
const cores = availableParallelism();

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

interface CliRun {
  wallMs: number;
  /** User + system CPU time of the process (GNU time), or NaN without /usr/bin/time. */
  cpuMs: number;
}

/** `gitfleet report` in a fresh process: what a user waits for, and the CPU it takes (the machine is shared). */
async function cliReport(data: string, file: string): Promise<CliRun> {
  const gnuTime = existsSync('/usr/bin/time');
  const argv = [process.execPath, CLI, 'report', '--data', data, '-o', file];
  const [result, wallMs] = await timed(() =>
    gnuTime ? promisify(execFile)('/usr/bin/time', ['-f', 'cpu %U %S', ...argv], { env: { ...process.env, CI: 'true' } }) : promisify(execFile)(argv[0]!, argv.slice(1), { env: { ...process.env, CI: 'true' } }),
  );
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  return { wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN };
}

interface Render {
  /** From navigation start to the first view drawn, as the page measures it. */
  pageMs: number;
  /** From `goto` to the first view drawn, as the test harness sees it. */
  wallMs: number;
  charts: number;
  marks: number;
}

/** Open the report in a fresh page and wait for the first view. */
async function firstRender(browser: Browser, file: string): Promise<Render> {
  const start = performance.now();
  const { page, errors, requests, url } = await browser.open(file);
  await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
  const wallMs = performance.now() - start;
  const facts = {
    pageMs: Number(await page.getAttribute('html', 'data-render-ms')),
    charts: await page.locator('figure.chart:has(svg)').count(),
    marks: await page.locator('figure.chart svg g[aria-label] > *').count(), // legends' swatches included
  };
  if (errors.length > 0) throw new Error(`console errors: ${errors.join('\n')}`);
  if (requests.length !== 1 || requests[0] !== url) throw new Error(`requests beyond the file: ${requests.join(', ')}`);
  await page.close();
  return { ...facts, wallMs };
}

/** The generated datasets are kept under .bench-work/report (keyed by their parameters): a rerun measures at once. */
async function dataset(name: string, options: { repositories: number; commits: number; seed: number; failed?: number }): Promise<{ dir: string; commits: number; repositories: number; generateMs: number | null }> {
  const dir = join(WORK, `${name}-${String(options.repositories)}-${String(options.commits)}-${String(options.seed)}`);
  if (existsSync(join(dir, 'fleet.duckdb'))) return { dir, commits: options.commits, repositories: options.repositories, generateMs: null };
  await rm(dir, { recursive: true, force: true });
  log(`report bench: generating ${String(options.repositories)} repositories, ${String(options.commits)} commits`);
  const [facts, generateMs] = await timed(() => generateFleetDataset(dir, options));
  return { dir, commits: facts.commits, repositories: facts.repositories.length, generateMs };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-report-'));
  const browser = await launchBrowser();
  try {
    const fleet = await dataset('fleet', { ...FLEET, seed: 40, failed: 1 });
    const file = join(work, 'fleet.html');

    // In-process, with the event-loop delay and the memory it takes.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    await writeReport(fleet.dir, file); // warm-up: DuckDB, Linguist's data
    lag.enable();
    const inProcess: number[] = [];
    for (let i = 0; i < RUNS; i++) inProcess.push((await timed(() => writeReport(fleet.dir, file)))[1]);
    lag.disable();
    clearInterval(rssTimer);

    const runs: CliRun[] = [];
    const loads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      loads.push(loadavg()[0]!);
      runs.push(await cliReport(fleet.dir, file));
    }
    const cli = runs.map((r) => r.wallMs);
    const size = (await stat(file)).size;
    const renders: Render[] = [];
    for (let i = 0; i < RUNS; i++) renders.push(await firstRender(browser, file));
    log(`report bench: fleet report ${round(median(cli), 0)} ms (cli), first render ${round(median(renders.map((r) => r.pageMs)), 0)} ms`);

    const large = await dataset('large', { ...LARGE, seed: 1000 });
    const largeFile = join(work, 'large.html');
    const largeCli = (await cliReport(large.dir, largeFile)).wallMs;
    const largeSize = (await stat(largeFile)).size;
    const largeRender = await firstRender(browser, largeFile);
    log(`report bench: ${String(LARGE.repositories)}-repository report ${round(largeSize / 2 ** 20, 2)} MB`);

    const mb = (n: number): string => `${round(n / 2 ** 20, 2)} MB`;
    const rows: ReportRow[] = [
      [`\`gitfleet report\` of ${String(FLEET.repositories)} repositories, ${String(fleet.commits)} commits, fresh process (median of ${String(RUNS)})`, `${round(median(cli) / 1000, 2)} s`, '', '', '<= 3 s'],
      [`first render in headless Chromium: navigation to the fleet view drawn (median of ${String(RUNS)} fresh pages)`, `${round(median(renders.map((r) => r.pageMs)) / 1000, 2)} s`, '', '', '<= 2 s'],
      [`report size, ${String(large.repositories)} repositories (${String(large.commits)} commits)`, mb(largeSize), '', '', '< 10 MB'],
      [`CPU time (user + system) of that process; 1-minute load average during the runs: ${String(round(median(loads), 1))} on ${String(cores)} cores`, `${round(median(runs.map((r) => r.cpuMs)) / 1000, 2)} s`, '', '', 'context'],
      ['the same report in-process (`writeReport`, warm: DuckDB and Linguist loaded)', `${round(median(inProcess), 0)} ms`, '', '', 'context'],
      ['first render as the harness sees it (`goto` to the view drawn)', `${round(median(renders.map((r) => r.wallMs)), 0)} ms`, '', '', 'context'],
      [`charts and SVG marks drawn in the fleet view`, `${String(renders[0]!.charts)} charts, ${String(renders[0]!.marks)} marks`, '', '', 'context'],
      [`fleet report size (${String(FLEET.repositories)} repositories)`, mb(size), '', '', 'context'],
      [`\`gitfleet report\` of ${String(large.repositories)} repositories, fresh process`, `${round(largeCli / 1000, 2)} s`, '', '', 'context'],
      [`first render of the ${String(large.repositories)}-repository report`, `${round(largeRender.pageMs / 1000, 2)} s`, '', '', 'context'],
      ['event-loop delay p99 while writing reports in-process', `${round(lag.percentile(99) / 1e6, 1)} ms`, '', '', 'context'],
      ['peak RSS while writing reports in-process (the generator ran before)', `${round(peakRss / 2 ** 20, 0)} MB`, '', '', 'context'],

    ];
    await writeSideBySideReport('report', 'HTML report benchmark', [
      'Generated by `pnpm bench` (`tooling/bench/src/html-report.ts`). Datasets are written by the test kit\'s',
      '`generateFleetDataset` through `@gitfleet/dataset`\'s writer: 40 repositories of mixed sizes (a few large, many',
      `small; ${String(fleet.commits)} commits, people in 16 time zones, bots, merges, ownership, pull requests and issues in a`,
      `third of them, one failed repository), and ${String(large.repositories)} repositories with ${String(large.commits)} commits for the size.`,
      'The datasets are generated once and kept in `.bench-work/report`.',
      '`gitfleet report --data <dir> -o <file>` runs in a fresh process (Node start, DuckDB, the SQL, the HTML); the first',
      "render is read from the page (`performance.now()` when the fleet view is drawn) in headless Chromium (Debian's",
      'package, playwright-core), a fresh page each time, checked for no console error and no request beyond the file.',
      'There is no baseline: the targets are absolute.',
    ], rows);
  } finally {
    await browser.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
