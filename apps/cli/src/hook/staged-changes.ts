import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiCommandError } from './errors.js';
import { gitCommand, gitLine } from './git-command.js';

/** Throws NOTHING_STAGED unless the index (GIT_INDEX_FILE in `env`, if set) differs from HEAD. */
export async function assertStaged(root: string, env: NodeJS.ProcessEnv = process.env, hint = 'stage changes with git add'): Promise<void> {
  // On an unborn branch `diff --cached` compares with the empty tree.
  const { code } = await gitCommand(['diff', '--cached', '--quiet', '--ignore-submodules=none'], { cwd: root, env, okCodes: [1] });
  if (code === 0) throw new AiCommandError('GITFLEET_CLI_NOTHING_STAGED', `nothing staged to commit: ${hint}`);
}

/**
 * The diff `git commit -a` would commit, from a throw-away copy of the index with tracked
 * changes added (the real index is untouched until git commit runs).
 */
export async function allChangesDiff(root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gitfleet-index-'));
  try {
    const index = join(dir, 'index');
    const real = await gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: root });
    await copyFile(real, index).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // no index yet: start empty
    });
    const env = { ...process.env, GIT_INDEX_FILE: index };
    await gitCommand(['add', '-u'], { cwd: root, env });
    await assertStaged(root, env, 'no tracked file changed');
    const diff = await gitCommand(['diff', '--cached', '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'], { cwd: root, env });
    return diff.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
