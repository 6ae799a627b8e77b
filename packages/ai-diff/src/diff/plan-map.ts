import { DIFF_CLOSE, DIFF_OPEN, mapHead, type ChangeStats } from '../prompts.js';
import { countUpTo, hunkCounted, type ContentFile } from './content-file.js';
import type { LineTokens } from './line-tokens.js';
import { Body, renderMessage } from './message-writer.js';
import { lineAt } from './parse-diff.js';
import type { DiffPlan, PlannedMessage, PrepareSettings } from './prepare.js';
import { waterFillLazy } from './water-fill.js';

interface Counting {
  count: (text: string) => number;
  lineTokens: LineTokens;
}

/** Lines of one hunk under its `@@` line `at`: lines `from` to `to`, or one line cut to `cut`. */
interface Segment {
  at: number;
  from: number;
  to: number;
  cut: string | null;
  tokens: number;
}

/** One file's share of a part: its header, then segments of its hunks and maybe a marker line. */
interface Piece {
  file: ContentFile;
  segments: (Segment | { marker: string; tokens: number })[];
  tokens: number;
}

/**
 * Lines of hunk `h` in segments of at most `room` tokens, each under the hunk's `@@` line, while
 * the segments fit in `budget` tokens (the first line is always taken, cut to fit if need be).
 */
function splitHunk(file: ContentFile, h: number, room: number, budget: number, ctx: Counting): Segment[] {
  const { lines } = file;
  const { from: at, to } = file.hunks[h]!;
  const atTokens = ctx.lineTokens.tokens(lines, at);
  const segments: Segment[] = [];
  let spent = 0;
  let from = at + 1;
  let used = atTokens;
  let end = to;
  for (let i = at + 1; i < to; i++) {
    const t = ctx.lineTokens.tokens(lines, i);
    if (i > from && used + t > room) {
      segments.push({ at, from, to: i, cut: null, tokens: used });
      spent += used;
      from = i;
      used = atTokens;
    }
    const taken = spent > 0 || i > from;
    // One line longer than the room on its own is cut by characters (it is mostly minified or data).
    if (atTokens + t > room) {
      const fit = taken ? room : Math.min(room, Math.max(budget, atTokens + 1));
      if (taken && spent + fit > budget) {
        end = i;
        break;
      }
      const line = lineAt(lines, i);
      const keep = Math.max(1, Math.floor(((fit - atTokens) / t) * line.length * 0.9));
      segments.push({ at, from: i, to: i, cut: `${line.slice(0, keep)} [line cut]`, tokens: fit });
      spent += fit;
      from = i + 1;
      continue;
    }
    if (taken && spent + used + t > budget) {
      end = i;
      break;
    }
    used += t;
  }
  if (end > from) segments.push({ at, from, to: end, cut: null, tokens: used });
  return segments;
}

/** Pieces of one file within `allocation` tokens, none larger than `target`. */
function piecesOf(file: ContentFile, allocation: number, target: number, ctx: Counting): { pieces: Piece[]; truncated: boolean } {
  countUpTo(file, allocation, ctx.lineTokens);
  const room = Math.max(16, target - file.headerTokens);
  let spent = file.headerTokens;
  let kept = 0;
  for (let h = 0; h < file.hunks.length; h++) {
    if (!hunkCounted(file, h) || spent + file.hunkTokens[h]! > allocation) break;
    spent += file.hunkTokens[h]!;
    kept++;
  }
  const segments: Piece['segments'] = [];
  if (kept === 0 && file.hunks.length > 0) {
    // Not even the first hunk fits: send the lines of it that do.
    segments.push(...splitHunk(file, 0, room, Math.max(16, allocation - file.headerTokens), ctx));
  }
  for (let h = 0; h < kept; h++) {
    const { from, to } = file.hunks[h]!;
    const tokens = file.hunkTokens[h]!;
    segments.push(...(tokens > room ? splitHunk(file, h, room, Infinity, ctx) : [{ at: from, from: from + 1, to, cut: null, tokens }]));
  }
  const truncated = kept < file.hunks.length;
  if (truncated) {
    const rest = file.hunks.length - kept;
    const { path, additions, deletions } = file.fact;
    const marker = `[${String(rest)} more hunk${rest === 1 ? '' : 's'} of ${path} not shown; the file has +${String(additions)} -${String(deletions)} lines in all]`;
    segments.push({ marker, tokens: ctx.count(`${marker}\n`) });
  }
  const pieces: Piece[] = [];
  let piece: Piece = { file, segments: [], tokens: file.headerTokens };
  for (const segment of segments) {
    if (piece.segments.length > 0 && piece.tokens + segment.tokens > target) {
      pieces.push(piece);
      piece = { file, segments: [], tokens: file.headerTokens };
    }
    piece.segments.push(segment);
    piece.tokens += segment.tokens;
  }
  pieces.push(piece);
  return { pieces, truncated };
}

function writePiece(body: Body, piece: Piece): void {
  const { file } = piece;
  file.header.forEach((line, i) => body.text(line, file.headerLineTokens[i]));
  for (const segment of piece.segments) {
    if ('marker' in segment) {
      body.text(segment.marker, segment.tokens);
      continue;
    }
    body.diffLine(file.lines, segment.at);
    if (segment.cut === null) body.diffLines(file.lines, segment.from, segment.to);
    else body.text(segment.cut);
  }
}

/** Room for diff text in one map request: the budget minus the head (part numbers of at most 4 digits). */
function mapRoom(budget: number, stats: ChangeStats, count: (text: string) => number): number {
  const frame = count(`${mapHead(9999, 9999, stats)}\n${DIFF_OPEN}\n\n${DIFF_CLOSE}`) + 2;
  return Math.floor((budget - frame) * 0.98);
}

/** Tokens of diff text the map stage carries at most: about `maxMapCalls` full requests. */
export function mapCapacity(budget: number, stats: ChangeStats, settings: PrepareSettings, count: (text: string) => number): number {
  return mapRoom(budget, stats, count) * Math.max(1, settings.maxMapCalls);
}

/**
 * The map plan: water-filling gives each file a fair share of `maxMapCalls` requests (files are
 * counted only as far as their share), the shares are cut into pieces and packed into parts
 * aiming at `concurrency` requests, and each part is rendered with its exact token count.
 */
export function planMap(files: readonly ContentFile[], stats: ChangeStats, budget: number, settings: PrepareSettings, ctx: Counting): DiffPlan {
  const room = mapRoom(budget, stats, ctx.count);
  const allocations = waterFillLazy(files.length, mapCapacity(budget, stats, settings, ctx.count), (i, cap) => countUpTo(files[i]!, cap, ctx.lineTokens));
  const total = allocations.reduce((sum, a) => sum + a, 0);
  const target = Math.min(room, Math.max(Math.min(room, 1024), Math.ceil(total / Math.max(1, settings.concurrency))));
  const truncated: string[] = [];
  const pieces: Piece[] = [];
  files.forEach((file, i) => {
    const result = piecesOf(file, allocations[i]!, target, ctx);
    if (result.truncated) truncated.push(file.fact.path);
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
    const body = new Body(ctx.lineTokens);
    for (const piece of g) writePiece(body, piece);
    return fitMessage(mapHead(i + 1, groups.length, stats), body, budget, ctx, [...new Set(g.map((p) => p.file.fact.path))]);
  });
  return { mode: 'map', parts, truncated };
}

/** Renders a map message and drops trailing lines in the rare case the exact count is over. */
function fitMessage(head: string, body: Body, budget: number, ctx: Counting, paths: string[]): PlannedMessage {
  let message = renderMessage([head, DIFF_OPEN], body, DIFF_CLOSE, ctx.count);
  let lines = body.pieces.length;
  while (message.tokens > budget && lines > 1) {
    lines = Math.max(1, Math.floor(lines * 0.95));
    message = renderMessage([head, DIFF_OPEN], body, DIFF_CLOSE, ctx.count, lines, ['[rest of this part cut to fit the token budget]']);
  }
  return { ...message, paths };
}
