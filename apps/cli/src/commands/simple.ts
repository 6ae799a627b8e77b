import type { Branch, StagedFile, TreeFile } from '@gitfleet/git';
import { z } from 'zod';
import { globalSchema, open, parseOptions, type RunContext } from '../context.js';
import { ItemWriter, safe, shortSha, table, write } from '../output.js';

async function writeAll<T>(items: T[], opts: { format: 'json' | 'ndjson' | 'csv'; csvSafe: boolean }): Promise<void> {
  const out = new ItemWriter<T>(opts.format, undefined, opts);
  for (const item of items) await out.add(item);
  await out.end();
}

/** `gitfleet branches <repo>` */
export async function branchesCommand(repoPath: string, raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(globalSchema, raw);
  await using repo = await open(repoPath, opts, ctx);
  const branches = await repo.branches({ signal: ctx.signal });
  if (opts.format !== 'table') return writeAll<Branch>(branches, { ...opts, format: opts.format });
  await write(
    table(
      ['', 'branch', 'commit', 'upstream'],
      branches.map((b) => [b.isHead ? '*' : '', b.name, shortSha(b.commit), b.upstream ?? '']),
    ),
  );
}

const filesSchema = globalSchema.extend({ rev: z.string().optional() });

/** `gitfleet files <repo> <glob...>` */
export async function filesCommand(repoPath: string, globs: string[], raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(filesSchema, raw);
  await using repo = await open(repoPath, opts, ctx);
  const files = await repo.files(globs, { signal: ctx.signal, ...(opts.rev ? { rev: opts.rev } : {}) });
  if (opts.format !== 'table') return writeAll<TreeFile>(files, { ...opts, format: opts.format });
  // One path per line, like `git ls-files`, so the output pipes into other tools.
  for (const f of files) await write(`${safe(f.path)}\n`);
}

const diffSchema = globalSchema.extend({
  staged: z.literal(true, { message: 'only --staged is supported: gitfleet diff --staged <repo>' }),
  format: z.enum(['patch', 'table', 'json', 'ndjson', 'csv']).default('patch'),
});

/** `gitfleet diff --staged <repo>` */
export async function diffCommand(repoPath: string, raw: unknown, ctx: RunContext): Promise<void> {
  const opts = parseOptions(diffSchema, raw);
  await using repo = await open(repoPath, { ...opts, format: 'table' }, ctx);
  const diff = await repo.stagedDiff({ signal: ctx.signal });
  switch (opts.format) {
    case 'patch':
      for (const f of diff.files) await write(f.patch);
      return;
    case 'table':
      await write(
        table(
          ['status', '+', '-', 'path'],
          diff.files.map((f) => [
            f.status,
            f.binary ? 'bin' : f.additions,
            f.binary ? 'bin' : f.deletions,
            f.oldPath ? `${f.oldPath} -> ${f.path}` : f.path,
          ]),
          ['left', 'right', 'right', 'left'],
        ),
      );
      await write(`${diff.files.length} files, +${diff.additions} -${diff.deletions}\n`);
      return;
    case 'json':
      await write(`${JSON.stringify({ ...diff, files: diff.files.map(jsonFile) }, null, 2)}\n`);
      return;
    case 'ndjson':
      return writeAll(diff.files.map(jsonFile), { ...opts, format: 'ndjson' });
    case 'csv':
      // A patch is not a CSV cell; CSV lists the files.
      return writeAll(diff.files.map(({ patch: _patch, ...rest }) => rest), { ...opts, format: 'csv' });
  }
}

/** JSON can't carry raw bytes: `patch` is UTF-8 text, plus `patchBase64` when the bytes aren't valid UTF-8. */
function jsonFile(f: StagedFile): Record<string, unknown> {
  const bytes = Buffer.from(f.patch);
  const text = bytes.toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(bytes);
  return { ...f, patch: text, ...(exact ? {} : { patchBase64: bytes.toString('base64') }) };
}
