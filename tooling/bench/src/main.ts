/**
 * `pnpm bench`: measures @gitfleet/git against the git CLI side by side in one run and
 * writes BENCHMARKS.md plus tooling/bench/results/latest.json. Progress goes to stderr,
 * the results tables to stdout. See BENCHMARKS.md for the method.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBigFileRepo, MILLION_LINES_FILE, type BigFileDataset } from './big-files.js';
import { ensureDataset, type Dataset } from './dataset.js';
import { evaluate, MEASUREMENT_IDS, SMALL_OPS, SUBSET } from './evaluate.js';
import { describeMachine, describeSource } from './machine.js';
import { runBaseline, runOurs, type Sample } from './measure.js';
import { Recorder } from './recorder.js';
import { renderMarkdown, resultsSection, writeReports, type BigFilesRun, type Config, type Results } from './report.js';
import type { ScenarioOptions } from './run-scenario.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORK_DIR = join(ROOT, '.bench-work');

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function readConfig(): Config {
  const quick = process.env['BENCH_QUICK'] === '1';
  return {
    quick,
    commits: intEnv('BENCH_COMMITS', quick ? 2000 : 20_000),
    files: intEnv('BENCH_FILES', quick ? 200 : 1000),
    repeat: intEnv('BENCH_REPEAT', quick ? 1 : 3),
    timeoutMs: intEnv('BENCH_TIMEOUT_S', 1800) * 1000,
    seed: 1,
    opCalls: 20,
  };
}

/** The git CLI baselines, run through `sh -c` in the dataset repository. */
function baselines(cores: number): Record<'history' | 'blame' | 'blameSubset', string> {
  const blame = `xargs -0 -P${cores} -n1 git blame --porcelain >/dev/null`;
  return {
    history: 'git log --numstat --diff-merges=first-parent -z HEAD >/dev/null',
    blame: `git ls-files -z | ${blame}`,
    blameSubset: `git ls-files -z | head -z -n ${SUBSET} | ${blame}`,
  };
}

/** One repetition of every scenario. Ours and baseline alternate their order between repetitions. */
async function repetition(rec: Recorder, rep: number, data: Dataset, config: Config, cores: number): Promise<void> {
  const { path } = data;
  const cmd = baselines(cores);
  const ours = (scenario: 'history' | 'blame' | 'op', options: ScenarioOptions) => () =>
    runOurs(scenario, path, options, config.timeoutMs);
  const shell = (command: string) => () => runBaseline(command, path, config.timeoutMs);
  const side = async (...steps: [string, () => Promise<Sample>][]): Promise<void> => {
    for (const [id, run] of rep % 2 === 0 ? steps.reverse() : steps) await rec.measure(id, run);
  };
  const off = { cache: false } as const;

  log('[1] history with per-file stats, git engine vs git log --numstat');
  await side(['history.git', ours('history', { ...off, engine: 'git', files: true })], ['history.baseline', shell(cmd.history)]);

  log('[2] history RSS at 25/50/100% of history');
  for (const pct of [25, 50, 100]) {
    const maxCount = Math.max(1, Math.round((data.historyCount * pct) / 100));
    await rec.measure(`flat.${pct}`, ours('history', { ...off, engine: 'git', files: true, maxCount }));
  }

  log('[3] blame of every file, git engine vs xargs git blame');
  await side(['blame.git', ours('blame', { ...off, engine: 'git' })], ['blame.baseline', shell(cmd.blame)]);

  log('[4] result cache: first run (fills a fresh cache) vs second run');
  const cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-bench-cache-'));
  try {
    for (const scenario of ['history', 'blame'] as const) {
      const options: ScenarioOptions = { engine: 'git', cache: cacheDir, files: true };
      if (await rec.measure(`cache.${scenario}.first`, ours(scenario, options))) {
        await rec.measure(`cache.${scenario}.second`, ours(scenario, options));
      } else rec.fail(`cache.${scenario}.second`, 'first run failed');
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }

  log('[5] es-git engine: history, blame subset, small operations');
  await side(['history.es-git', ours('history', { ...off, engine: 'es-git', files: true })], ['history.baseline-es', shell(cmd.history)]);
  const paths = data.trackedFiles.slice(0, SUBSET);
  await side(
    ['blame50.es-git', ours('blame', { ...off, engine: 'es-git', paths })],
    ['blame50.git', ours('blame', { ...off, engine: 'git', paths })],
    ['blame50.baseline', shell(cmd.blameSubset)],
  );
  for (const op of SMALL_OPS) {
    await side(
      [`op.${op}.git`, ours('op', { ...off, engine: 'git', op, calls: config.opCalls })],
      [`op.${op}.es-git`, ours('op', { ...off, engine: 'es-git', op, calls: config.opCalls })],
    );
  }
}

/**
 * Scenario 6: analyze of the big-file repository (Node's peak RSS is the target) against
 * `git blame` of its 1M-line file alone; both under GNU time for the largest process's RSS.
 */
async function bigFileStep(rec: Recorder, rep: number, big: BigFileDataset, config: Config): Promise<void> {
  log('[6] big files: analyze of a 200 MiB file and a 1M-line file vs git blame of the 1M-line file');
  const steps: [string, () => Promise<Sample>][] = [
    ['bigfile.analyze', () => runOurs('analyze', big.path, { engine: 'git', cache: false }, config.timeoutMs, true)],
    ['bigfile.baseline', () => runBaseline(`git blame --porcelain HEAD -- ${MILLION_LINES_FILE} >/dev/null`, big.path, config.timeoutMs, true)],
  ];
  for (const [id, run] of rep % 2 === 0 ? steps.reverse() : steps) await rec.measure(id, run);
}

function bigFilesRun(big: BigFileDataset, machine: Results['machine'], source: string, repeat: number): BigFilesRun {
  return { machine, source, repeat, head: big.head, files: big.files };
}

/**
 * `--only big-files`: measures scenario 6 alone and merges it into the saved results (the other
 * scenarios keep their figures and machine); the report says where and when scenario 6 ran.
 */
async function onlyBigFiles(config: Config): Promise<void> {
  const out = outputs(config);
  const saved = JSON.parse(await readFile(out.json, 'utf8')) as Results;
  const machine = await describeMachine();
  const big = await ensureBigFileRepo(WORK_DIR, log);
  const rec = new Recorder(log);
  for (let rep = 1; rep <= config.repeat; rep++) await bigFileStep(rec, rep, big, config);
  const measurements = { ...saved.measurements, 'bigfile.analyze': rec.summary('bigfile.analyze'), 'bigfile.baseline': rec.summary('bigfile.baseline') };
  const bigFiles = bigFilesRun(big, machine, await describeSource(ROOT), config.repeat);
  await publish({ ...saved, measurements, bigFiles, ...evaluate(measurements, saved.dataset, saved.config.repeat) }, out);
}

/** Where a run's report goes: the committed files, or `.bench-work/quick/` for smoke runs. */
function outputs(config: Config): { md: string; json: string } {
  if (config.quick) return { md: join(WORK_DIR, 'quick/BENCHMARKS.md'), json: join(WORK_DIR, 'quick/latest.json') };
  return { md: join(ROOT, 'BENCHMARKS.md'), json: join(ROOT, 'tooling/bench/results/latest.json') };
}

async function publish(results: Results, out: { md: string; json: string }): Promise<void> {
  await writeReports(results, renderMarkdown(results), out.md, out.json);
  log(`wrote ${out.md} and ${out.json}`);
  process.stdout.write(resultsSection(results));
}

/** `--render`: re-evaluates and re-renders the saved JSON without measuring (after a report change). */
async function render(config: Config): Promise<void> {
  const out = outputs(config);
  const saved = JSON.parse(await readFile(out.json, 'utf8')) as Results;
  await publish({ ...saved, ...evaluate(saved.measurements, saved.dataset, saved.config.repeat) }, out);
}

async function main(): Promise<void> {
  const config = readConfig();
  if (process.argv.includes('--render')) return render(config);
  if (process.argv.includes('--only') && process.argv.includes('big-files')) return onlyBigFiles(config);
  const machine = await describeMachine();
  const source = await describeSource(ROOT);
  log(`gitfleet bench: ${config.commits} commits, ${config.files} files, ${config.repeat} repetition(s)`);
  const data = await ensureDataset(WORK_DIR, { commits: config.commits, files: config.files, seed: config.seed }, log);
  log(`dataset: ${data.path} (${data.reused ? 'reused' : 'new'}, HEAD ${data.head.slice(0, 12)})`);

  const big = await ensureBigFileRepo(WORK_DIR, log);
  const rec = new Recorder(log);
  const started = Date.now();
  for (let rep = 1; rep <= config.repeat; rep++) {
    log(`--- repetition ${rep}/${config.repeat}`);
    await repetition(rec, rep, data, config, machine.cores);
    await bigFileStep(rec, rep, big, config);
  }
  const measurements = Object.fromEntries(MEASUREMENT_IDS.map((id) => [id, rec.summary(id)]));
  const dataset = {
    commits: data.commits,
    files: data.files,
    seed: data.seed,
    head: data.head,
    historyCount: data.historyCount,
    trackedFiles: data.trackedFiles.length,
    generateMs: Math.round(data.generateMs),
  };
  const results: Results = {
    machine,
    source,
    config,
    dataset,
    baselines: baselines(machine.cores),
    durationS: Math.round((Date.now() - started) / 1000),
    measurements,
    bigFiles: bigFilesRun(big, machine, source, config.repeat),
    ...evaluate(measurements, dataset, config.repeat),
  };
  await publish(results, outputs(config));
}

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
