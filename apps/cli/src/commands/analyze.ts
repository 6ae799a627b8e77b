import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRepository, createFleet, DEFAULT_MAX_BLAME_FILE_SIZE, type AnalysisReport } from '@gitfleet/git';
import { z } from 'zod';
import { byteSize, formatSize, globalSchema, open, parseOptions, positiveInt, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTime, note, safe, table, write } from '../output.js';
import { Progress } from '../progress.js';

const schema = globalSchema.extend({
  format: z.enum(['table', 'json', 'parquet', 'html']).default('table'),
  rev: z.string().optional(),
  top: positiveInt.default(10),
  mailmap: z.boolean().default(true),
  maxFileSize: byteSize.optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  excludePath: z.array(z.string()).default([]),
  out: z.string().min(1).optional(),
  output: z.string().min(1).optional(),
  title: z.string().optional(),
  includeBots: z.boolean().default(false),
});

/**
 * `gitfleet analyze <repo>`: the main report; with `--format parquet --out <dir>`, the repository
 * into a dataset through the fleet pipeline (the tables `gitfleet mine` writes). Returns the
 * number of repositories that failed (parquet).
 */
export async function analyzeCommand(target: string, raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  if (opts.format === 'parquet') return analyzeToDataset(target, opts, ctx);
  if (opts.format === 'html') return analyzeToReport(target, opts, ctx);
  if (opts.out !== undefined) throw new UsageError('--out goes with --format parquet');
  if (opts.output !== undefined) throw new UsageError('-o/--output goes with --format html');
  const since = opts.since === undefined ? undefined : unixSeconds('since', opts.since);
  const until = opts.until === undefined ? undefined : unixSeconds('until', opts.until);
  // A URL is cloned first: bare (no work tree needed) and full (the report needs all history).
  await using fleet = isUrl(target) ? createFleet([target], { bare: true, signal: ctx.signal }) : undefined;
  let repoPath = target;
  if (fleet) {
    const [result] = await fleet.cloneAll({ signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (result?.status !== 'completed' || !result.path) throw new Error(`clone of ${target} failed: ${result?.error?.message ?? 'unknown'}`);
    repoPath = result.path;
  }
  await using repo = await open(repoPath, { ...opts, format: opts.format === 'json' ? 'json' : 'table' }, ctx);
  const progress = new Progress();
  let report: AnalysisReport;
  try {
    report = await analyzeRepository(repo, {
      topFiles: opts.top,
      mailmap: opts.mailmap,
      signal: ctx.signal,
      ...(opts.maxFileSize ? { maxFileSize: opts.maxFileSize } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(opts.excludePath.length ? { excludePaths: opts.excludePath } : {}),
      onProgress: (stage, e) => progress.update(stage === 'history' ? 'commits' : stage, e),
      ...(opts.rev ? { rev: opts.rev } : {}),
    });
  } finally {
    progress.stop();
  }
  for (const s of report.ownership.skipped) {
    if (s.code === 'GITFLEET_GIT_FILE_TOO_LARGE') note(`skipped ${s.message}; raise it with --max-file-size`);
  }
  const limit = opts.maxFileSize ?? DEFAULT_MAX_BLAME_FILE_SIZE;
  await write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, limit));
  return 0;
}

type AnalyzeOptions = z.infer<typeof schema>;

/** `--format parquet --out <dir>`: one repository through the same pipeline and writer as `gitfleet mine`. */
async function analyzeToDataset(target: string, opts: AnalyzeOptions, ctx: RunContext): Promise<number> {
  if (opts.out === undefined) throw new UsageError('--format parquet needs --out <dir>: the dataset directory');
  if (opts.output !== undefined) throw new UsageError('-o/--output goes with --format html; the dataset directory is --out');
  return mineOne(target, opts.out, opts, ctx, 'parquet');
}

/**
 * `--format html -o <file>`: the repository mined into a temporary dataset by the same pipeline,
 * then its report (the fleet report, restricted to one repository, opens at the repository view).
 */
async function analyzeToReport(target: string, opts: AnalyzeOptions, ctx: RunContext): Promise<number> {
  if (opts.out !== undefined) throw new UsageError('--out is the dataset directory of --format parquet; write the report with -o <file>');
  const temp = await mkdtemp(join(tmpdir(), 'gitfleet-analyze-'));
  try {
    const failed = await mineOne(target, temp, opts, ctx, 'html');
    if (failed > 0) return failed; // the failure was printed; no report of nothing
    const { emitReport, reportOptions } = await import('./report.js');
    await emitReport(temp, opts.output ?? 'report.html', reportOptions({ includeBots: opts.includeBots, top: opts.top, ...(opts.title !== undefined ? { title: opts.title } : {}) }, ctx));
    return 0;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** One repository into a dataset through `gitfleet mine`'s pipeline. */
async function mineOne(target: string, out: string, opts: AnalyzeOptions, ctx: RunContext, format: 'parquet' | 'html'): Promise<number> {
  if (opts.rev !== undefined) throw new UsageError(`--rev does not apply to --format ${format}: the dataset holds every branch, and ownership at the default branch`);
  if (!opts.mailmap) throw new UsageError(`--no-mailmap does not apply to --format ${format}: the dataset always applies the .mailmap`);
  const { runMine } = await import('./mine.js');
  return runMine(
    {
      sources: [target],
      format: 'table',
      summary: format === 'parquet',
      cache: { cache: opts.cache, cacheDir: opts.cacheDir },
      options: {
        out,
        excludePaths: opts.excludePath,
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.until !== undefined ? { until: opts.until } : {}),
        ...(opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {}),
      },
    },
    ctx,
  );
}

/** A date option as unix seconds, the way `gitfleet mine` reads it (2024-01-01 is midnight UTC). */
function unixSeconds(name: string, text: string): number {
  const ms = /^\s*\d+\s*$/.test(text) ? Number(text) * 1000 : Date.parse(text.trim());
  if (Number.isNaN(ms)) throw new UsageError(`option --${name}: expected a date such as 2024-01-01 or 2024-01-01T12:00:00Z, or unix seconds; got ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

/** `https://…`, `ssh://…`, `git://…`, `file://…` or scp-like `git@host:path`. */
export function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^[\w.-]+@[\w.-]+:/.test(text);
}

const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;

/** `3 skipped: 2 binary, 1 over the 50 MB limit: data/dump.sql`. */
function skippedNote(skipped: AnalysisReport['ownership']['skipped'], limit: number): string {
  if (skipped.length === 0) return '';
  const binary = skipped.filter((s) => s.code === 'GITFLEET_GIT_BINARY_FILE').length;
  const large = skipped.filter((s) => s.code === 'GITFLEET_GIT_FILE_TOO_LARGE').map((s) => s.path);
  const other = skipped.length - binary - large.length;
  const parts = [
    binary ? `${binary} binary` : '',
    large.length ? `${large.length} over the ${formatSize(limit)} limit: ${large.slice(0, 5).join(', ')}${large.length > 5 ? ', ...' : ''}` : '',
    other ? `${other} not blameable` : '',
  ];
  return ` (${skipped.length} skipped: ${parts.filter(Boolean).join(', ')})`;
}

export function renderReport(r: AnalysisReport, limit: number = DEFAULT_MAX_BLAME_FILE_SIZE): string {
  const out: string[] = [];
  out.push(`Repository  ${safe(r.repoName)}  (${safe(r.root)})`);
  if (r.head === null) {
    out.push('No commits yet.');
    return `${out.join('\n')}\n`;
  }
  const c = r.commits;
  out.push(`HEAD        ${r.head}`);
  out.push(`Commits     ${c.count} (${c.merges} merges)`);
  if (c.first !== null && c.last !== null) out.push(`Span        ${formatTime(c.first, 0)} .. ${formatTime(c.last, 0)}  (${c.spanDays} days)`);
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
    `Ownership   ${r.ownership.totalLines} surviving lines in ${r.ownership.files} files${skippedNote(r.ownership.skipped, limit)}`,
  );
  out.push('', 'Most-churned files (paths at the analysed revision, history followed through renames like git log --follow)');
  out.push(
    table(
      ['path', 'commits', '+', '-', 'churn'],
      r.churn.map((f) => [f.path, f.commits, f.additions, f.deletions, f.churn]),
      ['left', 'right', 'right', 'right', 'right'],
    ).trimEnd(),
  );
  return `${out.join('\n')}\n`;
}
