import type { TokenEncoding } from '../config/models.js';
import {
  DIFF_CLOSE,
  DIFF_OPEN,
  FORMAT_OVERHEAD_TOKENS,
  NOTES_TITLE,
  mapHead,
  singleHead,
  type ChangeStats,
  type Stage,
} from '../prompts.js';
import { collapse, createClassifier } from './classify.js';
import { countTokens } from './count-tokens.js';
import { parseDiff } from './parse-diff.js';
import type { ChangeStatus, CollapsedFile, CountedFile, DiffFile, FileFact, OmittedFile } from './types.js';
import { waterFill } from './water-fill.js';

/** A staged file as @gitfleet/git returns it (patch bytes are decoded in the worker). */
export interface SourceFile {
  path: string;
  oldPath: string | null;
  status: ChangeStatus;
  binary: boolean;
  additions: number;
  deletions: number;
  patch: Uint8Array | string;
}

export type DiffSource = { kind: 'text'; text: string } | { kind: 'files'; files: SourceFile[] };

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
}

/** One request's user message, counted exactly. */
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
  /** Tokens of all content that could go to the model (before any truncation). */
  diffTokens: number;
  /** Tokens left for the user message of each stage. */
  budgets: Record<Stage, number>;
  plan: DiffPlan;
}

/** Below this many tokens of room, a map request cannot say anything useful. */
const MIN_USER_BUDGET = 160;

function decode(patch: Uint8Array | string): string {
  return typeof patch === 'string' ? patch : new TextDecoder('utf-8').decode(patch);
}

function filesOf(source: DiffSource): DiffFile[] {
  if (source.kind === 'text') return parseDiff(source.text);
  return source.files.map((file) => {
    const parsed = parseDiff(decode(file.patch))[0];
    return {
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      binary: file.binary || (parsed?.binary ?? false),
      additions: file.additions,
      deletions: file.deletions,
      modeChange: parsed?.modeChange ?? null,
      hunks: parsed?.hunks ?? [],
    };
  });
}

/** The compact header we send instead of git's (no `index` or `---`/`+++` lines). */
function fileHeader(file: DiffFile): string {
  const lines = [`diff --git a/${file.oldPath ?? file.path} b/${file.path}`];
  if (file.status === 'added') lines.push('new file');
  if (file.status === 'deleted') lines.push('deleted file');
  if (file.status === 'renamed' || file.status === 'copied') {
    const verb = file.status === 'renamed' ? 'rename' : 'copy';
    lines.push(`${verb} from ${file.oldPath ?? ''}`, `${verb} to ${file.path}`);
  }
  if (file.modeChange) lines.push(`old mode ${file.modeChange.from}`, `new mode ${file.modeChange.to}`);
  return lines.join('\n');
}

function notesOf(omitted: readonly OmittedFile[], collapsed: readonly CollapsedFile[]): string[] {
  return [...collapsed.map((c) => c.description), ...omitted.map((o) => `${o.path} (${o.reason}, content omitted)`)];
}

function notesBlock(notes: readonly string[]): string {
  return notes.length === 0 ? '' : `${NOTES_TITLE}\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
}

/**
 * The local stage, synchronous and CPU-bound (runs in the worker pool): parse, omit, collapse,
 * count tokens with the model's tokenizer and plan the requests so each fits `maxInputTokens`.
 */
export function prepareSync(source: DiffSource, settings: PrepareSettings): PreparedDiff {
  const count = (text: string): number => countTokens(text, settings.encoding);
  const classify = createClassifier({ exclude: settings.exclude ?? [], include: settings.include ?? [] });
  const files = filesOf(source);
  const omitted: OmittedFile[] = [];
  const collapsed: CollapsedFile[] = [];
  const counted: CountedFile[] = [];
  const facts: FileFact[] = [];
  for (const file of files) {
    facts.push({
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      binary: file.binary,
    });
    const reason = classify(file);
    if (reason) {
      omitted.push({ path: file.path, reason });
      continue;
    }
    const line = collapse(file);
    if (line) {
      collapsed.push(line);
      continue;
    }
    const header = fileHeader(file);
    const headerTokens = count(header) + 1;
    const hunks = file.hunks.map((text) => ({ text, tokens: count(text) + 1 }));
    const tokens = headerTokens + hunks.reduce((sum, h) => sum + h.tokens, 0);
    counted.push({ ...facts[facts.length - 1]!, header, headerTokens, hunks, tokens });
  }
  const stats: ChangeStats = {
    files: files.length,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  };
  const budgets = {
    single: settings.maxInputTokens - count(settings.frames.single) - FORMAT_OVERHEAD_TOKENS,
    map: settings.maxInputTokens - count(settings.frames.map) - FORMAT_OVERHEAD_TOKENS,
    reduce: settings.maxInputTokens - count(settings.frames.reduce) - FORMAT_OVERHEAD_TOKENS,
  };
  const diffTokens = counted.reduce((sum, f) => sum + f.tokens, 0);
  const base = { stats, facts, omitted, collapsed, encoding: settings.encoding, diffTokens, budgets };
  if (files.length === 0) return { ...base, plan: { mode: 'empty' } };
  const notes = notesOf(omitted, collapsed);
  const single = planSingle(counted, notes, stats, budgets.single, count);
  if (single) return { ...base, plan: { mode: 'single', message: single } };
  if (budgets.map < MIN_USER_BUDGET || budgets.reduce < MIN_USER_BUDGET) {
    const needed = settings.maxInputTokens - Math.min(budgets.map, budgets.reduce) + MIN_USER_BUDGET;
    return { ...base, plan: { mode: 'too-small', needed, budget: settings.maxInputTokens } };
  }
  return { ...base, plan: planMap(counted, stats, budgets.map, settings, count) };
}

function wrapDiff(head: string, notes: string, body: string): string {
  return `${head}\n${notes}${DIFF_OPEN}\n${body}\n${DIFF_CLOSE}`;
}

function renderWhole(file: CountedFile): string {
  return [file.header, ...file.hunks.map((h) => h.text)].join('\n');
}

function planSingle(
  files: readonly CountedFile[],
  notes: readonly string[],
  stats: ChangeStats,
  budget: number,
  count: (text: string) => number,
): PlannedMessage | null {
  const head = singleHead(stats);
  const block = notesBlock(notes);
  const estimate = files.reduce((sum, f) => sum + f.tokens, 0) + count(head) + count(block) + 8;
  if (estimate > budget * 1.02) return null;
  const user = wrapDiff(head, block, files.map(renderWhole).join('\n'));
  const tokens = count(user);
  return tokens <= budget ? { user, tokens, paths: files.map((f) => f.path) } : null;
}

interface Piece {
  path: string;
  text: string;
  tokens: number;
}

/** Lines of `hunk` in segments of at most `room` tokens, each under the hunk's `@@` line. */
function splitHunk(hunk: { text: string; tokens: number }, room: number, count: (t: string) => number): { text: string; tokens: number }[] {
  const [at = '', ...lines] = hunk.text.split('\n');
  const atTokens = count(at) + 1;
  const segments: { text: string; tokens: number }[] = [];
  let current: string[] = [];
  let used = atTokens;
  for (const line of lines) {
    const t = count(line) + 1;
    if (current.length > 0 && used + t > room) {
      segments.push({ text: [at, ...current].join('\n'), tokens: used });
      current = [];
      used = atTokens;
    }
    // One line longer than the room on its own is cut by characters (it is mostly minified or data).
    if (atTokens + t > room) {
      const keep = Math.max(1, Math.floor(((room - atTokens) / t) * line.length * 0.9));
      current.push(`${line.slice(0, keep)} [line cut]`);
      used += room - atTokens;
      continue;
    }
    current.push(line);
    used += t;
  }
  if (current.length > 0) segments.push({ text: [at, ...current].join('\n'), tokens: used });
  return segments;
}

/** Pieces of one file within `allocation` tokens, none larger than `target`. */
function piecesOf(file: CountedFile, allocation: number, target: number, count: (t: string) => number): { pieces: Piece[]; truncated: boolean } {
  const pieces: Piece[] = [];
  const room = Math.max(16, target - file.headerTokens);
  let spent = file.headerTokens;
  let hunks: { text: string; tokens: number }[] = [];
  let kept = 0;
  for (const hunk of file.hunks) {
    if (spent + hunk.tokens > allocation) break;
    hunks.push(hunk);
    spent += hunk.tokens;
    kept++;
  }
  // Not even the first hunk fits: send the lines of it that do.
  if (kept === 0 && file.hunks.length > 0) {
    const first = splitHunk(file.hunks[0]!, Math.max(16, allocation - file.headerTokens), count)[0];
    if (first) hunks = [first];
  }
  const truncated = kept < file.hunks.length;
  const segments = hunks.flatMap((h) => (h.tokens > room ? splitHunk(h, room, count) : [h]));
  if (truncated) {
    const rest = file.hunks.length - kept;
    const marker = `[${String(rest)} more hunk${rest === 1 ? '' : 's'} of ${file.path} not shown; the file has +${String(file.additions)} -${String(file.deletions)} lines in all]`;
    segments.push({ text: marker, tokens: count(marker) + 1 });
  }
  let text: string[] = [file.header];
  let tokens = file.headerTokens;
  for (const segment of segments) {
    if (text.length > 1 && tokens + segment.tokens > target) {
      pieces.push({ path: file.path, text: text.join('\n'), tokens });
      text = [file.header];
      tokens = file.headerTokens;
    }
    text.push(segment.text);
    tokens += segment.tokens;
  }
  pieces.push({ path: file.path, text: text.join('\n'), tokens });
  return { pieces, truncated };
}

function planMap(
  files: readonly CountedFile[],
  stats: ChangeStats,
  budget: number,
  settings: PrepareSettings,
  count: (text: string) => number,
): DiffPlan {
  // Room for diff text in one part: the budget minus the head (its part numbers are at most 4 digits).
  const frame = count(wrapDiff(mapHead(9999, 9999, stats), '', '')) + 2;
  const room = Math.floor((budget - frame) * 0.98);
  const sizes = files.map((f) => f.tokens);
  const allocations = waterFill(sizes, room * Math.max(1, settings.maxMapCalls));
  const total = allocations.reduce((sum, a) => sum + a, 0);
  const target = Math.min(room, Math.max(Math.min(room, 1024), Math.ceil(total / Math.max(1, settings.concurrency))));
  const truncated: string[] = [];
  const pieces: Piece[] = [];
  files.forEach((file, i) => {
    const result = piecesOf(file, allocations[i]!, target, count);
    if (result.truncated) truncated.push(file.path);
    pieces.push(...result.pieces);
  });
  const groups: Piece[][] = [];
  let group: Piece[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (group.length > 0 && used + piece.tokens > target) {
      groups.push(group);
      group = [];
      used = 0;
    }
    group.push(piece);
    used += piece.tokens;
  }
  if (group.length > 0) groups.push(group);
  const parts = groups.map((g, i) => {
    const head = mapHead(i + 1, groups.length, stats);
    const body = g.map((p) => p.text).join('\n');
    return fitMessage(head, body, budget, count, [...new Set(g.map((p) => p.path))]);
  });
  return { mode: 'map', parts, truncated };
}

/** Renders a map message and trims trailing lines in the rare case the exact count is over. */
function fitMessage(head: string, body: string, budget: number, count: (t: string) => number, paths: string[]): PlannedMessage {
  let user = wrapDiff(head, '', body);
  let tokens = count(user);
  let lines = body.split('\n');
  while (tokens > budget && lines.length > 1) {
    lines = lines.slice(0, Math.max(1, Math.floor(lines.length * 0.95)));
    user = wrapDiff(head, '', `${lines.join('\n')}\n[rest of this part cut to fit the token budget]`);
    tokens = count(user);
  }
  return { user, tokens, paths };
}
