import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, describeSource } from './machine.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** One row: measure, ours, baseline, ratio, target. */
export type ReportRow = [string, string, string, string | number, string];

/**
 * Writes `BENCHMARKS-<name>.md` at the repository root (a quick run, BENCH_QUICK=1, writes under
 * .bench-work/quick and never replaces the committed report) and prints it.
 */
export async function writeSideBySideReport(name: string, title: string, intro: readonly string[], rows: readonly ReportRow[]): Promise<void> {
  const m = await describeMachine();
  const md = [
    `# ${title}`,
    '',
    ...intro,
    '',
    `Machine: ${m.cpu}, ${String(m.cores)} cores, ${String(m.ramGB)} GB, ${m.os}, Node ${m.node}, git ${m.git}, ${m.date}, load ${String(m.loadAvg)}. Code: ${await describeSource(root)}.`,
    '',
    '| Measure | Ours | Baseline | Ratio | Target |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ].join('\n');
  const dir = process.env['BENCH_QUICK'] === '1' ? join(root, '.bench-work', 'quick') : root;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `BENCHMARKS-${name}.md`), md);
  process.stdout.write(md);
}
