import { spawn } from 'node:child_process';
import { GENERATED_MARKER, GENERATED_MARKER_ERE } from './diff/classify.js';
import type { FileHints } from './diff/types.js';

/** A generated-code marker counts only in a file's first lines (its header), as in the diff rule. */
const HEADER_LINES = 5;
/** Paths per `git grep` call, to stay far below the command-line limit. */
const PATHS_PER_CALL = 500;

/** Runs git with `input` on stdin; resolves with stdout when the exit code is in `ok`. */
function run(root: string, args: string[], input: string, ok: readonly number[], signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: root,
      // Read-only: no optional locks, no prompt. GIT_INDEX_FILE (git commit -a, commit <paths>) is inherited.
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      if (ok.includes(code ?? -1)) resolve(Buffer.concat(out));
      else reject(new Error(`git ${args[0] ?? ''} exited with ${String(code)}: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

type AttributeValue = 'set' | 'unset' | 'unspecified' | string;

/** `git check-attr -z` output: `path NUL attribute NUL value NUL`, repeated. */
function parseCheckAttr(out: string): Map<string, Map<string, AttributeValue>> {
  const fields = out.split('\0');
  const byPath = new Map<string, Map<string, AttributeValue>>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const path = fields[i]!;
    let attrs = byPath.get(path);
    if (!attrs) byPath.set(path, (attrs = new Map()));
    attrs.set(fields[i + 1]!, fields[i + 2]!);
  }
  return byPath;
}

/** `set`/`true` -> true, `unset`/`false` -> false, anything else -> undefined. */
function flag(value: AttributeValue | undefined): boolean | undefined {
  if (value === 'set' || value === 'true') return true;
  if (value === 'unset' || value === 'false') return false;
  return undefined;
}

/** Paths (of `paths`) whose staged content has a generated-code marker in its first lines. */
async function generatedHeaders(root: string, paths: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const found = new Set<string>();
  for (let at = 0; at < paths.length; at += PATHS_PER_CALL) {
    const batch = paths.slice(at, at + PATHS_PER_CALL).map((path) => `:(literal)${path}`);
    // -I skips binary blobs; exit code 1 means no match. `-z`: `path NUL line NUL text LF`.
    const out = await run(root, ['grep', '--cached', '--no-color', '-z', '-n', '-I', '-i', '-E', '-e', GENERATED_MARKER_ERE, '--', ...batch], '', [0, 1], signal);
    for (const line of out.toString('utf8').split('\n')) {
      const [path, number, text] = line.split('\0');
      if (path && text !== undefined && Number(number) <= HEADER_LINES && GENERATED_MARKER.test(text)) found.add(path);
    }
  }
  return found;
}

/**
 * What the repository says about staged files beyond their diff: `.gitattributes` at the staged
 * revision (`git check-attr --cached`: linguist-generated, linguist-vendored, diff) and a
 * generated-code marker in the first lines of the staged file (`git grep --cached`), which a diff
 * whose hunks start further down does not show. A failure of either read leaves the hints out:
 * they only add reasons to leave content out.
 */
export async function readStagedHints(
  root: string,
  files: readonly { path: string; status: string; binary: boolean }[],
  signal?: AbortSignal,
): Promise<Map<string, FileHints>> {
  const hints = new Map<string, FileHints>();
  if (files.length === 0) return hints;
  const paths = files.map((f) => f.path);
  const readable = files.filter((f) => f.status !== 'deleted' && !f.binary && !f.path.includes('\n')).map((f) => f.path);
  const [attributes, headers] = await Promise.all([
    run(root, ['check-attr', '--cached', '-z', '--stdin', 'linguist-generated', 'linguist-vendored', 'diff'], `${paths.join('\0')}\0`, [0], signal)
      .then((out) => parseCheckAttr(out.toString('utf8')))
      .catch(() => new Map<string, Map<string, AttributeValue>>()),
    generatedHeaders(root, readable, signal).catch(() => new Set<string>()),
  ]);
  for (const path of paths) {
    const attrs = attributes.get(path);
    const entry: FileHints = {};
    const generated = flag(attrs?.get('linguist-generated'));
    const vendored = flag(attrs?.get('linguist-vendored'));
    if (generated !== undefined) entry.generated = generated;
    if (vendored !== undefined) entry.vendored = vendored;
    if (attrs?.get('diff') === 'unset') entry.diff = false;
    if (headers.has(path)) entry.generatedHeader = true;
    if (Object.keys(entry).length > 0) hints.set(path, entry);
  }
  return hints;
}
