import type { TokenEncoding } from '../config/models.js';
import { DIFF_CLOSE, DIFF_OPEN, FORMAT_OVERHEAD_TOKENS, NOTES_TITLE, singleHead, type ChangeStats, type Stage } from '../prompts.js';
import { collapse, createClassifier, type IgnoreRules } from './classify.js';
import { contentFile, countUpTo, headerLine, isComplete, totalTokens, type ContentFile } from './content-file.js';
import { countTokens } from './count-tokens.js';
import { LineTokens } from './line-tokens.js';
import { Body, renderMessage } from './message-writer.js';
import { parseDiffLines } from './parse-diff.js';
import { mapCapacity, planMap } from './plan-map.js';
import { secretPathKind } from './secret-paths.js';
import { scanForSecrets, type ScanItem } from './secret-scan.js';
import { acceptCounts, lineCount, offerCounts, stopHelper, stopped, type CountShare } from './shared-counts.js';
import type { ChangeStatus, CollapsedFile, DiffLines, FileFact, FileHints, OmittedFile, ParsedFile } from './types.js';
import { waterFillLazy } from './water-fill.js';

/** A staged file as @gitfleet/git returns it (patch bytes are decoded in the worker). */
export interface SourceFile {
  path: string;
  oldPath: string | null;
  status: ChangeStatus;
  binary: boolean;
  additions: number;
  deletions: number;
  patch: Uint8Array | string;
  /** What `.gitattributes` and the staged file's first lines say (see read-source.ts). */
  hints?: FileHints;
}

export type DiffSource = { kind: 'text'; text: string } | { kind: 'files'; files: SourceFile[]; /** The work tree root. */ root?: string };

export interface PrepareSettings {
  encoding: TokenEncoding;
  /** Input tokens one request may use: system prompt + schema + user message. */
  maxInputTokens: number;
  /** `frameText()` of each stage: what a request carries besides its user message. */
  frames: Record<Stage, string>;
  /** Parallel map calls: the map plan aims at this many parts (or more when they must be). */
  concurrency: number;
  /** Water-filling caps the content sent to the map stage at about this many full requests. */
  maxMapCalls: number;
  exclude?: readonly string[];
  include?: readonly string[];
  /** Paths whose content is sent even though they look like secrets. */
  includeSecrets?: readonly string[];
  /**
   * `always` (default) counts with the model's tokenizer. `when-needed` first checks whether the
   * whole change fits one request by its UTF-8 bytes (a token is at least one byte): then the
   * tokenizer is never loaded, and the counts are byte counts, upper bounds.
   */
  tokenize?: 'always' | 'when-needed';
  /** `split` asks for commits by concern instead of one message (the user message's first line). */
  task?: 'message' | 'split';
  /** gitignore-syntax rules (`.gitfleetignore`, the user's ignore file): matching files are left out as "excluded by config". */
  ignore?: readonly IgnoreRules[];
}

/**
 * One request's user message and its tokens: the tokenizer's count of `user`, except that lines
 * with runs of 256+ non-space characters count as their bytes (so never below the real count).
 */
export interface PlannedMessage {
  user: string;
  tokens: number;
  paths: string[];
}

export type DiffPlan =
  | { mode: 'empty' }
  | { mode: 'too-small'; needed: number; budget: number }
  | { mode: 'single'; message: PlannedMessage }
  | { mode: 'map'; parts: PlannedMessage[]; truncated: string[] };

/** The local stage's result: what the model will see, and everything the fallback needs. */
export interface PreparedDiff {
  stats: ChangeStats;
  facts: FileFact[];
  omitted: OmittedFile[];
  collapsed: CollapsedFile[];
  encoding: TokenEncoding;
  /**
   * Tokens of all content that could go to the model (before any truncation). Exact when
   * `diffTokensExact`; otherwise files far larger than what the requests can carry were counted
   * only as far as their share, and the rest of their characters is estimated at the rate of the
   * lines counted.
   */
  diffTokens: number;
  diffTokensExact: boolean;
  /**
   * False when the change fit one request by its bytes and was not tokenized (`tokenize:
   * 'when-needed'`): `diffTokens`, `budgets` and the message's `tokens` are then byte counts.
   */
  tokenized: boolean;
  /** Tokens left for the user message of each stage. */
  budgets: Record<Stage, number>;
  plan: DiffPlan;
}

/** Below this many tokens of room, a map request cannot say anything useful. */
const MIN_USER_BUDGET = 160;
/** A helper waits this long at most for the planner to have parsed the diff. */
const HELPER_WAIT_MS = 10_000;

function decode(patch: Uint8Array | string): string {
  return typeof patch === 'string' ? patch : new TextDecoder('utf-8').decode(patch);
}

function filesOf(source: DiffSource): ParsedFile[] {
  if (source.kind === 'text') return parseDiffLines(source.text);
  return source.files.map((file) => {
    const text = decode(file.patch);
    const parsed = parseDiffLines(text)[0];
    return {
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      binary: file.binary || (parsed?.binary ?? false),
      additions: file.additions,
      deletions: file.deletions,
      modeChange: parsed?.modeChange ?? null,
      lines: parsed?.lines ?? { text, starts: [], ends: [], crlf: false },
      hunks: parsed?.hunks ?? [],
      ...(file.hints ? { hints: file.hints } : {}),
    };
  });
}

function notesOf(omitted: readonly OmittedFile[], collapsed: readonly CollapsedFile[]): string[] {
  return [...collapsed.map((c) => c.description), ...omitted.map((o) => `${o.path} (${o.reason}, content omitted)`)];
}

interface Collected {
  files: ParsedFile[];
  facts: FileFact[];
  omitted: OmittedFile[];
  collapsed: CollapsedFile[];
  /** Files whose content may be sent, not yet counted. */
  content: { file: ParsedFile; fact: FileFact }[];
  stats: ChangeStats;
}

/** Parse, omit (secrets by path first), collapse. The same for the planner and a helper. */
function collect(source: DiffSource, settings: PrepareSettings): Collected {
  const classify = createClassifier({ exclude: settings.exclude ?? [], include: settings.include ?? [], ignore: settings.ignore ?? [] });
  const sendAnyway = new Set(settings.includeSecrets ?? []);
  const files = filesOf(source);
  const omitted: OmittedFile[] = [];
  const collapsed: CollapsedFile[] = [];
  const content: Collected['content'] = [];
  const facts: FileFact[] = [];
  for (const file of files) {
    const fact: FileFact = {
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      binary: file.binary,
    };
    facts.push(fact);
    const secret = sendAnyway.has(file.path) ? null : (secretPathKind(file.path) ?? (file.oldPath === null ? null : secretPathKind(file.oldPath)));
    if (secret) {
      omitted.push({ path: file.path, reason: 'secret', detail: secret });
      continue;
    }
    const reason = classify(file);
    if (reason) {
      omitted.push(typeof reason === 'string' ? { path: file.path, reason } : { path: file.path, ...reason });
      continue;
    }
    const line = collapse(file);
    if (line) {
      collapsed.push(line);
      continue;
    }
    content.push({ file, fact });
  }
  const stats: ChangeStats = {
    files: files.length,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  };
  return { files, facts, omitted, collapsed, content, stats };
}

/** Tokens left for the user message of each stage. */
function budgetsOf(settings: PrepareSettings, count: (text: string) => number): Record<Stage, number> {
  return {
    single: settings.maxInputTokens - count(settings.frames.single) - FORMAT_OVERHEAD_TOKENS,
    map: settings.maxInputTokens - count(settings.frames.map) - FORMAT_OVERHEAD_TOKENS,
    reduce: settings.maxInputTokens - count(settings.frames.reduce) - FORMAT_OVERHEAD_TOKENS,
  };
}

/**
 * Per file, the diff text a plan sends: each request's sections, from a file's header line (known
 * exactly, and never equal to a diff line, which starts with ` `, `+`, `-`, `@` or `\\`) to the
 * next one. Only what is sent is screened for secrets: a file cut to its share is screened as far
 * as it goes to the model.
 */
function sentSections(plan: DiffPlan, headers: ReadonlyMap<string, string>): ScanItem[] {
  const messages = plan.mode === 'single' ? [plan.message] : plan.mode === 'map' ? plan.parts : [];
  const items: ScanItem[] = [];
  for (const { user } of messages) {
    let current: { path: string; start: number } | null = null;
    for (let at = user.indexOf('\ndiff --git '); at !== -1; at = user.indexOf('\ndiff --git ', at + 1)) {
      const lineEnd = user.indexOf('\n', at + 1);
      const path = headers.get(user.slice(at + 1, lineEnd === -1 ? user.length : lineEnd));
      if (path === undefined) continue;
      if (current) items.push({ path: current.path, text: user.slice(current.start, at) });
      current = { path, start: lineEnd === -1 ? user.length : lineEnd + 1 };
    }
    if (current) items.push({ path: current.path, text: user.slice(current.start) });
  }
  return items;
}

/**
 * Plans, screens what the plan sends for secrets (secret-scan.ts), and while a file turns out to
 * hold one, moves it to `omitted` and plans again (line counts are kept, so that is quick).
 */
async function planScreened(
  collected: Collected,
  settings: PrepareSettings,
  ctx: { count: (text: string) => number; lineTokens: LineTokens },
  singleOnly: boolean,
): Promise<Omit<PreparedDiff, 'tokenized'> | null> {
  const sendAnyway = new Set(settings.includeSecrets ?? []);
  for (;;) {
    const planned = plan(collected, settings, ctx, singleOnly);
    if (!planned) return null;
    const headers = new Map(collected.content.map(({ file }) => [headerLine(file), file.path]));
    const items = sentSections(planned.plan, headers).filter((item) => !sendAnyway.has(item.path));
    const found = await scanForSecrets(items);
    if (found.size === 0) return planned;
    const flagged = new Map<string, string>();
    for (const [i, detail] of found) if (!flagged.has(items[i]!.path)) flagged.set(items[i]!.path, detail);
    for (const [path, detail] of flagged) collected.omitted.push({ path, reason: 'secret', detail });
    collected.content = collected.content.filter(({ file }) => !flagged.has(file.path));
  }
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The distinct diff texts of `files`, in order: what a shared table of line counts covers. */
function docsOf(files: readonly ParsedFile[]): DiffLines[] {
  return [...new Set(files.map((file) => file.lines))];
}

/**
 * The local stage, CPU-bound (runs in the worker pool): parse, omit (secrets by path and content,
 * lock, generated, ...), collapse, count tokens with the model's tokenizer and plan the requests
 * so each fits `maxInputTokens`. Every line is tokenized at most once, and only lines that may be
 * sent: a file far larger than its share of the requests is counted only as far as that share.
 * With `share`, a helper worker running {@link precountSync} counts lines too (the result is the
 * same, sooner).
 */
export async function prepare(source: DiffSource, settings: PrepareSettings, share?: CountShare): Promise<PreparedDiff> {
  try {
    const collected = collect(source, settings);
    if (!share && settings.tokenize === 'when-needed') {
      const planned = await planByBytes(collected, settings);
      if (planned) return planned;
    }
    const count = (text: string): number => countTokens(text, settings.encoding);
    const docs = share ? docsOf(collected.files) : [];
    const lineTokens = new LineTokens(count, share ? { counts: offerCounts(share, docs), docs } : undefined);
    return { ...(await planScreened(collected, settings, { count, lineTokens }, false))!, tokenized: true };
  } finally {
    if (share) {
      stopHelper(share.control);
      share.port.close();
    }
  }
}

/**
 * The whole change in one request, planned with byte counts (never loading the tokenizer), or
 * null when its bytes do not fit. Cheap enough for a small diff on the caller's thread (see
 * `inProcessMaxChars`).
 */
export async function prepareByBytes(source: DiffSource, settings: PrepareSettings): Promise<PreparedDiff | null> {
  return planByBytes(collect(source, settings), settings);
}

async function planByBytes(collected: Collected, settings: PrepareSettings): Promise<PreparedDiff | null> {
  if (!fitsByBytes(collected, settings)) return null;
  const planned = await planScreened(collected, settings, { count: utf8Bytes, lineTokens: new LineTokens(utf8Bytes) }, true);
  return planned ? { ...planned, tokenized: false, diffTokensExact: false } : null;
}

/** A cheap first check: the diff texts holding the content, in characters, must fit the single request's bytes. */
function fitsByBytes(collected: Collected, settings: PrepareSettings): boolean {
  let chars = 0;
  // Files of a diff given as text share one text.
  for (const text of new Set(collected.content.map(({ file }) => file.lines.text))) chars += text.length;
  return chars < settings.maxInputTokens;
}

/** Plans with `ctx.count`; with `singleOnly`, null unless everything fits one request. */
function plan(
  collected: Collected,
  settings: PrepareSettings,
  ctx: { count: (text: string) => number; lineTokens: LineTokens },
  singleOnly: boolean,
): Omit<PreparedDiff, 'tokenized'> | null {
  const { files, facts, omitted, collapsed, stats } = collected;
  const { count } = ctx;
  const budgets = budgetsOf(settings, count);
  const content = collected.content.map(({ file, fact }) => contentFile(file, fact, count));
  const base = { stats, facts, omitted, collapsed, encoding: settings.encoding, budgets };
  const withTotal = (plan: DiffPlan): Omit<PreparedDiff, 'tokenized'> => {
    const total = totalTokens(content);
    return { ...base, diffTokens: total.tokens, diffTokensExact: total.exact, plan };
  };
  if (files.length === 0) return withTotal({ mode: 'empty' });
  const notes = notesOf(omitted, collapsed);
  const single = planSingle(content, notes, stats, budgets.single, ctx, settings.task);
  if (single) return withTotal({ mode: 'single', message: single });
  if (singleOnly) return null;
  if (budgets.map < MIN_USER_BUDGET || budgets.reduce < MIN_USER_BUDGET) {
    const needed = settings.maxInputTokens - Math.min(budgets.map, budgets.reduce) + MIN_USER_BUDGET;
    return withTotal({ mode: 'too-small', needed, budget: settings.maxInputTokens });
  }
  return withTotal(planMap(content, stats, budgets.map, settings, ctx));
}

class Stopped extends Error {}

/**
 * A helper's half of {@link prepare} (in a second worker of the pool): it parses the same
 * diff and counts what the map plan's water-filling will need, from the last file backwards,
 * into the planner's shared table, until the planner is done.
 */
export function precountSync(source: DiffSource, settings: PrepareSettings, share: CountShare): void {
  try {
    if (stopped(share)) return;
    const count = (text: string): number => {
      if (stopped(share)) throw new Stopped();
      return countTokens(text, settings.encoding);
    };
    const { files, content: candidates, stats } = collect(source, settings);
    const budgets = budgetsOf(settings, count);
    const content = candidates.map(({ file, fact }) => contentFile(file, fact, count));
    const docs = docsOf(files);
    const counts = acceptCounts(share, HELPER_WAIT_MS);
    if (!counts || counts.length < Math.max(1, lineCount(docs)) || budgets.map < MIN_USER_BUDGET) return;
    const lineTokens = new LineTokens(count, { counts, docs });
    const backwards = [...content].reverse();
    waterFillLazy(backwards.length, mapCapacity(budgets.map, stats, settings, count), (i, cap) => countUpTo(backwards[i]!, cap, lineTokens));
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
  } finally {
    share.port.close();
  }
}

/** The whole diff in one message, or null when it does not fit `budget` (files are counted only until it is clear). */
function planSingle(
  files: readonly ContentFile[],
  notes: readonly string[],
  stats: ChangeStats,
  budget: number,
  ctx: { count: (text: string) => number; lineTokens: LineTokens },
  task: PrepareSettings['task'],
): PlannedMessage | null {
  const head = [singleHead(stats, task), ...(notes.length === 0 ? [] : [NOTES_TITLE, ...notes.map((n) => `- ${n}`)]), DIFF_OPEN];
  const limit = budget * 1.02 - ctx.count(`${head.join('\n')}\n`) - 8;
  let sum = 0;
  for (const file of files) {
    sum += countUpTo(file, limit - sum, ctx.lineTokens);
    if (sum > limit || !isComplete(file)) return null;
  }
  const body = new Body(ctx.lineTokens);
  for (const file of files) {
    file.header.forEach((line, i) => body.text(line, file.headerLineTokens[i]));
    for (const hunk of file.hunks) body.diffLines(file.lines, hunk.from, hunk.to);
  }
  const message = renderMessage(head, body, DIFF_CLOSE, ctx.count);
  return message.tokens <= budget ? { ...message, paths: files.map((f) => f.fact.path) } : null;
}
