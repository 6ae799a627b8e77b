import type { BlameChunk, BlameFileFailure, BlameLine, BlameSummary, Repository } from '@gitfleet/git';
import { z } from 'zod';
import { byteSize, globalSchema, noteMissingFields, open, parseOptions, positiveInt, type RunContext } from '../context.js';
import { formatTime, ItemWriter, note, safe, shortSha, table, write } from '../output.js';
import { Progress } from '../progress.js';

const schema = globalSchema.extend({
  rev: z.string().optional(),
  summary: z.boolean().default(false),
  concurrency: positiveInt.optional(),
  maxFileSize: byteSize.optional(),
});

/**
 * `gitfleet blame <repo> [paths...]`: bulk blame (git blame per file), or surviving lines per author
 * with --summary (one walk over history, `repo.ownership()`: git blame's attribution).
 */
export async function blameCommand(repoPath: string, paths: string[], raw: unknown, ctx: RunContext): Promise<number> {
  const opts = parseOptions(schema, raw);
  await using repo = await open(repoPath, opts, ctx);
  if (opts.summary) return summaryCommand(repo, paths, opts, ctx);
  await noteMissingFields(repo, 'blame');
  const progress = new Progress();
  // Chunks, not whole files: a file's lines are written as git produces them.
  const chunks = repo.blameChunks({
    paths,
    signal: ctx.signal,
    onProgress: progress.for('blame'),
    ...(opts.rev ? { rev: opts.rev } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.maxFileSize ? { maxFileSize: opts.maxFileSize } : {}),
  });
  let failed = 0;
  const counted = async function* (): AsyncGenerator<BlameChunk> {
    for await (const chunk of chunks) {
      if (chunk.error && countError(chunk.error)) failed++;
      yield chunk;
    }
  };
  try {
    if (opts.format === 'csv') {
      const out = new ItemWriter<BlameChunk>('csv', (c) =>
        c.error ? [{ path: c.path, error: c.error.code, message: c.error.message }] : c.lines.map((l) => ({ path: c.path, ...l })),
        opts,
      );
      for await (const chunk of counted()) await out.add(chunk);
      await out.end();
    } else {
      const out = opts.format === 'table' ? new TextWriter() : new JsonWriter(opts.format);
      for await (const chunk of counted()) await out.add(chunk);
      await out.end();
    }
  } finally {
    progress.stop();
  }
  return failed;
}

/**
 * Binary files, submodules and files over the size limit are skipped (the last with a note); a
 * missing path or a failed blame fails the run: true for those.
 */
function countError(error: { code: string; message: string }): boolean {
  if (error.code === 'GITFLEET_GIT_FILE_TOO_LARGE') note(`skipped ${tooLargeNote(error)}`);
  return error.code === 'GITFLEET_GIT_PATH_NOT_FOUND' || error.code === 'GITFLEET_GIT_BLAME_FAILED';
}

/** --summary: one walk over history (files it cannot attribute exactly are blamed by git). */
async function summaryCommand(repo: Repository, paths: string[], opts: z.infer<typeof schema>, ctx: RunContext): Promise<number> {
  const progress = new Progress();
  try {
    const own = await repo.ownership({
      paths,
      signal: ctx.signal,
      onProgress: (stage, e) => progress.update(stage === 'walk' ? 'ownership' : 'blame', e),
      ...(opts.rev ? { rev: opts.rev } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.maxFileSize ? { maxFileSize: opts.maxFileSize } : {}),
    });
    progress.stop();
    const failed = own.errors.filter((e) => countError(e)).length;
    const { totalLines, files, authors, byFile, errors } = own;
    await printSummary({ totalLines, files, authors, byFile, errors }, opts);
    return failed;
  } finally {
    progress.stop();
  }
}

/** The library's message plus how to lift the limit. */
export function tooLargeNote(error: Pick<BlameFileFailure, 'message'>): string {
  return `${error.message}; raise it with --max-file-size`;
}

/** `==> path <==` and a row per line, written chunk by chunk. */
class TextWriter {
  private width = 0;

  async add(chunk: BlameChunk): Promise<void> {
    if (chunk.error) {
      if (chunk.error.code !== 'GITFLEET_GIT_FILE_TOO_LARGE') note(chunk.error.message);
      return;
    }
    const first = this.width === 0;
    // Line numbers are padded to the widest seen so far in the file (a big file comes in chunks).
    this.width = Math.max(this.width, String(chunk.lines.at(-1)?.line ?? 0).length);
    const rows = chunk.lines.map(
      (l) => `${shortSha(l.commit)} (${safe(l.authorName)} ${formatTime(l.authorTime, l.authorTzOffset)} ${String(l.line).padStart(this.width)}) ${safe(l.content)}\n`,
    );
    await write(`${first ? `==> ${safe(chunk.path)} <==\n` : ''}${rows.join('')}`);
    if (chunk.done) this.width = 0;
  }

  async end(): Promise<void> {}
}

/**
 * One `{path, lines, error?}` object per file (ndjson: a line each; json: an array), written as
 * its chunks arrive so a big file is never held whole.
 */
class JsonWriter {
  private files = 0;
  private open = false;

  constructor(private readonly format: 'json' | 'ndjson') {}

  async add(chunk: BlameChunk): Promise<void> {
    let text = '';
    if (!this.open) {
      if (this.format === 'json') text += this.files === 0 ? '[\n' : ',\n';
      text += `{"path":${JSON.stringify(chunk.path)},"lines":[`;
      this.open = true;
    } else if (chunk.lines.length > 0) text += ',';
    text += chunk.lines.map((l: BlameLine) => JSON.stringify(l)).join(',');
    if (chunk.done) {
      text += `]${chunk.error ? `,"error":${JSON.stringify(chunk.error)}` : ''}}${this.format === 'ndjson' ? '\n' : ''}`;
      this.open = false;
      this.files++;
    }
    await write(text);
  }

  async end(): Promise<void> {
    if (this.format === 'json') await write(this.files === 0 ? '[]\n' : '\n]\n');
  }
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
