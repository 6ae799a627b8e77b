import type { LineTokens } from './line-tokens.js';
import type { DiffLines, FileFact, ParsedFile } from './types.js';

/**
 * A file whose content may go to the model, with its compact header, counted lazily line by line:
 * a file far larger than its share of the requests is counted only as far as that share.
 */
export interface ContentFile {
  fact: FileFact;
  /** The compact header we send instead of git's (no `index` or `---`/`+++` lines), by line. */
  header: string[];
  headerLineTokens: number[];
  headerTokens: number;
  lines: DiffLines;
  hunks: { from: number; to: number }[];
  /** Tokens counted so far per hunk (all of it for hunks before `nextHunk`). */
  hunkTokens: number[];
  /** Tokens counted so far: header plus every counted line, each with its line break. */
  counted: number;
  /** Characters of content behind `counted` (header excluded), and of all the content. */
  countedChars: number;
  contentChars: number;
  /** Where counting resumes. */
  nextHunk: number;
  nextLine: number;
}

/** `a/x`, or quoted like git quotes paths (`"a/x\\ny"`) when a line break, a quote or a backslash would break the line. */
function side(prefix: string, path: string): string {
  return /[\0-\x1f"\\]/.test(path) ? JSON.stringify(`${prefix}${path}`) : `${prefix}${path}`;
}

/** The first line of the compact header we send for `file`: always one line. */
export function headerLine(file: Pick<ParsedFile, 'path' | 'oldPath'>): string {
  return `diff --git ${side('a/', file.oldPath ?? file.path)} ${side('b/', file.path)}`;
}

function headerLines(file: ParsedFile): string[] {
  const lines = [headerLine(file)];
  if (file.status === 'added') lines.push('new file');
  if (file.status === 'deleted') lines.push('deleted file');
  if (file.status === 'renamed' || file.status === 'copied') {
    const verb = file.status === 'renamed' ? 'rename' : 'copy';
    lines.push(`${verb} from ${file.oldPath ?? ''}`, `${verb} to ${file.path}`);
  }
  if (file.modeChange) lines.push(`old mode ${file.modeChange.from}`, `new mode ${file.modeChange.to}`);
  return lines;
}

export function contentFile(file: ParsedFile, fact: FileFact, count: (text: string) => number): ContentFile {
  const header = headerLines(file);
  const headerLineTokens = header.map((line) => count(`${line}\n`));
  const headerTokens = headerLineTokens.reduce((sum, t) => sum + t, 0);
  const { starts, ends } = file.lines;
  const contentChars = file.hunks.reduce((sum, h) => sum + ends[h.to - 1]! + 1 - starts[h.from]!, 0);
  return {
    fact,
    header,
    headerLineTokens,
    headerTokens,
    lines: file.lines,
    hunks: file.hunks,
    hunkTokens: file.hunks.map(() => 0),
    counted: headerTokens,
    countedChars: 0,
    contentChars,
    nextHunk: 0,
    nextLine: file.hunks[0]?.from ?? 0,
  };
}

export function isComplete(file: ContentFile): boolean {
  return file.nextHunk >= file.hunks.length;
}

/** True when hunk `h` has been counted to its end. */
export function hunkCounted(file: ContentFile, h: number): boolean {
  return h < file.nextHunk;
}

/** Counts lines until more than `cap` tokens are known or the file is done; returns the tokens known. */
export function countUpTo(file: ContentFile, cap: number, lineTokens: LineTokens): number {
  const { lines, hunks } = file;
  while (file.counted <= cap && file.nextHunk < hunks.length) {
    const i = file.nextLine;
    const tokens = lineTokens.tokens(lines, i);
    file.hunkTokens[file.nextHunk]! += tokens;
    file.counted += tokens;
    file.countedChars += lines.ends[i]! + 1 - lines.starts[i]!;
    file.nextLine++;
    if (file.nextLine >= hunks[file.nextHunk]!.to) {
      file.nextHunk++;
      file.nextLine = hunks[file.nextHunk]?.from ?? 0;
    }
  }
  return file.counted;
}

/**
 * Tokens of all the files' content: exact when every file was counted to its end, else the
 * counted tokens plus the rest of the characters at the counted lines' tokens-per-character rate.
 */
export function totalTokens(files: readonly ContentFile[]): { tokens: number; exact: boolean } {
  let counted = 0;
  let lineTokens = 0;
  let countedChars = 0;
  let restChars = 0;
  for (const file of files) {
    counted += file.counted;
    lineTokens += file.counted - file.headerTokens;
    countedChars += file.countedChars;
    if (!isComplete(file)) restChars += Math.max(0, file.contentChars - file.countedChars);
  }
  if (files.every(isComplete)) return { tokens: counted, exact: true };
  // Source code runs at about 3-4 characters a token; used only before any line was counted.
  const rate = countedChars > 0 ? lineTokens / countedChars : 0.3;
  return { tokens: Math.round(counted + restChars * rate), exact: false };
}
