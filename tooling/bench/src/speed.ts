/**
 * Sharded history and one-pass ownership (`node dist/speed.js`, part of `pnpm bench`), side by side
 * with the git CLI in one run, on the 20k-commit generated repository and on a real repository
 * with long history (issue 14). Writes BENCHMARKS-speed.md (a quick run, BENCH_QUICK=1:
 * .bench-work/quick).
 *
 *   BENCH_REAL_REPO   a local repository or URL to clone (default: /work/.mirror/git+git/repo when
 *                     it exists; none: the real-repository rows are left out, and the report says so)
 *   BENCH_REAL_SAMPLE blame baseline on the real repository: every Nth file of `git ls-files`
 *                     (default 10; 1 = every file). The report states the sample and extrapolation.
 *   BENCH_REPEAT      repetitions of the history rows on the generated repository (default 5; 1 when quick)
 *   BENCH_REAL_REPEAT history pairs on the real repository (default 3)
 *   BENCH_GITINSPECTOR_TIMEOUT_S  gitinspector's time limit per repository (default 600)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureDataset } from './dataset.js';
import type { RunnerResult, ScenarioOptions } from './run-scenario.js';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./run-scenario.js', import.meta.url));
const QUICK = process.env['BENCH_QUICK'] === '1';
const WORK = join(root, '.bench-work', QUICK ? 'speed-quick' : 'speed');
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? (QUICK ? 1 : 5));
/** History pairs on the real repository (about two minutes a pair on git/git). */
const REAL_REPEAT = Number(process.env['BENCH_REAL_REPEAT'] ?? 3);
const SAMPLE = Number(process.env['BENCH_REAL_SAMPLE'] ?? 10);
const INSPECTOR_TIMEOUT_MS = Number(process.env['BENCH_GITINSPECTOR_TIMEOUT_S'] ?? 600) * 1000;
const TIME = '/usr/bin/time';
const TWO = '0,1';
const ONE = '0';

const log = (line: string): void => void process.stderr.write(`speed bench: ${line}\n`);

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs a command pinned to `cpus` (taskset) under GNU time; times it from spawn to exit. */
function run(cpus: string, argv: string[], cwd: string, timeoutMs = 4 * 3600_000): Promise<Exit> {
  const wrapped = ['taskset', '-c', cpus, ...(existsSync(TIME) ? [TIME, '-f', 'maxrss %M'] : []), ...argv];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(wrapped[0]!, wrapped.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout = (stdout + s).slice(-256 * 1024)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-64 * 1024)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - start, timedOut });
    });
  });
}

const treeRss = (stderr: string): number => Number(/^maxrss (\d+)$/m.exec(stderr)?.[1] ?? Number.NaN) / 1024;

/** One "ours" run in a fresh Node process (run-scenario.js). */
async function ours(cpus: string, scenario: string, repo: string, options: ScenarioOptions): Promise<RunnerResult & { treeRssMB: number }> {
  const exit = await run(cpus, [process.execPath, RUNNER, scenario, repo, JSON.stringify(options)], repo);
  const last = exit.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(last || '{"error":"no output"}') as RunnerResult & { error?: string };
  if (exit.code !== 0 || parsed.error) throw new Error(`${scenario}: ${parsed.error ?? exit.stderr.slice(-500)}`);
  return { ...parsed, treeRssMB: treeRss(exit.stderr) };
}

/** A git CLI baseline through `sh -c`. */
async function shell(cpus: string, command: string, repo: string): Promise<{ ms: number; treeRssMB: number }> {
  const exit = await run(cpus, ['sh', '-c', command], repo);
  if (exit.code !== 0) throw new Error(`baseline failed (${String(exit.code)}): ${command}: ${exit.stderr.slice(-500)}`);
  return { ms: exit.ms, treeRssMB: treeRss(exit.stderr) };
}

const HISTORY = 'git log --numstat --diff-merges=first-parent -z HEAD >/dev/null';
const blameOf = (list: string): string => `${list} | xargs -0 -n1 -P2 git blame --porcelain >/dev/null`;

interface RepoFigures {
  label: string;
  commits: number;
  files: number;
  rows: ReportRow[];
  notes: string[];
}

const s = (ms: number): string => `${String(round(ms / 1000, 1))} s`;
const x = (a: number, b: number): number => round(a / b, 2);
const mb = (n: number): string => `${String(round(n, 0))} MB`;

async function gitOut(repo: string, args: string[]): Promise<string> {
  const exit = await run(TWO, ['git', ...args], repo);
  if (exit.code !== 0) throw new Error(`git ${args.join(' ')}: ${exit.stderr}`);
  return exit.stdout;
}

/** Every measurement of one repository. `sample`: blame every Nth file for the baseline. */
async function measureRepo(label: string, repo: string, sample: number, repeat: number, extras: boolean): Promise<RepoFigures> {
  const rows: ReportRow[] = [];
  const notes: string[] = [];
  const commits = Number((await gitOut(repo, ['rev-list', '--count', 'HEAD'])).trim());
  const files = (await gitOut(repo, ['ls-files', '-z'])).split('\0').filter(Boolean);
  log(`${label}: ${String(commits)} commits, ${String(files.length)} files`);

  // History: sharded (auto: on 2 cores) vs one raw git log, at 2 cores and at 1.
  const h = { ours2: [] as number[], base2: [] as number[], single2: [] as number[], ours1: [] as number[], sharded1: [] as number[], base1: [] as number[], rss: [] as number[], lag: [] as number[] };
  for (let r = 0; r < repeat; r++) {
    const all: [string, () => Promise<void>][] = [
      ['history sharded, 2 cores', async () => {
        const o = await ours(TWO, 'history', repo, { engine: 'git', cache: false, files: true });
        h.ours2.push(o.wallMs);
        h.rss.push(o.maxRssMB);
        h.lag.push(o.lagP99Ms);
      }],
      ['git log, 2 cores', async () => void h.base2.push((await shell(TWO, HISTORY, repo)).ms)],
      ['history one process, 2 cores', async () => void h.single2.push((await ours(TWO, 'history', repo, { engine: 'git', cache: false, files: true, shard: false })).wallMs)],
      ['history auto, 1 core', async () => void h.ours1.push((await ours(ONE, 'history', repo, { engine: 'git', cache: false, files: true })).wallMs)],
      ['history sharded (forced), 1 core', async () => void h.sharded1.push((await ours(ONE, 'history', repo, { engine: 'git', cache: false, files: true, shard: { concurrency: 2 } })).wallMs)],
      ['git log, 1 core', async () => void h.base1.push((await shell(ONE, HISTORY, repo)).ms)],
    ];
    // Without extras (the long real repository): the target pair only.
    const steps = extras ? all : all.filter(([name]) => name.endsWith('2 cores') && !name.includes('one process'));
    for (const [name, step] of r % 2 === 0 ? steps : steps.reverse()) {
      log(`${label}: ${name} (load ${String(round(loadavg()[0]!, 1))})`);
      await step();
    }
  }
  const [o2, b2, s2, o1, sh1, b1] = [h.ours2, h.base2, h.single2, h.ours1, h.sharded1, h.base1].map(median) as [number, number, number, number, number, number];
  // The target's ratio: the median of the pairs' ratios (each pair ran back to back, so a drift of
  // the machine's speed during the run moves both sides of a pair alike).
  const pairs = h.ours2.map((o, i) => o / h.base2[i]!);
  rows.push([`${label}: history with per-file stats, sharded (auto), 2 cores`, s(o2), s(b2), round(median(pairs), 2), '<= 0.8x']);
  notes.push(`${label}: history pairs (sharded / git log, 2 cores), in run order: ${h.ours2.map((o, i) => `${s(o)} / ${s(h.base2[i]!)} = ${String(round(pairs[i]!, 2))}`).join('; ')}.`);
  if (extras) rows.push([`${label}: history, one git log process (shard: false), 2 cores`, s(s2), s(b2), x(s2, b2), 'context']);
  if (extras) {
    rows.push([`${label}: history, auto on 1 core (one process)`, s(o1), s(b1), x(o1, b1), 'context']);
    rows.push([`${label}: history, sharded forced on 1 core`, s(sh1), s(b1), x(sh1, b1), 'context']);
  }
  rows.push([`${label}: history peak RSS (Node) / event-loop lag p99, 2 cores`, `${mb(median(h.rss))} / ${String(round(median(h.lag), 1))} ms`, '', '', 'context']);
  if (extras) {
    // wall(c) = A + B / c: two measurements (sharded at 1 and 2 cores) give A and B.
    const B = 2 * (sh1 - o2);
    const A = sh1 - B;
    notes.push(
      `${label}: sharded history scales as wall(c) ≈ A + B/c with A = ${s(A)} (the listing, the parse and the join in Node, which do not shard) and B = ${s(B)} (git's diff work, split over c cores), fitted on the sharded runs at 1 and 2 cores; a single git log took ${s(b1)} at 1 core and ${s(b2)} at 2 (under heavy load from other jobs the fit is noise: a negative B means the 1-core and 2-core runs met different load).`,
    );
  }

  // Ownership: one walk vs git blame of every file (or a sample, extrapolated).
  const sampled = sample > 1 ? files.filter((_, i) => i % sample === 0) : files;
  log(`${label}: ownership walk (load ${String(round(loadavg()[0]!, 1))})`);
  const own = await ours(TWO, 'ownership', repo, { engine: 'git', cache: false });
  log(`${label}: git blame of ${String(sampled.length)} files (load ${String(round(loadavg()[0]!, 1))})`);
  const list = sample > 1 ? `git ls-files -z | awk 'BEGIN{RS="\\0";ORS="\\0"} (NR-1)%${String(sample)}==0'` : 'git ls-files -z';
  const blame = await shell(TWO, blameOf(list), repo);
  const blameAll = sample > 1 ? (blame.ms * files.length) / sampled.length : blame.ms;
  const walk = own.walk as { commits: number; merges: number; blamedFiles: number; peakStates: number; unknown: Record<string, number>; repaired: Record<string, number> };
  rows.push([
    `${label}: ownership of every file at HEAD (one walk) vs \`git ls-files \\| xargs -P2 git blame --porcelain\`${sample > 1 ? ` (sample of ${String(sampled.length)}, extrapolated)` : ''}`,
    s(own.wallMs),
    sample > 1 ? `${s(blameAll)} (${s(blame.ms)} measured)` : s(blameAll),
    x(own.wallMs, blameAll),
    label.startsWith('generated') ? '<= 0.5x' : '<= 0.2x',
  ]);
  rows.push([
    `${label}: ownership walk memory: peak RSS Node / largest process of the tree; commit states alive at once`,
    `${mb(own.maxRssMB)} / ${mb(own.treeRssMB)}; ${String(walk.peakStates)}`,
    `${mb(blame.treeRssMB)} (largest git blame)`,
    '',
    'bounded (measured)',
  ]);
  rows.push([`${label}: ownership event-loop lag p99 / max`, `${String(round(own.lagP99Ms, 1))} / ${String(round(own.lagMaxMs, 0))} ms`, '', '', 'context']);
  notes.push(
    `${label}: the walk replayed ${String(walk.commits)} commits (${String(walk.merges)} merges); files left to git blame: ${String(walk.blamedFiles)}; unknown ${JSON.stringify(walk.unknown)}; repaired by a git diff ${JSON.stringify(walk.repaired)}.`,
  );
  if (sample > 1) {
    notes.push(
      `${label}: the blame baseline ran on every ${String(sample)}th file of \`git ls-files\` (${String(sampled.length)} of ${String(files.length)}, a systematic sample) in ${s(blame.ms)}; the whole-repository figure is that time x ${String(round(files.length / sampled.length, 2))}. Exactness below is measured on the same sample.`,
    );
  }

  // Exactness against git blame (the same files as the baseline).
  log(`${label}: exactness (load ${String(round(loadavg()[0]!, 1))})`);
  const exact = (await ours(TWO, 'exactness', repo, { engine: 'git', cache: false, ...(sample > 1 ? { paths: sampled } : {}) })).exactness!;
  const pct = (n: number, of: number): string => `${String(round((100 * n) / Math.max(1, of), 3))} %`;
  rows.push([
    `${label}: lines attributed to another commit than git blame's (${String(exact.files)} files, ${String(exact.lines)} lines)`,
    `${String(exact.differingLines)} (${pct(exact.differingLines, exact.lines)})`,
    '0',
    '',
    '< 0.1 %',
  ]);
  rows.push([`${label}: lines counted under another author than git blame's`, `${String(exact.authorLinesMoved)} (${pct(exact.authorLinesMoved, exact.lines)})`, '0', '', '< 0.1 %']);
  if (exact.worstFiles.length > 0) notes.push(`${label}: files attributed differently (differing lines): ${exact.worstFiles.map(([p, n]) => `${p} (${String(n)})`).join(', ')}.`);

  // Incremental: the state cached at an older commit, then the new commits only (generated only:
  // on the real repository it would cost another whole walk).
  if (extras) await incremental(label, repo, commits, own, rows);

  // The whole analyze against gitinspector (context).
  log(`${label}: analyze (load ${String(round(loadavg()[0]!, 1))})`);
  const analyze = await ours(TWO, 'analyze', repo, { engine: 'git', cache: false });
  log(`${label}: gitinspector (load ${String(round(loadavg()[0]!, 1))})`);
  const inspector = await gitinspector(repo);
  rows.push([
    `${label}: \`gitfleet analyze\` (history, authors, churn, ownership) vs gitinspector (\`--file-types=** --format=text\`)`,
    s(analyze.wallMs),
    inspector.note,
    Number.isFinite(inspector.ms) ? x(analyze.wallMs, inspector.ms) : inspector.timedOut ? `< ${String(x(analyze.wallMs, INSPECTOR_TIMEOUT_MS))}` : 'n/a',
    'context',
  ]);
  return { label, commits, files: files.length, rows, notes };
}

async function incremental(label: string, repo: string, commits: number, own: RunnerResult, rows: ReportRow[]): Promise<void> {
  const back = Math.min(200, Math.max(1, Math.floor(commits / 100)));
  await mkdir(WORK, { recursive: true });
  const cache = await mkdtemp(join(WORK, 'cache-'));
  try {
    const older = (await gitOut(repo, ['rev-parse', `HEAD~${String(back)}`])).trim();
    await ours(TWO, 'ownership', repo, { engine: 'git', cache, rev: older });
    log(`${label}: incremental ownership (load ${String(round(loadavg()[0]!, 1))})`);
    const inc = await ours(TWO, 'ownership', repo, { engine: 'git', cache });
    const w = inc.walk as { commits: number; continuedFrom: string | null };
    if (w.continuedFrom !== older) throw new Error(`incremental: continued from ${String(w.continuedFrom)}, expected ${older}`);
    if (inc.items !== own.items) throw new Error(`incremental: ${String(inc.items)} lines, the full walk ${String(own.items)}`);
    rows.push([`${label}: ownership after ${String(w.commits)} new commits (cached state of HEAD~${String(back)}) vs the full walk`, s(inc.wallMs), s(own.wallMs), x(inc.wallMs, own.wallMs), 'proportional to the new commits']);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

async function gitinspector(repo: string): Promise<{ ms: number; note: string; timedOut: boolean }> {
  const bin = '/usr/bin/gitinspector';
  if (!existsSync(bin)) return { ms: Number.NaN, note: 'not installed (`apt-get install gitinspector`)', timedOut: false };
  const exit = await run(TWO, [bin, '--file-types=**', '--format=text', repo], repo, INSPECTOR_TIMEOUT_MS);
  if (exit.timedOut) return { ms: Number.NaN, note: `> ${s(INSPECTOR_TIMEOUT_MS)} (stopped)`, timedOut: true };
  if (exit.code !== 0) {
    const reason = exit.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('maxrss ')).pop() ?? '';
    return { ms: Number.NaN, note: `failed after ${s(exit.ms)} (exit ${String(exit.code)}: ${reason.slice(0, 120)})`, timedOut: false };
  }
  return { ms: exit.ms, note: s(exit.ms), timedOut: false };
}

/** The real repository: BENCH_REAL_REPO, or the local mirror of git/git, cloned once (with a work tree). */
async function realRepo(): Promise<string | undefined> {
  const source = process.env['BENCH_REAL_REPO'] ?? (existsSync('/work/.mirror/git+git/repo') ? '/work/.mirror/git+git/repo' : undefined);
  if (source === undefined || source === '') return undefined;
  const dir = join(WORK, basename(source) === 'repo' ? basename(join(source, '..')) : basename(source, '.git'));
  if (!existsSync(join(dir, '.git'))) {
    log(`cloning ${source} into ${dir}`);
    const exit = await run(TWO, ['git', 'clone', '-q', source, dir], root);
    if (exit.code !== 0) throw new Error(`clone of ${source} failed: ${exit.stderr}`);
  }
  return dir;
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = loadavg()[0]!;
  const generated = await ensureDataset(join(root, '.bench-work'), { commits: QUICK ? 2000 : 20_000, files: QUICK ? 200 : 1000, seed: 1 }, log);
  const figures: RepoFigures[] = [await measureRepo(`generated ${String(generated.commits / 1000)}k`, generated.path, 1, REPEAT, true)];
  const real = QUICK ? undefined : await realRepo();
  if (real) figures.push(await measureRepo(basename(real), real, SAMPLE, REAL_REPEAT, false));
  const intro = [
    'Generated by `pnpm bench` (`tooling/bench/src/speed.ts`), issue 14: sharded history and ownership in one pass, side by side',
    'with the git CLI in one run. Each measurement is a fresh process pinned with `taskset` to 2 cores (`-c 0,1`) or 1 (`-c 0`);',
    '"ours" is `run-scenario.js` (open, the whole stream, close). Baselines: `git log --numstat --diff-merges=first-parent -z HEAD`',
    'and `git ls-files -z | xargs -0 -n1 -P2 git blame --porcelain` (output to /dev/null, no parsing).',
    `Repositories: ${figures.map((f) => `${f.label} (${String(f.commits)} commits, ${String(f.files)} files)`).join('; ')}.`,
    real ? '' : 'No real repository was available (set BENCH_REAL_REPO): its rows are missing.',
    `History rows: medians of ${String(REPEAT)} alternating repetitions on the generated repository, ${String(REAL_REPEAT)} on the real one; the target's ratio is the median of the pairs' ratios. Load average (1 min) at the start: ${String(round(load, 1))}; the machine is shared with other jobs, so absolute times are noisy, ratios less so.`,
    '',
    ...figures.flatMap((f) => f.notes.map((n) => `- ${n}`)),
    '',
    `Whole run: ${String(Math.round((Date.now() - started) / 60_000))} min.`,
  ];
  await writeSideBySideReport('speed', 'Sharded history and one-pass ownership', intro, figures.flatMap((f) => f.rows));
}

await main();
