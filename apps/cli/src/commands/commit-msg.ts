import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { CommitMessageResult, GenerateOptions, PreparedDiff } from '@gitfleet/ai-diff';
import { z } from 'zod';
import { parseOptions, positiveInt, type RunContext } from '../context.js';
import { UsageError } from '../errors.js';
import { generateMessage, omitNote, preloadAiDiff, prepareMessage, releaseAiDiff, resultNotes } from '../hook/generate-message.js';
import { gitLine } from '../hook/git-command.js';
import { assertStaged } from '../hook/staged-changes.js';
import { note, table, write } from '../output.js';

/** Options shared by `commit-msg` and `commit`. */
export const generationSchema = z.object({
  repo: z.string().default('.'),
  conventional: z.boolean().default(false),
  style: z.enum(['plain', 'conventional', 'gitmoji']).optional(),
  lang: z.string().min(1).optional(),
  exclude: z.array(z.string().min(1)).default([]),
  conventions: z.boolean().default(true),
  promptFile: z.string().min(1).optional(),
  body: z.boolean().default(false),
  candidates: positiveInt.max(5).optional(),
  deadline: positiveInt.optional(),
  includeSecret: z.array(z.string().min(1)).default([]),
});
export type GenerationFlags = z.infer<typeof generationSchema>;

const schema = generationSchema.extend({
  diff: z.string().optional(),
  dryRun: z.boolean().default(false),
  format: z.enum(['text', 'json']).default('text'),
});


/**
 * `--include-secret` paths as the diff names them: relative to the repository root for a
 * repository (given relative to the current directory, like git paths), as written for `--diff`.
 */
export function secretPaths(paths: readonly string[], root: string | null): string[] {
  return paths.map((path) => {
    if (root === null) return path.replace(/^\.\//, '');
    const rel = relative(root, resolve(path));
    if (rel === '' || rel.startsWith('..')) throw new UsageError(`--include-secret ${path}: not a file inside the repository ${root}`);
    return rel.split(sep).join('/');
  });
}

/** Library options from the shared flags, plus the diff source. */
export function generateOptions(flags: GenerationFlags, source: { repo: string } | { diff: string }, ctx: RunContext, root: string | null = null): GenerateOptions {
  if (flags.conventional && flags.style !== undefined && flags.style !== 'conventional') throw new UsageError(`--conventional conflicts with --style ${flags.style}`);
  return {
    ...source,
    signal: ctx.signal,
    ...(flags.includeSecret.length > 0 ? { includeSecrets: secretPaths(flags.includeSecret, 'repo' in source ? source.repo : root) } : {}),
    ...(flags.conventional ? { conventional: true } : {}),
    ...(flags.style === undefined ? {} : { style: flags.style }),
    ...(flags.lang === undefined ? {} : { language: flags.lang }),
    ...(flags.exclude.length > 0 ? { exclude: flags.exclude } : {}),
    ...(flags.promptFile === undefined ? {} : { promptFile: resolve(flags.promptFile) }),
    // The repository's own conventions (learned from its history, cached per HEAD) unless --no-conventions.
    ...('repo' in source && flags.conventions ? { conventions: true } : {}),
    // Explicit: without it the library's local fallback adds a file-list body.
    body: flags.body,
    ...(flags.candidates === undefined ? {} : { candidates: flags.candidates }),
    ...(flags.deadline === undefined ? {} : { deadlineMs: flags.deadline }),
  };
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return text;
}

async function readDiffFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the diff file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/** The staged diff of `--repo`, or the diff text from `--diff FILE|-`. */
async function diffSource(opts: z.infer<typeof schema>, explicitRepo: boolean): Promise<{ repo: string } | { diff: string }> {
  if (opts.diff !== undefined) {
    if (explicitRepo) throw new UsageError('give either --repo or --diff, not both');
    const diff = opts.diff === '-' ? await readStdin() : await readDiffFile(opts.diff);
    if (diff.trim() === '') throw new UsageError(`the diff from ${opts.diff === '-' ? 'stdin' : opts.diff} is empty`);
    return { diff };
  }
  const root = await gitLine(['rev-parse', '--show-toplevel'], { cwd: resolve(opts.repo) });
  await assertStaged(root);
  return { repo: root };
}

/** `gitfleet commit-msg`: the message on stdout; omitted files and fallback notes on stderr. */
export async function commitMsgCommand(raw: Record<string, unknown>, ctx: RunContext): Promise<void> {
  const opts = parseOptions(schema, raw);
  preloadAiDiff();
  try {
    const result = opts.diff === undefined && !opts.dryRun && opts.includeSecret.length === 0 ? await stagedMessage(opts, ctx) : await otherSource(opts, raw, ctx);
    if (!result) return;
    for (const n of resultNotes(result, SECRET_HINT)) note(n);
    await write(opts.format === 'json' ? `${JSON.stringify(jsonResult(result), null, 2)}\n` : `${result.message.trim()}\n`);
  } finally {
    await releaseAiDiff();
  }
}

/**
 * The common case, the staged diff, with no git call of its own ahead of the library's: the
 * "anything staged?" check runs beside the generation (which sends nothing for an empty change),
 * and its failure (nothing staged, not a repository) is the one reported.
 */
async function stagedMessage(opts: z.infer<typeof schema>, ctx: RunContext): Promise<CommitMessageResult> {
  const cwd = resolve(opts.repo);
  const [staged, generated] = await Promise.allSettled([assertStaged(cwd), generateMessage(generateOptions(opts, { repo: cwd }, ctx))]);
  if (staged.status === 'rejected') throw staged.reason;
  if (generated.status === 'rejected') throw generated.reason;
  return generated.value;
}

/** `--diff`, `--dry-run` or `--include-secret` (paths resolved from the repository root): checks first. */
async function otherSource(opts: z.infer<typeof schema>, raw: Record<string, unknown>, ctx: RunContext): Promise<CommitMessageResult | null> {
  const source = await diffSource(opts, raw['repo'] !== undefined);
  const options = generateOptions(opts, source, ctx);
  if (opts.dryRun) {
    await dryRun(opts, source, options.includeSecrets ?? []);
    return null;
  }
  return generateMessage(options);
}

/** What `--include-secret` does, said once after the files it left out. */
export const SECRET_HINT = 'files that look like secrets are never sent to the model; --include-secret <path> sends one anyway';

/** `--format json`: the library's result with the fallback as a flag and its reason, for scripts. */
function jsonResult(result: CommitMessageResult): Record<string, unknown> {
  const { fallback, ...rest } = result;
  return { ...rest, fallback: fallback !== null, fallbackReason: fallback?.reason ?? null };
}

/** Userinfo in a base URL is a credential too: never print it. */
function safeUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return '(invalid URL)';
  }
}

/** `--dry-run`: the local stage only (read, omit, count, plan) and what a real run would send. */
async function dryRun(opts: z.infer<typeof schema>, source: { repo: string } | { diff: string }, includeSecrets: string[]): Promise<void> {
  const { loadAiConfig, modelInfo, readIgnoreRules, resolveMaxInputTokens } = await import('@gitfleet/ai-diff');
  const loaded = await loadAiConfig({ env: process.env });
  if (loaded.errors.length > 0) throw new UsageError(`invalid AI configuration: ${loaded.errors.join('; ')}`);
  for (const warning of loaded.warnings) note(warning);
  const { config } = loaded;
  const model = config.model || 'gpt-4.1-mini';
  const maxInputTokens = resolveMaxInputTokens(config, modelInfo(model));
  const prepared = await prepareMessage({
    ...source,
    model,
    provider: config.provider,
    maxInputTokens,
    concurrency: config.concurrency,
    subjectMaxLength: config.subjectMaxLength,
    conventional: opts.conventional,
    ...(opts.style === undefined ? {} : { style: opts.style }),
    ...(opts.lang === undefined ? {} : { language: opts.lang }),
    body: opts.body,
    ...(opts.candidates === undefined ? {} : { candidates: opts.candidates }),
    ...(config.maxMapCalls === undefined ? {} : { maxMapCalls: config.maxMapCalls }),
    exclude: [...(config.exclude ?? []), ...opts.exclude],
    // The same ignore files as a real run: .gitfleetignore (a repository) and the user's ignore file.
    ignore: await readIgnoreRules('repo' in source ? source.repo : null, undefined, process.env),
    ...(config.include === undefined ? {} : { include: config.include }),
    ...(includeSecrets.length > 0 ? { includeSecrets } : {}),
  });
  const report = planReport(prepared, config.provider);
  const summary = {
    provider: config.provider,
    model: config.provider === 'none' ? null : model,
    baseUrl: safeUrl(config.baseUrl),
    maxInputTokens,
    diffTokens: prepared.diffTokens,
    diffTokensExact: prepared.diffTokensExact,
    ...report,
    omitted: prepared.omitted,
    collapsed: prepared.collapsed,
  };
  if (opts.format === 'json') return write(`${JSON.stringify(summary, null, 2)}\n`);

  const lines = [
    `provider:  ${config.provider}${summary.model ? ` (${summary.model})` : ''}${summary.baseUrl ? ` at ${summary.baseUrl}` : ''}`,
    `budget:    ${maxInputTokens} input tokens per request; the diff is ${prepared.diffTokensExact ? '' : 'about '}${prepared.diffTokens} tokens`,
    `plan:      ${report.plan}`,
    `calls:     ${report.calls} model call${report.calls === 1 ? '' : 's'}${report.calls > 0 ? ' (more only on retries)' : ''}`,
    `sent:      ${report.files.length} file${report.files.length === 1 ? '' : 's'}`,
  ];
  let text = `${lines.join('\n')}\n`;
  const facts = new Map(prepared.facts.map((f) => [f.path, f]));
  if (report.files.length > 0) {
    text += table(
      ['path', 'status', '+', '-'],
      report.files.map((path) => {
        const f = facts.get(path);
        return [`  ${path}${report.truncated.includes(path) ? ' (truncated)' : ''}`, f?.status ?? '', f?.additions ?? '', f?.deletions ?? ''];
      }),
      ['left', 'left', 'right', 'right'],
    );
  }
  if (prepared.omitted.length > 0) text += `omitted:   ${prepared.omitted.map((o) => `${o.path} (${omitNote(o)})`).join(', ')}\n`;
  if (prepared.collapsed.length > 0) text += `collapsed: ${prepared.collapsed.map((c) => `${c.path} (${c.description})`).join(', ')}\n`;
  await write(text);
}

/** Plan in words, the model calls a real run makes (without retries), the paths whose content is sent. */
function planReport(prepared: PreparedDiff, provider: string): { plan: string; mode: string; calls: number; files: string[]; truncated: string[] } {
  const { plan } = prepared;
  switch (plan.mode) {
    case 'empty':
      return { plan: 'nothing to send: no changes', mode: 'local', calls: 0, files: [], truncated: [] };
    case 'too-small':
      return { plan: `local message: the budget (${plan.budget}) is below what the prompts need (${plan.needed})`, mode: 'local', calls: 0, files: [], truncated: [] };
    case 'single':
    case 'map': {
      const parts = plan.mode === 'single' ? [plan.message] : plan.parts;
      const files = [...new Set(parts.flatMap((p) => p.paths))];
      const truncated = plan.mode === 'map' ? plan.truncated : [];
      if (provider === 'none') return { plan: 'local message: no provider configured (set GITFLEET_AI_PROVIDER)', mode: 'local', calls: 0, files: [], truncated: [] };
      if (plan.mode === 'single') return { plan: `one request (${plan.message.tokens}-token user message)`, mode: 'single', calls: 1, files, truncated };
      return { plan: `map-reduce: ${plan.parts.length} analysis requests, then 1 reduce request`, mode: 'map-reduce', calls: plan.parts.length + 1, files, truncated };
    }
  }
}
