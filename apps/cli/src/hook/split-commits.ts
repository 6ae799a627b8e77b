import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiCommandError } from './errors.js';
import { gitCommand, gitLine } from './git-command.js';

/** One commit of a split: the paths it takes from the index (a rename's old path included) and its message. */
export interface SplitCommit {
  paths: string[];
  message: string;
}

const EMPTY_SHA = '0'.repeat(40);

/** Runs git with the terminal attached (hooks show their output); resolves with the exit code. */
function gitInteractive(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['inherit', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Runs `git <args>` with `input` on stdin; throws on a non-zero exit. */
function gitWithInput(args: string[], input: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new AiCommandError('GITFLEET_CLI_GIT_FAILED', `git ${args[0] ?? ''}: ${stderr.trim().split('\n')[0] ?? `exit code ${String(code)}`}`)),
    );
    child.stdin.end(input);
  });
}

/** Index entries (`mode sha stage\tpath`) of `paths`; unmerged entries refuse the split. */
async function indexEntries(root: string): Promise<Map<string, string>> {
  const out = await gitCommand(['ls-files', '--stage', '-z'], { cwd: root });
  const entries = new Map<string, string>();
  for (const record of out.stdout.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, sha, stage] = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    if (stage !== '0') throw new AiCommandError('GITFLEET_CLI_SPLIT_FAILED', `cannot split: ${path} has unresolved conflicts`);
    entries.set(path, `${mode!} ${sha!} 0\t${path}`);
  }
  return entries;
}

/**
 * Makes the commits in order, each from HEAD plus its own paths as staged (a temporary index per
 * commit, so `git commit` and its hooks see exactly that commit; the working tree is never
 * touched). Every staged path must be in exactly one commit, else nothing is done. If a commit
 * fails, HEAD is set back to where it was and the index file is restored byte for byte.
 * Resolves with the new commits' shas.
 */
export async function commitSplit(root: string, commits: readonly SplitCommit[], gitArgs: readonly string[]): Promise<string[]> {
  const [indexFile, messageFile, headRef, origHead, staged] = await Promise.all([
    gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: root }),
    gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'GITFLEET_SPLITMSG'], { cwd: root }),
    gitCommand(['symbolic-ref', '-q', 'HEAD'], { cwd: root, okCodes: [1] }).then((r) => (r.code === 0 ? r.stdout.trim() : null)),
    gitCommand(['rev-parse', '-q', '--verify', 'HEAD'], { cwd: root, okCodes: [1] }).then((r) => (r.code === 0 ? r.stdout.trim() : null)),
    gitCommand(['diff', '--cached', '--name-only', '--no-renames', '-z'], { cwd: root }).then((r) => r.stdout.split('\0').filter(Boolean)),
  ]);
  const owner = new Map<string, number>();
  commits.forEach((c, i) => c.paths.forEach((p) => owner.set(p, owner.has(p) && owner.get(p) !== i ? -1 : i)));
  const problems = [...staged.filter((p) => !owner.has(p)).map((p) => `${p} is in no commit`), ...[...owner].filter(([, i]) => i === -1).map(([p]) => `${p} is in two commits`)];
  if (problems.length > 0) throw new AiCommandError('GITFLEET_CLI_SPLIT_FAILED', `the split does not cover the staged change: ${problems.slice(0, 3).join('; ')}; nothing was committed`);

  const backup = await readFile(indexFile).catch(() => null);
  const entries = await indexEntries(root);
  const dir = await mkdtemp(join(tmpdir(), 'gitfleet-split-'));
  const made: string[] = [];
  try {
    for (const [i, commit] of commits.entries()) {
      const env = { ...process.env, GIT_INDEX_FILE: join(dir, `index-${String(i)}`) };
      const base = made.at(-1) ?? origHead;
      await gitCommand(base === null ? ['read-tree', '--empty'] : ['read-tree', base], { cwd: root, env });
      const info = commit.paths.map((path) => entries.get(path) ?? `0 ${EMPTY_SHA}\t${path}`);
      await gitWithInput(['update-index', '-z', '--index-info'], `${info.join('\0')}\0`, root, env);
      await writeFile(messageFile, `${commit.message.trim()}\n`);
      const code = await gitInteractive(['commit', '-F', messageFile, ...gitArgs], root, env);
      if (code !== 0) throw new AiCommandError('GITFLEET_CLI_SPLIT_FAILED', `git commit of commit ${String(i + 1)} of ${String(commits.length)} exited with code ${String(code)}`);
      made.push(await gitLine(['rev-parse', 'HEAD'], { cwd: root }));
    }
    return made;
  } catch (error) {
    await undo(root, headRef, origHead, made.at(-1) ?? null, indexFile, backup);
    const undone = made.length > 0 ? `; the ${String(made.length)} commit${made.length === 1 ? '' : 's'} made before were undone` : '';
    throw new AiCommandError('GITFLEET_CLI_SPLIT_FAILED', `${error instanceof Error ? error.message : String(error)}${undone}, HEAD and the index are as they were`, { cause: error });
  } finally {
    await Promise.all([rm(dir, { recursive: true, force: true }), rm(messageFile, { force: true })]);
  }
}

/** HEAD (or its branch) back to `origHead` (deleted again on an unborn branch), and the index file's bytes back. */
async function undo(root: string, headRef: string | null, origHead: string | null, current: string | null, indexFile: string, backup: Buffer | null): Promise<void> {
  const ref = headRef ?? 'HEAD';
  if (current !== null) {
    if (origHead === null) await gitCommand(['update-ref', '-m', 'gitfleet: split undone', '-d', ref, current], { cwd: root });
    else await gitCommand(['update-ref', '-m', 'gitfleet: split undone', ref, origHead, current], { cwd: root });
  }
  if (backup === null) await rm(indexFile, { force: true });
  else await writeFile(indexFile, backup);
}
