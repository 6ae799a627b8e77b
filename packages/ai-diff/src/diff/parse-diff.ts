import type { ChangeStatus, DiffFile } from './types.js';

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
  file: DiffFile;
  oldSide: string | null | undefined;
  newSide: string | null | undefined;
  hunk: string[] | null;
}

function startFile(gitLine: string | null): Builder {
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
      hunks: [],
    },
    oldSide: undefined,
    newSide: undefined,
    hunk: null,
  };
}

function finish(builder: Builder): DiffFile {
  const { file } = builder;
  if (builder.hunk) file.hunks.push(builder.hunk.join('\n'));
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

const HEADER_STATUS: [RegExp, ChangeStatus][] = [
  [/^new file mode /, 'added'],
  [/^deleted file mode /, 'deleted'],
];

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
  const files: DiffFile[] = [];
  const lines = text.split('\n');
  let current: Builder | null = null;
  // Plain `diff -u` headers are recognised only in input without `diff --git` lines, where a
  // removed `-- x` line followed by an added `++ y` line cannot be mistaken for a new file.
  const plain = !text.includes('\ndiff --git ') && !text.startsWith('diff --git ');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.startsWith('diff --git ')) {
      if (current) files.push(finish(current));
      current = startFile(line.slice('diff --git '.length));
      continue;
    }
    // A plain `diff -u` file starts at `--- ` directly followed by `+++ `.
    if (plain && line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') && (current === null || current.hunk !== null)) {
      if (current) files.push(finish(current));
      current = startFile(null);
    }
    if (current === null) continue;
    if (current.hunk !== null) {
      const first = line[0];
      if (first === '+' || first === '-' || first === ' ' || first === '\\' || line === '') {
        // A blank line inside a hunk is an empty context line that lost its space; keep it.
        if (line === '' && i === lines.length - 1) continue;
        current.hunk.push(line);
        if (first === '+') current.file.additions++;
        else if (first === '-') current.file.deletions++;
        continue;
      }
      if (!line.startsWith('@@')) {
        current.file.hunks.push(current.hunk.join('\n'));
        current.hunk = null;
        // Not part of a diff any more (e.g. a `git log -p` commit header): wait for the next file.
        if (!line.startsWith('diff ')) {
          files.push(finish(current));
          current = null;
        }
        continue;
      }
    }
    if (line.startsWith('@@')) {
      if (current.hunk) current.file.hunks.push(current.hunk.join('\n'));
      current.hunk = [line];
      continue;
    }
    headerLine(current, line);
  }
  if (current) files.push(finish(current));
  return files.filter((file) => file.path !== '');
}

function headerLine(builder: Builder, line: string): void {
  const { file } = builder;
  for (const [re, status] of HEADER_STATUS) if (re.test(line)) file.status = status;
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
