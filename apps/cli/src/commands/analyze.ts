import { analyzeRepository, createFleet, type AnalysisReport } from '@gitfleet/git';
import { z } from 'zod';
import { globalSchema, open, parseOptions, positiveInt, type RunContext } from '../context.js';
import { formatTime, safe, table, write } from '../output.js';
import { Progress } from '../progress.js';

const schema = globalSchema.extend({
  format: z.enum(['table', 'json']).default('table'),
  rev: z.string().optional(),
  top: positiveInt.default(10),
  mailmap: z.boolean().default(true),
});

/** `gitfleet analyze <repo>`: the main report. */
export async function analyzeCommand(target: string, raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  // A URL is cloned first: bare (no work tree needed) and full (the report needs all history).
  await using fleet = isUrl(target) ? createFleet([target], { bare: true, signal: ctx.signal }) : undefined;
  let repoPath = target;
  if (fleet) {
    const [result] = await fleet.cloneAll({ signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (result?.status !== 'completed' || !result.path) throw new Error(`clone of ${target} failed: ${result?.error?.message ?? 'unknown'}`);
    repoPath = result.path;
  }
  await using repo = await open(repoPath, opts, ctx);
  const progress = new Progress();
  let report: AnalysisReport;
  try {
    report = await analyzeRepository(repo, {
      topFiles: opts.top,
      mailmap: opts.mailmap,
      signal: ctx.signal,
      onProgress: (stage, e) => progress.update(stage === 'history' ? 'commits' : 'blame', e),
      ...(opts.rev ? { rev: opts.rev } : {}),
    });
  } finally {
    progress.stop();
  }
  await write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
}

/** `https://…`, `ssh://…`, `git://…`, `file://…` or scp-like `git@host:path`. */
export function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^[\w.-]+@[\w.-]+:/.test(text);
}

const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;

export function renderReport(r: AnalysisReport): string {
  const out: string[] = [];
  out.push(`Repository  ${safe(r.repoName)}  (${safe(r.root)})`);
  if (r.head === null) {
    out.push('No commits yet.');
    return `${out.join('\n')}\n`;
  }
  const c = r.commits;
  out.push(`HEAD        ${r.head}`);
  out.push(`Commits     ${c.count} (${c.merges} merges)`);
  out.push(`Span        ${formatTime(c.first!, 0)} .. ${formatTime(c.last!, 0)}  (${c.spanDays} days)`);
  out.push('', 'Authors');
  out.push(
    table(
      ['author', 'email', 'commits', '+', '-', 'lines now', 'share'],
      r.authors.map((a) => [
        a.name,
        a.email,
        a.commits,
        a.additions,
        a.deletions,
        a.lines,
        r.ownership.totalLines ? pct(a.lines / r.ownership.totalLines) : '-',
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ).trimEnd(),
  );
  out.push(
    '',
    `Ownership   ${r.ownership.totalLines} surviving lines in ${r.ownership.files} files` +
      (r.ownership.skipped.length ? ` (${r.ownership.skipped.length} skipped: binary or not blameable)` : ''),
  );
  out.push('', 'Most-churned files');
  out.push(
    table(
      ['path', 'commits', '+', '-', 'churn'],
      r.churn.map((f) => [f.path, f.commits, f.additions, f.deletions, f.churn]),
      ['left', 'right', 'right', 'right', 'right'],
    ).trimEnd(),
  );
  return `${out.join('\n')}\n`;
}
