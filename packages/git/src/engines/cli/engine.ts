import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  AbortError,
  BlameFileError,
  EngineUnavailableError,
  GitCommandError,
  NotARepositoryError,
  UnknownRevisionError,
} from '../../errors.js';
import type { BlameLine, Branch, StagedDiff, StagedFile, TreeFile } from '../../types.js';
import type { GitEngine, RepoLocation } from '../engine.js';
import { BlamePorcelainParser, blameArgs } from './blame.js';
import { parseLog } from './log.js';
import { historyTokens } from './sharded-history.js';
import { decode, parseStatus } from './parse-util.js';
import { gitOutput, gitText, spawnGit } from './run.js';

/** Oldest git whose output formats and options (`--diff-merges`, `--end-of-options`) we rely on. */
export const MIN_GIT_VERSION = [2, 30] as const;

export interface CliEngineOptions {
  /** A `git --version` check shared with others (see checkGitVersion); by default the engine runs its own once. */
  versionCheck?: Promise<void>;
}

/**
 * The git CLI engine: every operation is one or two git subprocesses with streamed,
 * byte-exact parsing. Nothing blocks the event loop; aborting kills the subprocess.
 */
export function createCliEngine(options: CliEngineOptions = {}): GitEngine {
  let versionCheck: Promise<void> | undefined = options.versionCheck;
  const ready = (): Promise<void> => (versionCheck ??= checkGitVersion());

  return {
    name: 'git',
    capabilities: { tzOffsets: true },

    async open(path, signal) {
      await ready();
      const cwd = resolve(path);
      // A missing cwd would surface as spawn ENOENT, indistinguishable from a missing git.
      const isDir = await stat(cwd).then((s) => s.isDirectory(), () => false);
      if (!isDir) throw new NotARepositoryError(cwd, { reason: 'no such directory' });
      const query = ['rev-parse', '--path-format=absolute', '--is-bare-repository', '--absolute-git-dir'];
      // --show-toplevel fails outside a work tree (bare repositories, inside .git): ask again without it.
      const out = await gitText([...query, '--show-toplevel'], { cwd, signal }).catch((error: unknown) => {
        if (error instanceof GitCommandError && /work tree/.test(error.message)) return gitText(query, { cwd, signal });
        throw error;
      });
      const [bareFlag = 'false', gitDir = '', toplevel = ''] = out.trimEnd().split('\n');
      const bare = bareFlag === 'true';
      const root = bare || !toplevel ? gitDir : toplevel;
      return { root, gitDir, bare, name: repoNameOf(root) };
    },

    async resolveCommit(repo, rev, signal) {
      const out = await gitText(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
        cwd: repo.root,
        signal,
      }).catch((error: unknown) => {
        if (error instanceof AbortError) throw error;
        throw new UnknownRevisionError(rev, { cause: error });
      });
      return out.trim();
    },

    async refState(repo, signal) {
      const run = { cwd: repo.root, signal };
      const [head, refs] = await Promise.all([
        gitText(['rev-parse', '--verify', '--quiet', 'HEAD'], run).catch(() => 'unborn'),
        gitText(['for-each-ref', '--format=%(objectname) %(refname)'], run),
      ]);
      return `HEAD ${head.trim()}\n${refs}`;
    },

    async *history(repo, query, signal) {
      // Bigger files count as binary, and git never reads them (diff.c checks the size first).
      const threshold = query.maxFileSize === undefined ? [] : ['-c', `core.bigFileThreshold=${query.maxFileSize}`];
      yield* parseLog(historyTokens(repo, query, threshold, signal), query.repoName, query.files ?? false);
    },

    async listFiles(repo, commit, signal) {
      const out = await gitOutput(['ls-tree', '-r', '-z', '--full-tree', commit], { cwd: repo.root, signal });
      return parseLsTree(out);
    },

    async *blameFile(repo, commit, file, signal) {
      const proc = spawnGit(blameArgs(commit, file.path), { cwd: repo.root, signal });
      const parser = new BlamePorcelainParser();
      const binary = (): BlameFileError => new BlameFileError('GITFLEET_GIT_BINARY_FILE', `binary file: ${file.path}`);
      // Lines are held back until git's binary rule (a NUL in the first 8000 bytes) is decided.
      let held: BlameLine[] | undefined = [];
      try {
        for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
          const lines = parser.push(chunk);
          if (parser.binary) throw binary();
          if (held && !parser.probeDone) {
            for (const line of lines) held.push(line);
            continue;
          }
          const out: BlameLine[] = held ? held.concat(lines) : lines;
          held = undefined;
          if (out.length > 0) yield out;
        }
        const last = parser.end();
        await proc.done;
        if (parser.binary) throw binary();
        const out = held ? held.concat(last) : last;
        if (out.length > 0) yield out;
      } catch (error) {
        if (error instanceof AbortError || error instanceof BlameFileError) throw error;
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
        throw new BlameFileError('GITFLEET_GIT_BLAME_FAILED', `${file.path}: ${message}`, { cause: error });
      } finally {
        proc.kill();
      }
    },

    async blobSizes(repo, ids, signal) {
      const sizes = new Map<string, number>();
      if (ids.length === 0) return sizes;
      // One process for every id: `<size>` per line, or `<id> missing`.
      const out = await gitText(['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
        cwd: repo.root,
        signal,
        input: `${ids.join('\n')}\n`,
      });
      for (const line of out.split('\n')) {
        const [id = '', size = ''] = line.split(' ');
        if (/^\d+$/.test(size)) sizes.set(id, Number(size));
      }
      return sizes;
    },

    async branches(repo, signal) {
      const out = await gitText(
        [
          'for-each-ref',
          '--format=%(refname)%00%(objectname)%00%(HEAD)%00%(upstream)%00%(symref)',
          'refs/heads',
          'refs/remotes',
        ],
        { cwd: repo.root, signal },
      );
      return parseBranches(out);
    },

    async stagedDiff(repo, signal) {
      const common = ['--cached', '--no-ext-diff', '--no-textconv', '--no-color'];
      const run = { cwd: repo.root, signal };
      const [summary, patch] = await Promise.all([
        gitOutput(['diff', ...common, '-z', '--raw', '--numstat', '--no-abbrev'], run),
        gitOutput(['diff', ...common, '--src-prefix=a/', '--dst-prefix=b/'], run),
      ]);
      return toStagedDiff(summary, patch);
    },

    async close() {
      // Nothing to release: every call owns its subprocess.
    },
  };
}

/** Throws EngineUnavailableError unless git >= MIN_GIT_VERSION is on PATH. */
export async function checkGitVersion(): Promise<void> {
  const out = await gitText(['--version'], { cwd: process.cwd() });
  const m = /(\d+)\.(\d+)/.exec(out);
  const [major, minor] = [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  if (major < MIN_GIT_VERSION[0] || (major === MIN_GIT_VERSION[0] && minor < MIN_GIT_VERSION[1])) {
    throw new EngineUnavailableError('git', `git >= ${MIN_GIT_VERSION.join('.')} is required, found ${out.trim()}`);
  }
}

/** `x.git` -> `x`; `/path/to/x` -> `x`. */
export function repoNameOf(root: string): string {
  const base = basename(root);
  return base === '.git' ? basename(resolve(root, '..')) : base.replace(/\.git$/, '');
}

/** `git ls-tree -r -z`: `<mode> SP <type> SP <id> TAB <path> NUL`. */
export function parseLsTree(out: Buffer): TreeFile[] {
  const files: TreeFile[] = [];
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0, start);
    if (end === -1) end = out.length;
    const tab = out.indexOf(0x09, start);
    const [mode = '', , id = ''] = out.toString('latin1', start, tab).split(' ');
    files.push({ path: decode(out.subarray(tab + 1, end)), mode, id });
    start = end + 1;
  }
  return files;
}

export function parseBranches(out: string): Branch[] {
  const branches: Branch[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [ref = '', commit = '', head = '', upstream = '', symref = ''] = line.split('\0');
    if (symref) continue; // origin/HEAD and friends point at a branch; they are not branches
    const local = ref.startsWith('refs/heads/');
    branches.push({
      name: shortRef(ref),
      ref,
      kind: local ? 'local' : 'remote',
      commit,
      isHead: head === '*',
      upstream: upstream ? shortRef(upstream) : null,
    });
  }
  return branches;
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|remotes)\//, '');
}

/** Splits `git diff` patch output into per-file chunks at each `diff --git` line. */
function splitPatch(patch: Buffer): Buffer[] {
  const marker = Buffer.from('diff --git ');
  const starts: number[] = [];
  if (patch.subarray(0, marker.length).equals(marker)) starts.push(0);
  for (let i = patch.indexOf('\ndiff --git ', 0); i !== -1; i = patch.indexOf('\ndiff --git ', i + 1)) {
    starts.push(i + 1);
  }
  return starts.map((s, k) => patch.subarray(s, starts[k + 1] ?? patch.length));
}

/** Joins `--raw --numstat -z` (structure and counts) with the patch text, file by file in git's order. */
export function toStagedDiff(summary: Buffer, patch: Buffer): StagedDiff {
  const tokens: Buffer[] = [];
  for (let s = 0, e = summary.indexOf(0); e !== -1; s = e + 1, e = summary.indexOf(0, s)) tokens.push(summary.subarray(s, e));
  const files: StagedFile[] = [];
  let i = 0;
  // --raw entries come first, then as many --numstat entries.
  while (i < tokens.length && tokens[i]![0] === 0x3a) {
    const status = tokens[i]!.toString('latin1').split(' ')[4] ?? 'M';
    const two = status.startsWith('R') || status.startsWith('C');
    const oldPath = two ? decode(tokens[i + 1]!) : null;
    const path = decode(tokens[two ? i + 2 : i + 1]!);
    files.push({ path, oldPath, status: parseStatus(status), binary: false, additions: 0, deletions: 0, patch: new Uint8Array() });
    i += two ? 3 : 2;
  }
  for (const file of files) {
    const [adds = '0', dels = '0', inline = ''] = (tokens[i] ?? Buffer.alloc(0)).toString('latin1').split('\t');
    i += inline === '' ? 3 : 1;
    file.binary = adds === '-';
    file.additions = file.binary ? 0 : Number(adds);
    file.deletions = file.binary ? 0 : Number(dels);
  }
  const chunks = splitPatch(patch);
  // git prints a type change (symlink, gitlink or file becoming another) as two patches:
  // the old side deleted, then the new side added. Both belong to the one --raw entry.
  const expected = files.reduce((n, file) => n + (file.status === 'typechange' ? 2 : 1), 0);
  if (chunks.length !== expected) {
    throw new GitCommandError(`git diff: ${files.length} files (${expected} patches expected) but ${chunks.length} patches`);
  }
  let additions = 0;
  let deletions = 0;
  let k = 0;
  for (const file of files) {
    const own = chunks.slice(k, (k += file.status === 'typechange' ? 2 : 1));
    file.patch = Uint8Array.from(Buffer.concat(own));
    additions += file.additions;
    deletions += file.deletions;
  }
  return { files, additions, deletions };
}

export type { RepoLocation };
