/**
 * Fleet mining benchmark (`node dist/mine.js`, part of `pnpm bench`): a fleet of 40 generated
 * repositories of mixed sizes (50,000 commits in all) served by the test kit's smart-HTTP server on
 * loopback with 20 ms latency and a bandwidth cap, mined by `@gitfleet/mine` against the plain
 * script a user would write (`xargs -P4 git clone`, then per repository `git log --numstat` to a
 * file and `git ls-files | xargs -P<cores> git blame --porcelain`), in one run. Also: the unchanged
 * rerun, peak RSS at 20 and 40 repositories, event-loop lag, and `top-authors` over the dataset.
 * Writes BENCHMARKS-mine.md (a quick run, BENCH_QUICK=1: .bench-work/quick).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openDataset } from '@gitfleet/dataset';
import { mine } from '@gitfleet/mine';
import { createSession } from '@gitfleet/session';
import { createBareClone, generateLargeRepo, startGitHttpServer } from '@gitfleet/test-kit';
import { startLagControl } from './lag-control.js';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const QUICK = process.env['BENCH_QUICK'] === '1';
const REPOS = QUICK ? 8 : 40;
const COMMITS = QUICK ? 2_000 : 50_000;
const LATENCY_MS = 20;
/** Per response: each clone's pack arrives at most this fast. */
const BYTES_PER_SECOND = 4 * 1024 * 1024;
const CLONE_JOBS = 4;
const CORES = availableParallelism();
const TIME = '/usr/bin/time';

interface Spec {
  name: string;
  commits: number;
  files: number;
  seed: number;
}

/** Sizes growing quadratically (a few large repositories, many small), shuffled so every other one is a similar mix. */
function fleetSpec(): Spec[] {
  const weights = Array.from({ length: REPOS }, (_, i) => (i + 1) ** 2);
  const total = weights.reduce((a, b) => a + b, 0);
  const commits = weights.map((w) => Math.max(20, Math.floor((w / total) * COMMITS)));
  commits[REPOS - 1]! += COMMITS - commits.reduce((a, b) => a + b, 0);
  // Interleave small and large: 0, 39, 1, 38, ... so the first 20 (every other) have the fleet's mix.
  const order = Array.from({ length: REPOS }, (_, i) => (i % 2 === 0 ? i / 2 : REPOS - 1 - (i - 1) / 2));
  return order.map((k, i) => ({
    name: `repo-${String(i).padStart(2, '0')}`,
    commits: commits[k]!,
    files: Math.min(400, 20 + Math.floor(commits[k]! / 10)),
    seed: 100 + k,
  }));
}

/** Builds the served fleet once; a later bench run with the same spec reuses it. */
async function buildFleet(srv: string, specs: Spec[]): Promise<void> {
  const manifest = join(srv, 'manifest.json');
  const wanted = JSON.stringify(specs);
  if (existsSync(manifest) && (await readFile(manifest, 'utf8')) === wanted) return;
  await rm(srv, { recursive: true, force: true });
  await mkdir(srv, { recursive: true });
  for (const [i, spec] of specs.entries()) {
    process.stderr.write(`mine bench: generating ${spec.name} (${String(spec.commits)} commits, ${String(spec.files)} files) ${String(i + 1)}/${String(specs.length)}\n`);
    const repo = await generateLargeRepo({ commits: spec.commits, files: spec.files, seed: spec.seed, mergeEvery: 100, renameEvery: 200, binaryEvery: 500 });
    try {
      await createBareClone(repo.path, { dir: join(srv, `${spec.name}.git`) });
    } finally {
      await repo.cleanup();
    }
  }
  await writeFile(manifest, wanted);
}

interface OursResult {
  wallMs: number;
  lagP99Ms: number;
  maxRssMB: number;
  published: number;
  unchanged: number;
  failed: number;
  commits: number;
  /** Peak RSS of the largest process of the tree (a git child, or Node), from GNU time. */
  treeMaxRssMB?: number;
  /** CPU time of the whole process tree (user + sys), from GNU time. */
  treeCpuS?: number;
}

/** Child mode: mine the URLs into `out` and print one JSON line. */
async function runChild(urls: string[], out: string): Promise<void> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const run = mine(urls, { out, cloneJobs: CLONE_JOBS, session: createSession({ cache: false, env: { HOME: process.env['HOME'] ?? '' } }) });
  const summary = await run.summary;
  const wallMs = performance.now() - start;
  lag.disable();
  const result: OursResult = {
    wallMs,
    lagP99Ms: lag.percentile(99) / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    published: summary.published,
    unchanged: summary.unchanged,
    failed: summary.failed,
    commits: summary.rows.commits ?? 0,
  };
  if (summary.failed > 0) process.stderr.write(`${JSON.stringify(summary.results.filter((r) => r.status === 'failed'))}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Child mode: open the dataset and time `top-authors` (first call, then the median of warm calls). */
async function runQueryChild(out: string): Promise<void> {
  const start = performance.now();
  const dataset = await openDataset(out);
  await dataset.named('top-authors');
  const first = performance.now() - start;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await dataset.named('top-authors');
    times.push(performance.now() - t);
  }
  const [{ n } = { n: 0 }] = (await dataset.query('SELECT count(*)::INTEGER AS n FROM commits')) as { n: number }[];
  await dataset.close();
  process.stdout.write(`${JSON.stringify({ firstMs: first, warmMs: median(times), commits: n })}\n`);
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 256 * 1024) stderr += s;
    });
    child.stdin.end(options.input ?? '');
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }));
  });
}

/** GNU time's line: peak RSS (KB) of the largest process, user and sys CPU seconds of the tree. */
const TIME_FORMAT = 'gnutime %M %U %S';
const treeStats = (stderr: string): { treeMaxRssMB: number; treeCpuS: number } | undefined => {
  const m = /^gnutime (\d+) ([\d.]+) ([\d.]+)$/m.exec(stderr);
  return m ? { treeMaxRssMB: Number(m[1]) / 1024, treeCpuS: Number(m[2]) + Number(m[3]) } : undefined;
};

async function runOurs(urls: string[], out: string, cacheDir: string): Promise<OursResult> {
  const argv = [process.execPath, fileURLToPath(import.meta.url), 'child', JSON.stringify(urls), out];
  const [command, ...args] = existsSync(TIME) ? [TIME, '-f', TIME_FORMAT, ...argv] : argv;
  const exit = await run(command!, args, { env: { ...process.env, GITFLEET_CACHE_DIR: cacheDir } });
  const line = exit.stdout.trim().split('\n').pop() ?? '';
  if (exit.code !== 0 || !line.startsWith('{')) throw new Error(`mine run failed (${String(exit.code)}): ${exit.stderr.slice(-2000)}`);
  return { ...(JSON.parse(line) as OursResult), ...treeStats(exit.stderr) };
}

/**
 * The script a user would write: clone 4 at a time, then per repository its log with numstat to a
 * file and every tracked file blamed, <cores> at a time.
 */
function baselineScript(): string {
  return [
    'set -e',
    `xargs -P${String(CLONE_JOBS)} -n1 git clone -q`,
    'for d in */; do',
    '  d=${d%/}',
    '  (cd "$d" && git log --numstat > "../$d.log" && git ls-files -z | xargs -0 -r -n1 -P' + String(CORES) + ' git blame --porcelain > "../$d.blame")',
    'done',
  ].join('\n');
}

interface BaseResult {
  wallMs: number;
  treeMaxRssMB?: number;
  treeCpuS?: number;
}

async function runBaseline(urls: string[], dir: string): Promise<BaseResult> {
  await mkdir(dir, { recursive: true });
  const [command, ...args] = existsSync(TIME) ? [TIME, '-f', TIME_FORMAT, 'sh', '-c', baselineScript()] : ['sh', '-c', baselineScript()];
  const exit = await run(command!, args, { cwd: dir, input: `${urls.join('\n')}\n` });
  if (exit.code !== 0) throw new Error(`baseline failed (${String(exit.code)}): ${exit.stderr.slice(-2000)}`);
  const clones = (await readdir(dir)).filter((n) => !n.includes('.'));
  if (clones.length !== urls.length) throw new Error(`baseline: expected ${String(urls.length)} clones, found ${String(clones.length)}`);
  return { wallMs: exit.ms, ...treeStats(exit.stderr) };
}

async function cliQueryMs(out: string): Promise<number> {
  const cli = join(root, 'apps', 'cli', 'dist', 'gitfleet.js');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const exit = await run(process.execPath, [cli, 'query', '--data', out, '--named', 'top-authors'], { env: { ...process.env, CI: 'true' } });
    if (exit.code !== 0) throw new Error(`gitfleet query failed: ${exit.stderr}`);
    times.push(exit.ms);
  }
  return median(times);
}

async function main(): Promise<void> {
  const repeat = QUICK ? 1 : Number(process.env['BENCH_REPEAT'] ?? 2);
  const work = join(root, '.bench-work', QUICK ? 'mine-quick' : 'mine');
  const srv = join(work, 'srv');
  const specs = fleetSpec();
  await buildFleet(srv, specs);
  const packBytes = (await Promise.all(specs.map(async (s) => dirSize(join(srv, `${s.name}.git`, 'objects', 'pack'))))).reduce((a, b) => a + b, 0);
  await using server = await startGitHttpServer({ root: srv });
  for (const s of specs) server.configure(`${s.name}.git`, { latencyMs: LATENCY_MS, bytesPerSecond: BYTES_PER_SECOND });
  const urls = specs.map((s) => server.url(`${s.name}.git`));
  const half = urls.filter((_, i) => i % 2 === 0);

  const ours: OursResult[] = [];
  const reruns: OursResult[] = [];
  const base: BaseResult[] = [];
  const control = { ours: [] as number[], base: [] as number[] };
  const load = { ours: [] as number[], base: [] as number[] };
  let lastOut = '';
  for (let r = 0; r < repeat; r++) {
    for (const which of r % 2 === 0 ? ['ours', 'base'] : ['base', 'ours']) {
      const dir = join(work, `run-${which}-${String(r)}`);
      await rm(dir, { recursive: true, force: true });
      load[which === 'ours' ? 'ours' : 'base'].push(loadavg()[0]!);
      const idle = startLagControl();
      if (which === 'base') {
        base.push(await runBaseline(urls, dir));
        control.base.push(await idle.stop());
        process.stderr.write(`mine bench: script run ${String(r + 1)}: ${String(round(base.at(-1)!.wallMs / 1000, 1))} s\n`);
      } else {
        const out = join(dir, 'data');
        const cache = join(dir, 'cache');
        const first = await runOurs(urls, out, cache);
        control.ours.push(await idle.stop());
        if (first.failed > 0 || first.published !== REPOS) throw new Error(`mine: ${String(first.failed)} failed, ${String(first.published)} published`);
        ours.push(first);
        const again = await runOurs(urls, out, cache);
        if (again.unchanged !== REPOS) throw new Error(`rerun: ${String(again.unchanged)} unchanged of ${String(REPOS)}`);
        reruns.push(again);
        process.stderr.write(`mine bench: mine run ${String(r + 1)}: ${String(round(first.wallMs / 1000, 1))} s, rerun ${String(round(again.wallMs / 1000, 1))} s, ${String(first.commits)} commits\n`);
        if (lastOut) await rm(join(lastOut, '..'), { recursive: true, force: true });
        lastOut = out;
      }
      if (which === 'base') await rm(dir, { recursive: true, force: true });
    }
  }
  // Peak RSS as the fleet grows: 20 (every other repository, the same mix of sizes) against 40.
  const halfDir = join(work, 'run-half');
  await rm(halfDir, { recursive: true, force: true });
  const halfRun = await runOurs(half, join(halfDir, 'data'), join(halfDir, 'cache'));
  await rm(halfDir, { recursive: true, force: true });
  const query = JSON.parse((await run(process.execPath, [fileURLToPath(import.meta.url), 'query', lastOut])).stdout.trim().split('\n').pop()!) as {
    firstMs: number;
    warmMs: number;
    commits: number;
  };
  const cliMs = await cliQueryMs(lastOut);

  const oursWall = median(ours.map((o) => o.wallMs));
  const baseWall = median(base.map((b) => b.wallMs));
  const rerunWall = median(reruns.map((o) => o.wallMs));
  const rss40 = Math.max(...ours.map((o) => o.maxRssMB));
  const mb = (n: number | undefined): string => (n === undefined ? 'n/a' : `${String(round(n, 0))} MB`);
  const rows: ReportRow[] = [
    [`wall, mine ${String(REPOS)} repositories (clone + history + blame + dataset)`, `${String(round(oursWall / 1000, 1))} s`, `${String(round(baseWall / 1000, 1))} s`, round(oursWall / baseWall, 2), '<= 0.7x'],
    ['wall, unchanged rerun (vs the first run)', `${String(round(rerunWall / 1000, 2))} s`, `${String(round(oursWall / 1000, 1))} s`, round(rerunWall / oursWall, 3), '<= 0.1x'],
    [`peak RSS (Node), ${String(REPOS)} repositories`, mb(rss40), '', '', '<= 400 MB'],
    [`peak RSS (Node), ${String(half.length)} repositories`, mb(halfRun.maxRssMB), '', round(rss40 / halfRun.maxRssMB, 2), 'flat'],
    ['peak RSS of the largest process of the tree (Node or a git child)', mb(Math.max(...ours.map((o) => o.treeMaxRssMB ?? Number.NaN))), mb(Math.max(...base.map((b) => b.treeMaxRssMB ?? Number.NaN))), '', 'context'],
    ['CPU time of the whole process tree (user + sys)', `${String(round(median(ours.map((o) => o.treeCpuS ?? Number.NaN)), 0))} s`, `${String(round(median(base.map((b) => b.treeCpuS ?? Number.NaN)), 0))} s`, round(median(ours.map((o) => o.treeCpuS ?? Number.NaN)) / median(base.map((b) => b.treeCpuS ?? Number.NaN)), 2), 'context'],
    ['event-loop lag p99 (first run)', `${String(round(median(ours.map((o) => o.lagP99Ms)), 1))} ms`, '', '', '<= 50 ms'],
    ['load average (1 min) when the runs started (2 cores; other jobs share the machine)', String(round(median(load.ours), 1)), String(round(median(load.base), 1)), '', 'context'],
    ['lag p99 of an idle Node process meanwhile', `${String(round(median(control.ours), 1))} ms`, `${String(round(median(control.base), 1))} ms`, '', 'context'],
    ['event-loop lag p99 (rerun)', `${String(round(median(reruns.map((o) => o.lagP99Ms)), 1))} ms`, '', '', 'context'],
    [`top-authors over the dataset (${String(query.commits)} commits; median of 30, open dataset)`, `${String(round(query.warmMs, 1))} ms`, '', '', '<= 200 ms'],
    ['top-authors in a fresh process: open the dataset, then the query', `${String(round(query.firstMs, 0))} ms`, '', '', 'context'],
    ['`gitfleet query --named top-authors`, whole command (median of 5)', `${String(round(cliMs, 0))} ms`, '', '', 'context'],
  ];
  await writeSideBySideReport('mine', 'Fleet mining benchmark', [
    'Generated by `pnpm bench` (`tooling/bench/src/mine.ts`). A fleet of ' + String(REPOS) + ' repositories made by `generateLargeRepo`',
    `(sizes growing quadratically from ${String(Math.min(...specs.map((s) => s.commits)))} to ${String(Math.max(...specs.map((s) => s.commits)))} commits, ${String(COMMITS)} commits and ${String(specs.reduce((n, s) => n + s.files, 0))} files in all,`,
    `merges, renames and binary files; ${String(round(packBytes / 2 ** 20, 1))} MB of packs) served by the test kit's smart-HTTP server (\`git http-backend\`)`,
    `on 127.0.0.1 with ${String(LATENCY_MS)} ms latency per request and each response capped at ${String(BYTES_PER_SECOND / 2 ** 20)} MB/s.`,
    '',
    `Ours: \`mine(urls, { out, cloneJobs: ${String(CLONE_JOBS)} })\` of @gitfleet/mine in a fresh Node process (defaults: ${String(CORES)} repositories extracted at once,`,
    `${String(Math.max(2, CORES))} files blamed at once each; bare clones, every commit of every branch with per-file changes (\`--raw --numstat\`, first-parent`,
    'diffs of merges), branches, blame ownership at HEAD, Parquet + `fleet.duckdb`, authors merged). Baseline: the script a user',
    `would write, \`xargs -P${String(CLONE_JOBS)} -n1 git clone -q\` of the same URLs, then per repository \`git log --numstat > <repo>.log\` and`,
    `\`git ls-files -z | xargs -0 -n1 -P${String(CORES)} git blame --porcelain > <repo>.blame\` (text output only: no parsing, no dataset).`,
    `Runs alternate; medians of ${String(repeat)}. The rerun mines the same URLs into the same dataset with nothing changed on the server.`,
    'RSS is the Node process\'s own peak (DuckDB included: it runs in-process); GNU time gives the largest process of each tree.',
  ], rows);
  await rm(join(lastOut, '..'), { recursive: true, force: true });
}

async function dirSize(dir: string): Promise<number> {
  const { stat } = await import('node:fs/promises');
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(join(dir, name))).size;
  return total;
}

if (process.argv[2] === 'child') await runChild(JSON.parse(process.argv[3]!) as string[], process.argv[4]!);
else if (process.argv[2] === 'query') await runQueryChild(process.argv[3]!);
else if (process.argv[2] === 'build') await buildFleet(join(root, '.bench-work', QUICK ? 'mine-quick' : 'mine', 'srv'), fleetSpec());
else await main();
