/** BENCHMARKS.md and the JSON copy. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Choice, Evaluation, Row } from './evaluate.js';
import type { Machine } from './machine.js';
import type { Summary } from './recorder.js';

export interface Config {
  quick: boolean;
  commits: number;
  files: number;
  repeat: number;
  timeoutMs: number;
  seed: number;
  /** Timed calls per small operation (after one warm-up call). */
  opCalls: number;
}

export interface Results extends Evaluation {
  machine: Machine;
  /** Monorepo commit measured (and whether packages/git/src had uncommitted changes). */
  source: string;
  config: Config;
  dataset: {
    commits: number;
    files: number;
    seed: number;
    head: string;
    historyCount: number;
    trackedFiles: number;
    generateMs: number;
  };
  baselines: Record<string, string>;
  durationS: number;
  /** Every measurement by id (see MEASUREMENT_IDS), with per-repetition samples. */
  measurements: Record<string, Summary>;
}

const na = 'n/a';
const ok = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

function ms(v: number | undefined): string {
  if (!ok(v)) return na;
  if (v >= 100) return `${Math.round(v).toLocaleString('en-US')} ms`;
  return `${v.toFixed(v >= 10 ? 1 : 2)} ms`;
}
const mb = (v: number | undefined): string => (ok(v) ? `${Math.round(v)} MB` : na);
const x = (v: number | undefined): string => (ok(v) ? v.toFixed(v < 0.1 ? 3 : 2) : na);
/** Table cells must stay on one line and not break the table. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

/** A summary's wall time, or why it has none. */
const wall = (s: Summary | undefined): string => (s && s.samplesMs.length > 0 ? ms(s.wallMs) : `failed: ${s?.error ?? 'not run'}`);

function mainTable(rows: Row[]): string {
  return table(
    ['#', 'Scenario', 'Ours (median)', 'Baseline (median)', 'Ratio', 'Per-rep ratios', 'Target', 'Result', 'Peak RSS', 'Lag p99'],
    rows.map((r) => [
      r.id,
      r.scenario,
      wall(r.ours),
      `${wall(r.baseline)} (${r.baselineLabel})`,
      r.ratioLabel ? `${x(r.ratio)} (${r.ratioLabel})` : x(r.ratio),
      r.perRep.length > 1 ? r.perRep.map(x).join(' / ') : '',
      r.target || '(figures only)',
      r.result === 'pass' ? '**pass**' : r.result.startsWith('FAIL') ? `**${r.result}**` : r.result,
      mb(r.ours.maxRssMB),
      ms(r.ours.lagP99Ms),
    ]),
  );
}

function flatnessTable(r: Results): string {
  return table(
    ['Share of history', 'Commits walked', 'Wall (median)', 'Peak RSS', 'Lag p99'],
    r.flatness.map(({ percent, summary: s }) => [`${percent}%`, String(s.items ?? na), wall(s), mb(s.maxRssMB), ms(s.lagP99Ms)]),
  );
}

function choiceTable(choices: Choice[]): string {
  const value = (c: Choice, v: number, s: Summary): string =>
    s.samplesMs.length === 0 ? `failed: ${s.error ?? 'not run'}` : c.operation === 'history' ? `${x(v)} (${ms(s.wallMs)})` : ms(v);
  return table(
    ['Operation', 'git engine', 'es-git engine', 'Compared on', 'Faster', 'First call git / es-git', 'Suggested for `auto`'],
    choices.map((c) => [
      c.operation,
      value(c, c.gitValue, c.git),
      value(c, c.esGitValue, c.esGit),
      c.basis,
      c.faster,
      c.firstCallFaster ? `${ms(c.git.firstCallMs)} / ${ms(c.esGit.firstCallMs)} (${c.firstCallFaster} faster)` : '',
      `**${c.suggested}** (${c.why})`,
    ]),
  );
}

/** The part printed to stdout: results, flatness, engine choice, notes. */
export function resultsSection(r: Results): string {
  const auto = r.choices.map((c) => `  ${c.operation}: '${c.suggested}',`).join('\n');
  return `## Results

${mainTable(r.rows)}

Ratio = median ours / median baseline (lower is better); "per-rep ratios" are ours / baseline within
each repetition, where the two ran back to back, and show how much the machine's load moved things.
Peak RSS and lag p99 are those of the "ours" process.

### History peak RSS by length (scenario 2)

${flatnessTable(r)}

### es-git vs git engine (decides \`AUTO_CHOICE\`)

${choiceTable(r.choices)}

History compares each engine's ratio to its own adjacent \`git log\` run. Small operations: median of
${r.config.opCalls} calls inside one process after one warm-up call; "first call" is \`openRepository\` plus
that warm-up call, which includes es-git's worker start-up. Where es-git wins warm calls but loses the
first call, the suggestion is \`es-git-when-warm\` (git for one-shot runs such as the CLI, es-git once
the worker pool is running). Suggested \`AUTO_CHOICE\` (packages/git/src/engines/engine-set.ts), on speed alone:

\`\`\`ts
{
${auto}
}
\`\`\`
${r.notes.length > 0 ? `\n### Notes\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}\n`;
}

export function renderMarkdown(r: Results): string {
  const { machine: m, dataset: d } = r;
  const machineTable = table(
    ['Machine', ''],
    [
      ['CPU', m.cpu],
      ['Cores (`os.availableParallelism()`)', String(m.cores)],
      ['RAM', `${m.ramGB} GB`],
      ['OS / kernel', m.os],
      ['Node', m.node],
      ['git', m.git],
      ['Date', m.date],
      ['Load average (1 min) at start', String(m.loadAvg)],
    ],
  );
  return `# Benchmarks

Generated by \`pnpm bench\` (tooling/bench); re-run it to refresh this file, don't edit it by hand.
A JSON copy with every sample is in \`tooling/bench/results/latest.json\`.

**Method.** Everything is measured side by side in one run on a noisy machine, so the *ratios* are
what matter; absolute times only give scale. Each "ours" measurement is a fresh Node process
(\`tooling/bench/dist/run-scenario.js\`) that opens the repository, consumes the whole stream
(counting items, retaining nothing) and reports its wall time (\`openRepository\` through \`close()\`;
Node start-up excluded), peak RSS (\`process.resourceUsage().maxRSS\`) and event-loop lag
(\`monitorEventLoopDelay({ resolution: 10 })\`; the histogram records whole timer intervals, so an idle
loop reads about 10 ms). Baselines are the git CLI commands listed below, run through \`sh -c\` with
output to /dev/null and timed from spawn to exit. Ours and baseline alternate their order between
repetitions. Tables show medians over ${r.config.repeat} repetition(s); peak RSS is the highest
and lag p99 the median over repetitions. Environment: \`BENCH_COMMITS\`, \`BENCH_FILES\`,
\`BENCH_REPEAT\`, \`BENCH_QUICK=1\` (small smoke run, written to \`.bench-work/quick/\`), \`BENCH_TIMEOUT_S\`.

## Machine

${machineTable}

## Dataset

\`generateLargeRepo({ commits: ${d.commits}, files: ${d.files}, seed: ${d.seed} })\` from @gitfleet/test-kit
(git fast-import), cached in \`.bench-work/\`: ${d.historyCount} commits reachable from HEAD (merges included),
${d.trackedFiles} files at HEAD, HEAD \`${d.head.slice(0, 12)}\`. Code measured: gitfleet \`${r.source}\`
(the built \`dist/\` of @gitfleet/git). The whole run took ${Math.round(r.durationS / 60)} min.

${resultsSection(r)}## Baseline commands

${Object.entries(r.baselines).map(([name, command]) => `- ${name}: \`${command}\``).join('\n')}
`;
}

export async function writeReports(r: Results, markdown: string, mdPath: string, jsonPath: string): Promise<void> {
  await mkdir(dirname(mdPath), { recursive: true });
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(mdPath, markdown);
  await writeFile(jsonPath, `${JSON.stringify(r, null, 2)}\n`);
}
