/** Turns recorded measurements into report rows: ratios, targets, pass/fail, the auto choice. */
import type { Summary } from './recorder.js';
import type { SmallOp } from './run-scenario.js';
import { ratio, round } from './stats.js';

export const SMALL_OPS: readonly SmallOp[] = ['branches', 'files', 'stagedDiff'];
/** Files in the blame subset for the es-git comparison (the first ones `git ls-files` lists). */
export const SUBSET = 50;

/** Every measurement a run records (see main.ts), in run order. */
export const MEASUREMENT_IDS: readonly string[] = [
  'history.git', 'history.baseline', 'flat.25', 'flat.50', 'flat.100', 'blame.git', 'blame.baseline',
  'cache.history.first', 'cache.history.second', 'cache.blame.first', 'cache.blame.second',
  'history.es-git', 'history.baseline-es', 'blame50.es-git', 'blame50.git', 'blame50.baseline',
  ...SMALL_OPS.flatMap((op) => [`op.${op}.git`, `op.${op}.es-git`]),
  'bigfile.analyze', 'bigfile.baseline',
];

/** What the sanity notes compare item counts with. */
export interface Expected {
  historyCount: number;
  trackedFiles: number;
}

export interface Check {
  label: string;
  value: number;
  limit: number;
  pass: boolean;
}

export interface Row {
  id: string;
  scenario: string;
  ours: Summary;
  baselineLabel: string;
  baseline?: Summary;
  /** ours/baseline, or the scenario's own ratio (RSS 100%/25%, second/first run). */
  ratio: number;
  ratioLabel?: string;
  /** The same ratio within each repetition (adjacent runs), which shows how noisy the machine was. */
  perRep: number[];
  /** The target as the issue wrote it; empty when the scenario only reports figures. */
  target: string;
  checks: Check[];
  /** `pass`, `FAIL (...)`, `failed: <reason>` or `n/a` (no target). */
  result: string;
}

export type Engine = 'git' | 'es-git';

export interface Choice {
  operation: 'history' | 'blame' | SmallOp;
  git: Summary;
  esGit: Summary;
  /** What is compared: medians, or ratios to the baseline for runs in different pairs. */
  basis: string;
  gitValue: number;
  esGitValue: number;
  /** Faster on this comparison (for small operations: warm calls). */
  faster: Engine;
  /** Small operations: faster on the first call, which includes es-git's worker start-up. */
  firstCallFaster?: Engine;
  /** Small operations: calls in one process after which es-git's start-up has paid off. */
  breakEvenCalls?: number;
  /** What `auto` should pick (an AUTO_CHOICE value), and why. */
  suggested: Engine | 'es-git-when-warm';
  why: string;
}

export interface Evaluation {
  rows: Row[];
  flatness: { percent: number; summary: Summary }[];
  choices: Choice[];
  notes: string[];
}

function failure(...summaries: (Summary | undefined)[]): string | undefined {
  const failed = summaries.find((s) => s && s.samplesMs.length === 0);
  return failed ? `failed: ${failed.error ?? 'no samples'}` : undefined;
}

function verdict(checks: Check[], failed: string | undefined, hasTarget: boolean): string {
  if (failed) return failed;
  if (!hasTarget) return 'n/a';
  const missed = checks.filter((c) => !c.pass);
  if (missed.length === 0) return 'pass';
  return `FAIL (${missed.map((c) => `${c.label} ${round(c.value, 2)} > ${c.limit}`).join('; ')})`;
}

/** ours/baseline per repetition, when both ran in every repetition. */
function perRep(ours: Summary, base: Summary): number[] {
  if (ours.samplesMs.length !== base.samplesMs.length) return [];
  return ours.samplesMs.map((v, i) => ratio(v, base.samplesMs[i]!));
}

const check = (label: string, value: number | undefined, limit: number): Check => ({
  label,
  value: value ?? Number.NaN,
  limit,
  pass: value !== undefined && value <= limit,
});

/** Works from summaries alone, so a saved latest.json can be re-evaluated (`main.js --render`). */
export function evaluate(m: Record<string, Summary>, expected: Expected, repeat: number): Evaluation {
  const get = (id: string): Summary => m[id] ?? { wallMs: Number.NaN, samplesMs: [], error: 'not run' };
  const rows: Row[] = [];
  const pair = (
    id: string,
    scenario: string,
    ours: string,
    base: string,
    baselineLabel: string,
    target: string,
    checks: (r: number, s: Summary) => Check[],
  ): void => {
    const r = ratio(get(ours).wallMs, get(base).wallMs);
    const list = checks(r, get(ours));
    const failed = failure(get(ours), get(base));
    rows.push({
      id, scenario, ours: get(ours), baselineLabel, baseline: get(base), ratio: r, perRep: perRep(get(ours), get(base)),
      target, checks: list, result: verdict(list, failed, target !== ''),
    });
  };

  pair('1', 'history, per-file stats (git engine, cache off)', 'history.git', 'history.baseline', '`git log --numstat`',
    'ratio <= 1.25; peak RSS <= 150 MB; lag p99 <= 50 ms',
    (r, s) => [check('ratio', r, 1.25), check('RSS MB', s.maxRssMB, 150), check('lag p99 ms', s.lagP99Ms, 50)]);

  const flatness = [25, 50, 100].map((percent) => ({ percent, summary: get(`flat.${percent}`) }));
  const rss = (p: number): number => get(`flat.${p}`).maxRssMB ?? Number.NaN;
  const flatChecks = [check('RSS 100%/25%', ratio(rss(100), rss(25)), 1.3)];
  rows.push({
    id: '2', scenario: 'history RSS flatness (25% -> 100% of history)', ours: get('flat.100'), baselineLabel: 'same run at 25%',
    baseline: get('flat.25'), ratio: ratio(rss(100), rss(25)), ratioLabel: 'RSS 100%/25%', perRep: [],
    target: '100% RSS within 1.3x of 25% RSS', checks: flatChecks,
    result: verdict(flatChecks, failure(get('flat.25'), get('flat.50'), get('flat.100')), true),
  });

  pair('3', 'blame every file at HEAD (git engine, cache off)', 'blame.git', 'blame.baseline', '`xargs -P<cores> git blame`',
    'ratio <= 1.1; lag p99 <= 50 ms', (r, s) => [check('ratio', r, 1.1), check('lag p99 ms', s.lagP99Ms, 50)]);
  pair('4a', 'history, cache on: second run vs first', 'cache.history.second', 'cache.history.first', 'first run, filling the cache',
    'second/first <= 0.05', (r) => [check('ratio', r, 0.05)]);
  pair('4b', 'blame, cache on: second run vs first', 'cache.blame.second', 'cache.blame.first', 'first run, filling the cache',
    'second/first <= 0.05', (r) => [check('ratio', r, 0.05)]);
  pair('5a', 'history, per-file stats (es-git engine)', 'history.es-git', 'history.baseline-es', '`git log --numstat`', '', () => []);
  pair('5b', `blame ${SUBSET} files (es-git engine)`, 'blame50.es-git', 'blame50.baseline', `\`xargs git blame\` on ${SUBSET}`, '', () => []);
  pair('5c', `blame ${SUBSET} files (git engine)`, 'blame50.git', 'blame50.baseline', `\`xargs git blame\` on ${SUBSET}`, '', () => []);
  pair('6', 'analyze, a 200 MiB file and a 1M-line file (git engine, cache off)', 'bigfile.analyze', 'bigfile.baseline',
    '`git blame` of the 1M-line file alone', 'completes, skipping only the 200 MiB file; peak RSS <= 400 MB',
    (_r, s) => [check('RSS MB', s.maxRssMB, 400), check('files skipped', s.errors, 1)]);

  return { rows, flatness, choices: choose(get), notes: [...marginNotes(rows), ...notes(get, expected, repeat)] };
}

/**
 * Which engine is faster per operation; es-git loses when it failed. A small operation where es-git
 * wins warm calls but loses the first one (worker start-up) gets `es-git-when-warm`: git for
 * one-shot runs such as the CLI, es-git once the engine set's worker pool is already running.
 */
function choose(get: (id: string) => Summary): Choice[] {
  const choice = (
    operation: Choice['operation'], git: Summary, esGit: Summary, basis: string, gitValue: number, esGitValue: number,
  ): Choice => {
    const faster = Number.isFinite(esGitValue) && esGitValue < gitValue ? 'es-git' : 'git';
    const why = esGit.samplesMs.length === 0 ? 'es-git failed' : `${faster} is faster`;
    return { operation, git, esGit, basis, gitValue, esGitValue, faster, suggested: faster, why };
  };
  const choices = [
    // History runs sit in different pairs, so compare each one's ratio to its own adjacent baseline.
    choice('history', get('history.git'), get('history.es-git'), 'ratio to adjacent `git log` baseline',
      ratio(get('history.git').wallMs, get('history.baseline').wallMs),
      ratio(get('history.es-git').wallMs, get('history.baseline-es').wallMs)),
    choice('blame', get('blame50.git'), get('blame50.es-git'), `median, ${SUBSET} files`,
      get('blame50.git').wallMs, get('blame50.es-git').wallMs),
  ];
  for (const op of SMALL_OPS) {
    const git = get(`op.${op}.git`);
    const esGit = get(`op.${op}.es-git`);
    const c = choice(op, git, esGit, 'median of 20 warm calls', git.wallMs, esGit.wallMs);
    const gitFirst = git.firstCallMs ?? Number.NaN;
    const esFirst = esGit.firstCallMs ?? Number.NaN;
    c.firstCallFaster = Number.isFinite(esFirst) && esFirst < gitFirst ? 'es-git' : 'git';
    if (c.faster === 'es-git' && c.firstCallFaster === 'git') {
      c.breakEvenCalls = Math.ceil((esFirst - gitFirst) / (c.gitValue - c.esGitValue));
      c.suggested = 'es-git-when-warm';
      c.why = `es-git is faster warm, but its start-up only pays off after ~${c.breakEvenCalls} calls`;
    } else if (c.faster === 'es-git') c.why = 'es-git is faster warm and on the first call';
    choices.push(c);
  }
  return choices;
}

/** Flags verdicts that the per-repetition ratios don't all agree with: a thin margin or a noisy machine. */
function marginNotes(rows: Row[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const limit = row.checks.find((c) => c.label === 'ratio')?.limit;
    if (limit === undefined || row.perRep.length < 2) continue;
    const over = row.perRep.filter((r) => r > limit).length;
    const passed = row.checks.find((c) => c.label === 'ratio')!.pass;
    if ((passed && over > 0) || (!passed && over < row.perRep.length)) {
      out.push(
        `Scenario ${row.id} ${passed ? 'passes' : 'fails'} its ratio target on the medians, but ${over} of ` +
          `${row.perRep.length} per-repetition ratios exceed ${limit}: the margin is within this machine's noise.`,
      );
    }
  }
  return out;
}

/** Sanity notes: item counts that disagree with the dataset or between engines. */
function notes(get: (id: string) => Summary, data: Expected, repeat: number): string[] {
  const out: string[] = [];
  for (const id of MEASUREMENT_IDS) {
    const s = get(id);
    if (s.error && s.samplesMs.length > 0) out.push(`\`${id}\` failed in a later repetition: ${s.error}`);
  }
  const expect = (id: string, what: string, expected: number): void => {
    const s = get(id);
    if (s.items !== undefined && s.items !== expected) out.push(`\`${id}\` returned ${s.items} ${what}, expected ${expected}.`);
  };
  for (const id of ['history.git', 'history.es-git', 'flat.100', 'cache.history.first', 'cache.history.second']) {
    expect(id, 'commits', data.historyCount);
  }
  for (const id of ['blame.git', 'cache.blame.first', 'cache.blame.second']) expect(id, 'files', data.trackedFiles);
  for (const id of ['blame50.git', 'blame50.es-git']) expect(id, 'files', Math.min(SUBSET, data.trackedFiles));
  const errs = (id: string): number | undefined => get(id).errors;
  if (errs('blame.git') !== undefined) out.push(`Blame (git engine) reported ${errs('blame.git')} per-file errors out of ${get('blame.git').items} files (binary files are expected errors).`);
  if (errs('blame50.es-git') !== undefined && errs('blame50.es-git') !== errs('blame50.git')) {
    out.push(`Blame of ${SUBSET} files: es-git reported ${errs('blame50.es-git')} per-file errors, git engine ${String(errs('blame50.git'))}.`);
  }
  const big = get('bigfile.analyze');
  if (big.treeMaxRssMB !== undefined) {
    out.push(
      `Scenario 6: peak RSS of the Node process ${Math.round(big.maxRssMB ?? Number.NaN)} MB; of the largest single process ` +
        `of the run, Node or a git child, ${Math.round(big.treeMaxRssMB)} MB (\`git blame\` of the 1M-line file alone: ` +
        `${Math.round(get('bigfile.baseline').treeMaxRssMB ?? Number.NaN)} MB).`,
    );
  }
  if (repeat < 3) out.push(`Only ${repeat} repetition(s): the medians rest on very few samples.`);
  return out;
}
