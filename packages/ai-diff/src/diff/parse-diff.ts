import type { ChangeStatus, DiffFile, DiffLines, ParsedFile } from './types.js';

/** Undoes git's C-style quoting of a path (`"a\tb"`), decoding octal escapes as UTF-8 bytes. */
export function unquotePath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `a/x` -> `x` (for `---`/`+++` lines); `/dev/null` -> null. */
function sidePath(raw: string): string | null {
  const path = unquotePath(raw.replace(/\t.*$/, '').trim());
  if (path === '/dev/null') return null;
  return path.replace(/^[abciwo12]\//, '');
}

/** Paths from `diff --git a/X b/Y` when nothing else names them (binary, mode-only, empty files). */
function gitLinePaths(rest: string): [string, string] | null {
  const quoted = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest);
  if (quoted?.[1]?.startsWith('"') || quoted?.[2]?.startsWith('"')) {
    return [sidePath(quoted[1]!) ?? '', sidePath(quoted[2]!) ?? ''];
  }
  // Unquoted paths may contain spaces: `a/P b/P` splits in the middle when both sides are equal.
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (left.slice(2) === right.slice(2)) return [left.slice(2), right.slice(2)];
  }
  const space = rest.indexOf(' b/');
  if (space > 0) return [rest.slice(2, space), rest.slice(space + 3)];
  return null;
}

interface Builder {
  file: ParsedFile;
  oldSide: string | null | undefined;
  newSide: string | null | undefined;
  /** First line (`@@`) of the open hunk, and the line after its last line. */
  hunkFrom: number | null;
  hunkTo: number;
  /** The mode of a `new file mode` / `deleted file mode` line. */
  fileMode?: string;
}

function startFile(lines: DiffLines, gitLine: string | null): Builder {
  const paths = gitLine === null ? null : gitLinePaths(gitLine);
  return {
    file: {
      path: paths?.[1] ?? '',
      oldPath: paths?.[0] ?? null,
      status: 'modified',
      binary: false,
      additions: 0,
      deletions: 0,
      modeChange: null,
      lines,
      hunks: [],
    },
    oldSide: undefined,
    newSide: undefined,
    hunkFrom: null,
    hunkTo: 0,
  };
}

function closeHunk(builder: Builder): void {
  if (builder.hunkFrom !== null) builder.file.hunks.push({ from: builder.hunkFrom, to: builder.hunkTo });
  builder.hunkFrom = null;
}

function finish(builder: Builder): ParsedFile {
  const { file } = builder;
  closeHunk(builder);
  if (builder.newSide) file.path = builder.newSide;
  if (builder.oldSide) file.oldPath = builder.oldSide;
  if (builder.newSide === null) {
    file.status = 'deleted';
    file.path = builder.oldSide ?? file.oldPath ?? file.path;
  }
  if (builder.oldSide === null) file.status = file.status === 'modified' ? 'added' : file.status;
  if (file.status !== 'renamed' && file.status !== 'copied') file.oldPath = null;
  return file;
}

/** Modes of the files that {@link add} may join into a type change. */
const fileModes = new WeakMap<ParsedFile, string>();

/**
 * Finishes `builder`'s file and adds it. git prints a type change (a symlink or submodule that
 * became a file, or back) as two patches of one path, the old side deleted and the new one added:
 * they become one `typechange` file with both hunks (the same lines index).
 */
function add(files: ParsedFile[], builder: Builder): void {
  const file = finish(builder);
  if (builder.fileMode) fileModes.set(file, builder.fileMode);
  const previous = files.at(-1);
  if (previous?.status === 'deleted' && file.status === 'added' && previous.path === file.path && previous.path !== '' && previous.lines === file.lines) {
    const [from, to] = [fileModes.get(previous), fileModes.get(file)];
    previous.status = 'typechange';
    previous.binary ||= file.binary;
    previous.additions += file.additions;
    previous.deletions += file.deletions;
    previous.hunks.push(...file.hunks);
    if (from && to) previous.modeChange = { from, to };
    return;
  }
  files.push(file);
}

const HEADER_STATUS: [RegExp, ChangeStatus][] = [
  [/^new file mode /, 'added'],
  [/^deleted file mode /, 'deleted'],
];

const PLUS = 43;
const MINUS = 45;
const SPACE = 32;
const BACKSLASH = 92;
const AT = 64;
const D = 100;

/** Line `i` of `lines` (without its line break). */
export function lineAt(lines: DiffLines, i: number): string {
  return lines.text.slice(lines.starts[i], lines.ends[i]);
}

/** Lines `from` to `to` (exclusive) joined with `\n`: one slice of the text unless lines lost a `\r`. */
export function linesText(lines: DiffLines, from: number, to: number): string {
  if (to <= from) return '';
  if (!lines.crlf) return lines.text.slice(lines.starts[from], lines.ends[to - 1]);
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(lineAt(lines, i));
  return out.join('\n');
}

/**
 * The parser behind {@link parseDiff}, in one pass over the text without copying it: hunks are
 * ranges of an index of lines (what the pipeline counts and packs line by line).
 */
export function parseDiffLines(text: string): ParsedFile[] {
  const lines: DiffLines = { text, starts: [], ends: [], crlf: false };
  const files: ParsedFile[] = [];
  let current: Builder | null = null;
  // Plain `diff -u` headers are recognised only in input without `diff --git` lines, where a
  // removed `-- x` line followed by an added `++ y` line cannot be mistaken for a new file.
  const plain = !text.includes('\ndiff --git ') && !text.startsWith('diff --git ');
  for (let i = 0, start = 0; ; i++) {
    const newline = text.indexOf('\n', start);
    const last = newline === -1;
    const rawEnd = last ? text.length : newline;
    const end = rawEnd > start && text.charCodeAt(rawEnd - 1) === 13 ? rawEnd - 1 : rawEnd;
    if (end !== rawEnd) lines.crlf = true;
    lines.starts.push(start);
    lines.ends.push(end);
    current = parseLine(files, current, lines, i, plain, last);
    if (last) break;
    start = newline + 1;
  }
  if (current) add(files, current);
  return files.filter((file) => file.path !== '');
}

/** One line of {@link parseDiffLines}; returns the file being read afterwards. */
function parseLine(files: ParsedFile[], current: Builder | null, lines: DiffLines, i: number, plain: boolean, last: boolean): Builder | null {
  const { text } = lines;
  const start = lines.starts[i]!;
  const end = lines.ends[i]!;
  const first = end > start ? text.charCodeAt(start) : -1;
  if (first === D && text.startsWith('diff --git ', start)) {
    if (current) add(files, current);
    return startFile(lines, text.slice(start + 'diff --git '.length, end));
  }
  // A plain `diff -u` file starts at `--- ` directly followed by `+++ `.
  if (plain && first === MINUS && text.startsWith('--- ', start) && !last && text.startsWith('+++ ', text.indexOf('\n', start) + 1)) {
    if (current === null || current.hunkFrom !== null) {
      if (current) add(files, current);
      current = startFile(lines, null);
    }
  }
  if (current === null) return null;
  const at = first === AT && text.startsWith('@@', start);
  if (current.hunkFrom !== null) {
    if (first === PLUS || first === MINUS || first === SPACE || first === BACKSLASH || first === -1) {
      // A blank line inside a hunk is an empty context line that lost its space; keep it.
      if (first === -1 && last) return current;
      current.hunkTo = i + 1;
      if (first === PLUS) current.file.additions++;
      else if (first === MINUS) current.file.deletions++;
      return current;
    }
    if (!at) {
      closeHunk(current);
      // Not part of a diff any more (e.g. a `git log -p` commit header): wait for the next file.
      if (first === D && text.startsWith('diff ', start)) return current;
      add(files, current);
      return null;
    }
  }
  if (at) {
    closeHunk(current);
    current.hunkFrom = i;
    current.hunkTo = i + 1;
    return current;
  }
  headerLine(current, text.slice(start, end));
  return current;
}

/**
 * Parses unified diff text (`git diff [--cached]`, `git show`, `git format-patch`, or a plain
 * `diff -u` with `---`/`+++` headers) into files. Lines outside a file (commit headers, mail
 * headers) are skipped. Pure and synchronous: run it in the worker pool for big diffs.
 *
 * @example
 * parseDiff('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n')[0];
 * // { path: 'x', status: 'modified', additions: 1, deletions: 1, hunks: ['@@ -1 +1 @@\n-a\n+b'], ... }
 */
export function parseDiff(text: string): DiffFile[] {
  return parseDiffLines(text).map(({ lines, hunks, ...file }) => ({ ...file, hunks: hunks.map((h) => linesText(lines, h.from, h.to)) }));
}

function headerLine(builder: Builder, line: string): void {
  const { file } = builder;
  for (const [re, status] of HEADER_STATUS) {
    if (re.test(line)) {
      file.status = status;
      builder.fileMode = line.slice(line.lastIndexOf(' ') + 1).trim();
    }
  }
  if (line.startsWith('--- ')) builder.oldSide = sidePath(line.slice(4));
  else if (line.startsWith('+++ ')) builder.newSide = sidePath(line.slice(4));
  else if (line.startsWith('rename from ') || line.startsWith('copy from ')) {
    file.status = line.startsWith('rename') ? 'renamed' : 'copied';
    file.oldPath = unquotePath(line.slice(line.indexOf('from ') + 5));
  } else if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
    file.path = unquotePath(line.slice(line.indexOf('to ') + 3));
  } else if (line.startsWith('old mode ')) {
    file.modeChange = { from: line.slice(9).trim(), to: file.modeChange?.to ?? '' };
  } else if (line.startsWith('new mode ')) {
    file.modeChange = { from: file.modeChange?.from ?? '', to: line.slice(9).trim() };
  } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') {
    file.binary = true;
  }
}
