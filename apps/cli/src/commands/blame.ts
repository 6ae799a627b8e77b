import { summarizeBlame, type BlameFileResult, type BlameSummary } from '@gitfleet/git';
import { z } from 'zod';
import { globalSchema, open, parseOptions, positiveInt, type RunContext } from '../context.js';
import { formatTime, ItemWriter, note, safe, shortSha, table, write } from '../output.js';
import { Progress } from '../progress.js';

const schema = globalSchema.extend({
  rev: z.string().optional(),
  summary: z.boolean().default(false),
  concurrency: positiveInt.optional(),
});

/** `gitfleet blame <repo> [paths...]`: bulk blame, or surviving lines per author with --summary. */
export async function blameCommand(repoPath: string, paths: string[], raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  await using repo = await open(repoPath, opts, ctx);
  const progress = new Progress();
  const results = repo.blame({
    paths,
    signal: ctx.signal,
    onProgress: progress.for('blame'),
    ...(opts.rev ? { rev: opts.rev } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  // Binary files and submodules are skipped; a missing path or a failed blame fails the run.
  let failed = 0;
  const counted = async function* (): AsyncGenerator<BlameFileResult> {
    for await (const r of results) {
      if (r.error?.code === 'GITFLEET_GIT_PATH_NOT_FOUND' || r.error?.code === 'GITFLEET_GIT_BLAME_FAILED') failed++;
      yield r;
    }
  };
  try {
    if (opts.summary) await printSummary(await summarizeBlame(counted()), opts);
    else if (opts.format === 'table') for await (const r of counted()) await write(blameText(r));
    else {
      const out = new ItemWriter<BlameFileResult>(opts.format, (r) =>
        r.error ? [{ path: r.path, error: r.error.code, message: r.error.message }] : r.lines.map((l) => ({ path: r.path, ...l })),
        opts,
      );
      for await (const r of counted()) await out.add(r);
      await out.end();
    }
  } finally {
    progress.stop();
  }
  return failed;
}

function blameText(r: BlameFileResult): string {
  if (r.error) {
    note(r.error.message);
    return '';
  }
  const width = String(r.lines.length).length;
  const rows = r.lines.map(
    (l) =>
      `${shortSha(l.commit)} (${safe(l.authorName)} ${formatTime(l.authorTime, l.authorTzOffset)} ${String(l.line).padStart(width)}) ${safe(l.content)}\n`,
  );
  return `==> ${safe(r.path)} <==\n${rows.join('')}`;
}

async function printSummary(s: BlameSummary, opts: { format: string; csvSafe: boolean }): Promise<void> {
  const { format } = opts;
  if (format === 'json') return write(`${JSON.stringify(s, null, 2)}\n`);
  const rows = s.authors.map((a) => ({ name: a.name, email: a.email, lines: a.lines, share: Number(a.share.toFixed(4)) }));
  if (format === 'ndjson' || format === 'csv') {
    const out = new ItemWriter(format, undefined, opts);
    for (const row of rows) await out.add(row);
    return out.end();
  }
  await write(
    table(
      ['author', 'email', 'lines', 'share'],
      rows.map((r) => [r.name, r.email, r.lines, `${(r.share * 100).toFixed(1)}%`]),
      ['left', 'left', 'right', 'right'],
    ),
  );
  await write(`\n${s.totalLines} lines in ${s.files} files${s.errors.length ? `, ${s.errors.length} skipped` : ''}\n`);
}
