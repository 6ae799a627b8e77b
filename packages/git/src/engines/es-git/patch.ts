import type { FileStatus } from '../../types.js';
import { fromByteString, quotePath, splitLines, toByteString, utf8ToByteString } from './bytes.js';
import { countChanges, diffLines, type LineChange } from './line-diff.js';

/*
 * Formats one file's patch the way `git diff --no-color --no-ext-diff --src-prefix=a/
 * --dst-prefix=b/` with core.quotepath=off prints it. Everything works on byte strings
 * (one char per byte) so non-UTF-8 content survives exactly.
 */

/** One side of a change; `content` is the blob (or `Subproject commit <sha>\n` for a submodule). */
export interface PatchSide {
  path: string;
  /** Numeric git mode, e.g. 0o100644. */
  mode: number;
  id: string;
  /** Abbreviated id as git prints it in the `index` line. */
  abbrev: string;
  content: Uint8Array;
}

export interface PatchInput {
  status: FileStatus;
  /** Absent for additions. */
  old: PatchSide | null;
  /** Absent for deletions. */
  new: PatchSide | null;
  /** Either side is binary (git's heuristic or attributes). */
  binary: boolean;
  /** `similarity index` for renames and copies. */
  similarity?: number;
  /** The repository's minimum abbreviation length; the null id is printed this long. */
  abbrevLength: number;
}

export interface FilePatch {
  patch: Uint8Array;
  additions: number;
  deletions: number;
}

const CONTEXT = 3;
const FUNCNAME_MAX = 80;

const octal = (mode: number): string => mode.toString(8).padStart(6, '0');

export function formatFilePatch(input: PatchInput): FilePatch {
  const { old, new: next } = input;
  // A change between a file and a symlink (or submodule) is printed as a deletion plus an addition.
  if (input.status === 'typechange' && old && next) {
    const removal = formatSection({ ...input, status: 'deleted', new: null });
    const addition = formatSection({ ...input, status: 'added', old: null });
    return {
      patch: fromByteString(removal.text + addition.text),
      additions: addition.additions,
      deletions: removal.deletions,
    };
  }
  const section = formatSection(input);
  return { patch: fromByteString(section.text), additions: section.additions, deletions: section.deletions };
}

interface Section {
  text: string;
  additions: number;
  deletions: number;
}

function formatSection(input: PatchInput): Section {
  const { old, new: next } = input;
  const oldPath = utf8ToByteString((old ?? next)?.path ?? '');
  const newPath = utf8ToByteString((next ?? old)?.path ?? '');
  const oldLabel = old ? quotePath('a/', oldPath) : '/dev/null';
  const newLabel = next ? quotePath('b/', newPath) : '/dev/null';
  let text = `diff --git ${quotePath('a/', oldPath)} ${quotePath('b/', newPath)}\n`;
  text += modeLines(old, next);
  text += renameLines(input, oldPath, newPath);
  text += indexLine(old, next, input.abbrevLength);

  if (old && next && old.id === next.id) return { text, additions: 0, deletions: 0 };
  if (input.binary) return { text: text + `Binary files ${oldLabel} and ${newLabel} differ\n`, additions: 0, deletions: 0 };

  const oldLines = splitLines(old ? toByteString(old.content) : '');
  const newLines = splitLines(next ? toByteString(next.content) : '');
  const changes = diffLines(oldLines, newLines);
  if (changes.length === 0) return { text, additions: 0, deletions: 0 };
  text += `--- ${oldLabel}${tabAfterSpace(oldLabel)}\n+++ ${newLabel}${tabAfterSpace(newLabel)}\n`;
  for (const hunk of groupHunks(changes)) text += formatHunk(hunk, oldLines, newLines);
  return { text, ...countChanges(changes) };
}

/** git ends `---`/`+++` names that contain a space with a TAB (for GNU patch). */
const tabAfterSpace = (label: string): string => (label.includes(' ') ? '\t' : '');

function modeLines(old: PatchSide | null, next: PatchSide | null): string {
  if (!old && next) return `new file mode ${octal(next.mode)}\n`;
  if (old && !next) return `deleted file mode ${octal(old.mode)}\n`;
  if (old && next && old.mode !== next.mode) return `old mode ${octal(old.mode)}\nnew mode ${octal(next.mode)}\n`;
  return '';
}

function renameLines(input: PatchInput, oldPath: string, newPath: string): string {
  if (input.status !== 'renamed' && input.status !== 'copied') return '';
  const verb = input.status === 'renamed' ? 'rename' : 'copy';
  return (
    `similarity index ${input.similarity ?? 100}%\n` +
    `${verb} from ${quotePath('', oldPath)}\n${verb} to ${quotePath('', newPath)}\n`
  );
}

function indexLine(old: PatchSide | null, next: PatchSide | null, abbrevLength: number): string {
  if (old && next && old.id === next.id) return '';
  const nullId = '0'.repeat(abbrevLength);
  const sameMode = old && next && old.mode === next.mode ? ` ${octal(old.mode)}` : '';
  return `index ${old?.abbrev ?? nullId}..${next?.abbrev ?? nullId}${sameMode}\n`;
}

/** Changes closer than twice the context share a hunk (xdiff's rule). */
function groupHunks(changes: readonly LineChange[]): LineChange[][] {
  const hunks: LineChange[][] = [];
  let current: LineChange[] = [];
  for (const change of changes) {
    const last = current.at(-1);
    if (last && change.oldStart - (last.oldStart + last.oldCount) > 2 * CONTEXT) {
      hunks.push(current);
      current = [];
    }
    current.push(change);
  }
  if (current.length > 0) hunks.push(current);
  return hunks;
}

function formatHunk(hunk: readonly LineChange[], oldLines: readonly string[], newLines: readonly string[]): string {
  const first = hunk[0]!;
  const last = hunk.at(-1)!;
  const oldStart = Math.max(first.oldStart - CONTEXT, 0);
  const newStart = Math.max(first.newStart - CONTEXT, 0);
  const trailing = Math.min(CONTEXT, oldLines.length - (last.oldStart + last.oldCount));
  const oldEnd = last.oldStart + last.oldCount + trailing;
  const newEnd = last.newStart + last.newCount + trailing;

  let text = `@@ -${range(oldStart, oldEnd - oldStart)} +${range(newStart, newEnd - newStart)} @@`;
  const funcname = findFuncname(oldLines, oldStart);
  text += funcname ? ` ${funcname}\n` : '\n';

  let oldPos = oldStart;
  for (const change of hunk) {
    for (; oldPos < change.oldStart; oldPos++) text += record(' ', oldLines[oldPos]!);
    for (let i = 0; i < change.oldCount; i++) text += record('-', oldLines[change.oldStart + i]!);
    for (let i = 0; i < change.newCount; i++) text += record('+', newLines[change.newStart + i]!);
    oldPos = change.oldStart + change.oldCount;
  }
  for (; oldPos < oldEnd; oldPos++) text += record(' ', oldLines[oldPos]!);
  return text;
}

/** `start,count` with 1-based start; git omits `,1`, and an empty range names the line before it. */
function range(start: number, count: number): string {
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

function record(prefix: string, line: string): string {
  return line.endsWith('\n') ? prefix + line : `${prefix}${line}\n\\ No newline at end of file\n`;
}

const FUNCNAME_START = /^[A-Za-z_$]/;

/**
 * git's default hunk heading (no diff driver): the nearest line above the hunk, in the
 * old file, that starts with a letter, `_` or `$`; cut to 80 bytes, trailing whitespace dropped.
 */
function findFuncname(oldLines: readonly string[], hunkStart: number): string {
  for (let i = hunkStart - 1; i >= 0; i--) {
    const line = oldLines[i]!;
    if (FUNCNAME_START.test(line)) return line.slice(0, FUNCNAME_MAX).replace(/[ \t\n\r]+$/, '');
  }
  return '';
}
