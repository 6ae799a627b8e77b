import type { Commit, HistoryOptions } from '@gitfleet/git';
import { z } from 'zod';
import { globalSchema, noteMissingFields, open, parseOptions, positiveInt, type RunContext } from '../context.js';
import { formatTime, ItemWriter, safe, shortSha, write } from '../output.js';
import { Progress } from '../progress.js';

const schema = globalSchema.extend({
  since: z.string().optional(),
  until: z.string().optional(),
  maxCount: positiveInt.optional(),
  all: z.boolean().default(false),
  rev: z.array(z.string()).optional(),
  author: z.string().optional(),
  path: z.array(z.string()).optional(),
  files: z.boolean().default(false),
  mailmap: z.boolean().default(false),
});

/** `gitfleet commits <repo>`: history with per-commit stats. */
export async function commitsCommand(repoPath: string, raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  await using repo = await open(repoPath, opts, ctx);
  await noteMissingFields(repo, 'history');
  const progress = new Progress();
  const history: HistoryOptions = {
    all: opts.all,
    files: opts.files,
    mailmap: opts.mailmap,
    signal: ctx.signal,
    onProgress: progress.for('commits'),
    ...(opts.rev ? { rev: opts.rev } : {}),
    ...(opts.since ? { since: opts.since } : {}),
    ...(opts.until ? { until: opts.until } : {}),
    ...(opts.maxCount ? { maxCount: opts.maxCount } : {}),
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.path ? { paths: opts.path } : {}),
  };
  try {
    if (opts.format === 'table') {
      for await (const c of repo.history(history)) await write(commitRow(c));
      return;
    }
    const out = new ItemWriter<Commit>(opts.format, csvRows, opts);
    for await (const commit of repo.history(history)) await out.add(commit);
    await out.end();
  } finally {
    progress.stop();
  }
}

function commitRow(c: Commit): string {
  const files = c.files?.map((f) => `    ${f.status.padEnd(10)} ${f.binary ? 'bin' : `+${f.additions} -${f.deletions}`}  ${f.oldPath ? `${safe(f.oldPath)} -> ` : ''}${safe(f.path)}\n`).join('') ?? '';
  return `${shortSha(c.sha)}  ${formatTime(c.author.timestamp, c.author.tzOffset)}  ${safe(c.author.name)}  +${c.additions} -${c.deletions}  ${c.filesChanged} files  ${safe(c.summary)}${c.isMerge ? ' (merge)' : ''}\n${files}`;
}

/** CSV: a row per commit, or with --files a row per changed file. */
function csvRows(c: Commit): Record<string, unknown>[] {
  const { files, ...commit } = c;
  if (!files) return [commit];
  return files.map((f) => ({ ...commit, file: f }));
}
