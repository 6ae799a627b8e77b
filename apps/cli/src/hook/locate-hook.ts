import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AiCommandError } from './errors.js';
import { gitCommand, gitLine } from './git-command.js';

export const HOOK_NAME = 'prepare-commit-msg';
/** The hook that was in place before ours is kept under this name and run first. */
export const CHAINED_SUFFIX = '.gitfleet-chained';

/** Which husky layout manages the hooks, if any. */
export type HuskyLayout = 'v9' | 'v5-8' | null;

/** Where git runs `prepare-commit-msg` for a repository, and where gitfleet installs its hook. */
export interface HookLocation {
  /** Work tree top level (hooks run there). */
  root: string;
  /** The directory git runs hooks from: `core.hooksPath` (relative to the work tree) or the common git dir's hooks. */
  hooksDir: string;
  /** `core.hooksPath` as configured, or null. */
  hooksPath: string | null;
  husky: HuskyLayout;
  /** Our hook file. With husky v9 this is `.husky/prepare-commit-msg`, which husky's `.husky/_/prepare-commit-msg` runs. */
  file: string;
  /** Where an existing hook is moved to be chained. */
  chained: string;
  /** A linked worktree: hooks are shared with the main work tree (unless core.hooksPath is relative). */
  linkedWorktree: boolean;
}

/**
 * Finds the hook file for the repository containing `path`. `git rev-parse --git-path hooks` resolves
 * core.hooksPath and linked worktrees (hooks live in the common dir); husky is recognised by its files.
 */
export async function locateHook(path: string): Promise<HookLocation> {
  const cwd = resolve(path);
  const bare = await gitLine(['rev-parse', '--is-bare-repository'], { cwd });
  if (bare === 'true') {
    throw new AiCommandError('GITFLEET_CLI_BARE_REPOSITORY', `${cwd} is a bare repository: commits (and their hooks) need a work tree`);
  }
  const root = await gitLine(['rev-parse', '--show-toplevel'], { cwd });
  // From the top level, as git runs hooks there: a relative core.hooksPath is relative to it.
  const [hooksDir = '', gitDir = '', commonDir = ''] = (
    await gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'hooks', '--git-dir', '--git-common-dir'], { cwd: root })
  ).split('\n');
  const configured = await gitCommand(['config', '--get', 'core.hooksPath'], { cwd: root, okCodes: [1] });
  const hooksPath = configured.code === 0 ? configured.stdout.trim() : null;

  const husky = huskyLayout(hooksDir);
  // husky v9 runs `.husky/_/<hook>`, a stub that runs the user's `.husky/<hook>` with `sh -e`.
  const dir = husky === 'v9' ? dirname(hooksDir) : hooksDir;
  const file = join(dir, HOOK_NAME);
  return { root, hooksDir, hooksPath, husky, file, chained: file + CHAINED_SUFFIX, linkedWorktree: gitDir !== commonDir };
}

function huskyLayout(hooksDir: string): HuskyLayout {
  // v9: core.hooksPath=.husky/_ holding the runner `h` and one stub per hook.
  if (basename(hooksDir) === '_' && existsSync(join(hooksDir, 'h'))) return 'v9';
  // v5-v8: core.hooksPath=.husky, user hooks there, sourcing .husky/_/husky.sh.
  if (existsSync(join(hooksDir, '_', 'husky.sh'))) return 'v5-8';
  return null;
}
