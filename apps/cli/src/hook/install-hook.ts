import { constants } from 'node:fs';
import { access, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AiCommandError } from './errors.js';
import { hookScript, parseHookScript } from './hook-script.js';
import type { HookLocation } from './locate-hook.js';

/** What is at a hook path: nothing, gitfleet's hook (with the paths it records), or someone else's. */
type HookFileState = { kind: 'none' } | { kind: 'gitfleet'; node: string; cli: string } | { kind: 'other' };

async function exists(path: string): Promise<boolean> {
  // lstat: a dangling symlink is still a hook file to keep.
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function readHookFile(path: string): Promise<HookFileState> {
  const stat = await lstat(path).catch(() => null);
  if (!stat) return { kind: 'none' };
  if (!stat.isFile()) return { kind: 'other' };
  const parsed = parseHookScript(await readFile(path, 'utf8'));
  return parsed ? { kind: 'gitfleet', ...parsed } : { kind: 'other' };
}

export interface InstallResult {
  action: 'installed' | 'updated';
  file: string;
  /** The existing hook, moved aside and run before ours. */
  chained: string | null;
}

/**
 * Installs the hook at `location.file`. An existing hook is renamed to `location.chained`
 * (a rename keeps its bytes, mode and symlink-ness for an exact restore) and runs first.
 */
export async function installHook(location: HookLocation, paths: { node: string; cli: string; flags?: string[] }): Promise<InstallResult> {
  const current = await readHookFile(location.file);
  if (current.kind === 'other') {
    if (await exists(location.chained)) {
      throw new AiCommandError(
        'GITFLEET_CLI_HOOK_CONFLICT',
        `both ${location.file} and ${location.chained} exist and neither is gitfleet's hook: move one away, then install again`,
      );
    }
    await rename(location.file, location.chained);
  }
  await mkdir(dirname(location.file), { recursive: true });
  const script = hookScript({ ...paths, shChained: location.husky === 'v9' });
  // Write then rename, so git never runs a half-written hook.
  const temp = `${location.file}.gitfleet-tmp`;
  await writeFile(temp, script, { mode: 0o755 });
  await rename(temp, location.file);
  const chained = (await exists(location.chained)) ? location.chained : null;
  return { action: current.kind === 'gitfleet' ? 'updated' : 'installed', file: location.file, chained };
}

export interface UninstallResult {
  action: 'removed' | 'not-installed';
  file: string;
  /** The chained hook moved back into place. */
  restored: string | null;
}

/** Removes gitfleet's hook and moves the chained hook back. Someone else's hook is never touched. */
export async function uninstallHook(location: HookLocation): Promise<UninstallResult> {
  const current = await readHookFile(location.file);
  if (current.kind === 'other') return { action: 'not-installed', file: location.file, restored: null };
  if (current.kind === 'gitfleet') await rm(location.file);
  const restore = await exists(location.chained);
  if (restore) await rename(location.chained, location.file);
  return { action: current.kind === 'gitfleet' ? 'removed' : 'not-installed', file: location.file, restored: restore ? location.file : null };
}

export interface HookStatus {
  installed: boolean;
  file: string;
  hooksDir: string;
  hooksPath: string | null;
  husky: HookLocation['husky'];
  linkedWorktree: boolean;
  /** Someone else's hook at `file` (gitfleet's is not installed there). */
  foreignHook: boolean;
  chained: string | null;
  /** The node binary and bundle the hook runs, and whether they still exist. */
  node: string | null;
  cli: string | null;
  runnable: boolean;
}

export async function hookStatus(location: HookLocation): Promise<HookStatus> {
  const current = await readHookFile(location.file);
  const runnable =
    current.kind === 'gitfleet' &&
    (await access(current.node, constants.X_OK).then(() => true, () => false)) &&
    (await exists(current.cli));
  return {
    installed: current.kind === 'gitfleet',
    file: location.file,
    hooksDir: location.hooksDir,
    hooksPath: location.hooksPath,
    husky: location.husky,
    linkedWorktree: location.linkedWorktree,
    foreignHook: current.kind === 'other',
    chained: (await exists(location.chained)) ? location.chained : null,
    node: current.kind === 'gitfleet' ? current.node : null,
    cli: current.kind === 'gitfleet' ? current.cli : null,
    runnable,
  };
}
