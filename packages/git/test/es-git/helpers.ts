// Test helpers for the es-git engine: the git CLI as the oracle (small parsers over plain git
// output, independent of the engine code) and small repositories built with git commands.
import { commitFiles, createEmptyRepo, git, type FileContent, type TempRepo } from '@gitfleet/test-kit';
import { createEsGitEngine } from '../../src/engines/es-git/engine.js';
import type { GitEngine, HistoryQuery, RepoLocation } from '../../src/engines/engine.js';
import { BlameFileError } from '../../src/errors.js';
import type { BlameFileResult, BlameLine, Commit, TreeFile } from '../../src/types.js';
import { collect } from '../util.js';

export { collect };

export const gitBytes = (repo: string, args: string[]): Promise<Buffer> => git(repo, args);
export const gitOut = async (repo: string, args: string[]): Promise<string> => (await git(repo, args)).toString('utf8');
export const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** One engine per test file; `close()` in afterAll. */
export function esGit(): GitEngine {
  return createEsGitEngine({ maxThreads: 2 });
}

export function historyQuery(repo: RepoLocation, query: Partial<HistoryQuery> = {}): HistoryQuery {
  return { revs: [], repoName: repo.name, ...query };
}

export async function history(engine: GitEngine, repo: RepoLocation, query: Partial<HistoryQuery> = {}): Promise<Commit[]> {
  return collect(engine.history(repo, historyQuery(repo, query)));
}

/** `git log --format=%H %P` for the given arguments. */
export async function oracleShasAndParents(repo: string, args: string[]): Promise<string[][]> {
  return lines(await gitOut(repo, ['log', '--format=%H %P', ...args])).map((line) => line.trim().split(' '));
}

export interface OracleFile {
  /** git's raw status letter (A, D, M, R, C, T). */
  status: string;
  path: string;
  oldPath: string | null;
  /** null for binary files (`-` in numstat). */
  additions: number | null;
  deletions: number | null;
}

/**
 * Parses `--raw --numstat -z` output (NUL-separated; entries in the same order in both lists).
 * Paths are decoded as UTF-8.
 */
export function parseRawNumstat(output: Buffer): OracleFile[] {
  const tokens = output.toString('utf8').split('\0');
  const raw: { status: string; path: string; oldPath: string | null }[] = [];
  const counts: { additions: number | null; deletions: number | null }[] = [];
  const count = (value: string): number | null => (value === '-' ? null : Number(value));
  for (let i = 0; i < tokens.length; ) {
    const token = (tokens[i] as string).replace(/^\n+/, '');
    if (token.startsWith(':')) {
      const status = token.split(' ')[4] as string;
      const paired = status.startsWith('R') || status.startsWith('C');
      raw.push({
        status: status[0] as string,
        oldPath: paired ? (tokens[i + 1] as string) : null,
        path: tokens[paired ? i + 2 : i + 1] as string,
      });
      i += paired ? 3 : 2;
      continue;
    }
    const numstat = /^([-\d]+)\t([-\d]+)\t(.*)$/s.exec(token);
    if (numstat) {
      counts.push({ additions: count(numstat[1] as string), deletions: count(numstat[2] as string) });
      // A rename's paths follow as two more tokens.
      i += numstat[3] === '' ? 3 : 1;
      continue;
    }
    i++;
  }
  return raw.map((entry, k) => ({ ...entry, ...(counts[k] ?? { additions: null, deletions: null }) }));
}

/** Per commit: files of `git log --raw --numstat -z --diff-merges=first-parent`. */
export async function oracleCommitFiles(repo: string, args: string[]): Promise<Map<string, OracleFile[]>> {
  const output = await gitBytes(repo, ['log', '-z', '--raw', '--numstat', '--diff-merges=first-parent', '--format=%x01%H', ...args]);
  const result = new Map<string, OracleFile[]>();
  for (const block of output.toString('latin1').split('\x01').slice(1)) {
    const newline = block.indexOf('\n');
    const sha = block.slice(0, newline === -1 ? block.length : newline).replace(/\0.*$/s, '');
    result.set(sha, parseRawNumstat(Buffer.from(block.slice(sha.length), 'latin1')));
  }
  return result;
}

/** Commit files as the engine reports them, in the oracle's shape. */
export function engineFiles(commit: Commit): OracleFile[] {
  const letter = { added: 'A', deleted: 'D', modified: 'M', renamed: 'R', copied: 'C', typechange: 'T' } as const;
  return (commit.files ?? []).map((file) => ({
    status: letter[file.status],
    path: file.path,
    oldPath: file.oldPath,
    additions: file.binary ? null : file.additions,
    deletions: file.binary ? null : file.deletions,
  }));
}

export const byPath = (a: OracleFile, b: OracleFile): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

export interface OracleBlameLine {
  line: number;
  commit: string;
  origLine: number;
  origPath: string;
  authorName: string;
  authorEmail: string;
  authorTime: number;
  content: string;
}

/** Unquotes a C-quoted path from porcelain output (`"a\\nb"`). */
function unquote(path: string): string {
  if (!path.startsWith('"')) return path;
  const bytes: number[] = [];
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 1; i < path.length - 1; i++) {
    if (path[i] !== '\\') {
      bytes.push(...Buffer.from(path[i] as string, 'latin1'));
    } else if (/[0-7]/.test(path[i + 1] as string)) {
      bytes.push(parseInt(path.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(named[path[++i] as string] ?? 0);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `git blame --porcelain <rev> -- <path>`, one entry per line. */
export async function oracleBlame(repo: string, rev: string, path: string): Promise<OracleBlameLine[]> {
  const output = (await gitBytes(repo, ['blame', '--porcelain', rev, '--', path])).toString('latin1');
  const info = new Map<string, { name: string; email: string; time: number; file: string }>();
  const result: OracleBlameLine[] = [];
  const utf8 = (text: string): string => Buffer.from(text, 'latin1').toString('utf8');
  let current: { commit: string; origLine: number; line: number } | undefined;
  for (const line of output.split('\n')) {
    const header = /^([0-9a-f]{40}) (\d+) (\d+)/.exec(line);
    if (header) {
      current = { commit: header[1] as string, origLine: Number(header[2]), line: Number(header[3]) };
      if (!info.has(current.commit)) info.set(current.commit, { name: '', email: '', time: 0, file: '' });
      continue;
    }
    if (!current) continue;
    const entry = info.get(current.commit)!;
    if (line.startsWith('author ')) entry.name = utf8(line.slice(7));
    else if (line.startsWith('author-mail <')) entry.email = utf8(line.slice(13, -1));
    else if (line.startsWith('author-time ')) entry.time = Number(line.slice(12));
    else if (line.startsWith('filename ')) entry.file = unquote(utf8(line.slice(9)));
    else if (line.startsWith('\t')) {
      result.push({
        ...current,
        origPath: entry.file,
        authorName: entry.name,
        authorEmail: entry.email,
        authorTime: entry.time,
        content: utf8(line.slice(1)),
      });
      current = undefined;
    }
  }
  return result;
}

/** `git diff --cached` exactly as the engine's per-file patches must reproduce it. */
export function oracleStagedPatch(repo: string): Promise<Buffer> {
  return gitBytes(repo, [
    '-c',
    'core.quotepath=off',
    'diff',
    '--cached',
    '--no-color',
    '--no-ext-diff',
    '--src-prefix=a/',
    '--dst-prefix=b/',
  ]);
}

export const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.com' };

/** Commits `files` with author and committer at `time` (unix seconds, +0000). */
export function commitAt(repo: string, files: Record<string, FileContent>, message: string, time: number): Promise<string> {
  const who = { ...AUTHOR, date: `${time} +0000` };
  return commitFiles(repo, files, { message, author: who, committer: who, allowEmpty: true });
}

/** A fresh repository with one commit per entry of `steps`. */
export async function repoWith(steps: { files: Record<string, FileContent>; message?: string }[]): Promise<TempRepo> {
  const repo = await createEmptyRepo();
  let time = 1_700_000_000;
  for (const [i, step] of steps.entries()) await commitAt(repo.path, step.files, step.message ?? `commit ${i}`, (time += 60));
  return repo;
}

/** One file's blame from an engine, collected like the facade does: lines, or the file's error. */
export async function blameOf(engine: GitEngine, repo: RepoLocation, commit: string, file: TreeFile): Promise<BlameFileResult> {
  const lines: BlameLine[] = [];
  try {
    for await (const batch of engine.blameFile(repo, commit, file)) lines.push(...batch);
  } catch (error) {
    if (!(error instanceof BlameFileError)) throw error;
    return { path: file.path, lines: [], error: { code: error.code, message: error.message } };
  }
  return { path: file.path, lines };
}
