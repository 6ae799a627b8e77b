import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, git, type TempRepo } from '@gitfleet/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { fileState, gitfleet, runGit, writeHusky9 } from './ai-helpers.js';

const repos: { cleanup(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

async function repo(): Promise<TempRepo> {
  const r = await createEmptyRepo();
  repos.push(r);
  await commitFiles(r.path, { 'README.md': '# demo\n' }, { message: 'Initial commit' });
  return r;
}

interface Status {
  installed: boolean;
  file: string;
  hooksDir: string;
  hooksPath: string | null;
  husky: string | null;
  linkedWorktree: boolean;
  foreignHook: boolean;
  chained: string | null;
  node: string | null;
  cli: string | null;
  runnable: boolean;
}

async function status(cwd: string): Promise<Status> {
  const r = await gitfleet(cwd, ['hook', 'status', '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

/** A prepare-commit-msg that records it ran, so tests can see who ran. */
const recorder = (name: string): string => `#!/bin/sh\necho "${name} $*" >> "$(git rev-parse --git-common-dir)/hook-log"\n`;

async function hookLog(repoPath: string): Promise<string> {
  return readFile(join(repoPath, '.git', 'hook-log'), 'utf8').catch(() => '');
}

describe('gitfleet hook install / uninstall / status', () => {
  it('plain repository: installs into .git/hooks, reports it, uninstalls cleanly', async () => {
    const r = await repo();
    expect(await status(r.path)).toMatchObject({ installed: false, foreignHook: false, hooksPath: null, husky: null });

    const install = await gitfleet(r.path, ['hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    expect(install.stdout).toContain(`installed ${file}`);
    const s = await status(r.path);
    expect(s).toMatchObject({ installed: true, file, chained: null, node: process.execPath, runnable: true, linkedWorktree: false });
    expect((await fileState(file))!.mode & 0o111).toBe(0o111);

    const again = await gitfleet(r.path, ['hook', 'install']);
    expect(again.stdout).toContain(`updated ${file}`);

    const text = await gitfleet(r.path, ['hook', 'status']);
    expect(text.stdout).toMatch(/^hook: +installed$/m);

    const uninstall = await gitfleet(r.path, ['hook', 'uninstall']);
    expect(uninstall.code).toBe(0);
    expect(await fileState(file)).toBeNull();
    expect(await status(r.path)).toMatchObject({ installed: false });
  });

  it('chains to an existing hook (it runs first) and restores it byte for byte, mode included', async () => {
    const r = await repo();
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    await writeFile(file, recorder('original'));
    await chmod(file, 0o750);
    const before = await fileState(file);

    expect((await gitfleet(r.path, ['hook', 'install'])).code).toBe(0);
    expect(await status(r.path)).toMatchObject({ installed: true, chained: `${file}.gitfleet-chained` });
    const commit = await runGit(r.path, ['commit', '--allow-empty', '-m', 'manual message']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(await hookLog(r.path)).toBe('original .git/COMMIT_EDITMSG message\n');

    expect((await gitfleet(r.path, ['hook', 'uninstall'])).stdout).toContain(`restored the chained hook to ${file}`);
    expect(await fileState(file)).toEqual(before);
    expect(await fileState(`${file}.gitfleet-chained`)).toBeNull();
  });

  it('a failing chained hook still aborts the commit, as it did before gitfleet', async () => {
    const r = await repo();
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    await writeFile(file, '#!/bin/sh\necho "policy says no" >&2\nexit 3\n', { mode: 0o755 });
    expect((await gitfleet(r.path, ['hook', 'install'])).code).toBe(0);
    const commit = await runGit(r.path, ['commit', '--allow-empty', '-m', 'x']);
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toContain('policy says no');
  });

  it('a symlinked hook is chained and restored as the same symlink', async () => {
    const r = await repo();
    await writeFile(join(r.path, 'shared-hook.sh'), recorder('linked'), { mode: 0o755 });
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    await symlink('../../shared-hook.sh', file);
    const before = await fileState(file);
    expect((await gitfleet(r.path, ['hook', 'install'])).code).toBe(0);
    expect((await runGit(r.path, ['commit', '--allow-empty', '-m', 'x'])).code).toBe(0);
    expect(await hookLog(r.path)).toContain('linked .git/COMMIT_EDITMSG message');
    expect((await gitfleet(r.path, ['hook', 'uninstall'])).code).toBe(0);
    expect(await fileState(file)).toEqual(before);
  });

  it('refuses to overwrite when both the hook and a chained hook exist (neither is ours)', async () => {
    const r = await repo();
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    await writeFile(file, recorder('a'), { mode: 0o755 });
    await writeFile(`${file}.gitfleet-chained`, recorder('b'), { mode: 0o755 });
    const install = await gitfleet(r.path, ['hook', 'install']);
    expect(install.code).toBe(1);
    expect(install.stderr).toMatch(/^gitfleet: both .* exist and neither is gitfleet's hook/);
    expect(await readFile(file, 'utf8')).toBe(recorder('a'));
  });

  it('uninstall leaves a hook that is not gitfleet\'s alone', async () => {
    const r = await repo();
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    await writeFile(file, recorder('mine'), { mode: 0o755 });
    const before = await fileState(file);
    const uninstall = await gitfleet(r.path, ['hook', 'uninstall']);
    expect(uninstall.code).toBe(0);
    expect(uninstall.stdout).toMatch(/not installed/);
    expect(await fileState(file)).toEqual(before);
    expect(await status(r.path)).toMatchObject({ installed: false, foreignHook: true });
  });

  it('core.hooksPath (relative to the work tree): installs there, found from a subdirectory', async () => {
    const r = await repo();
    await git(r.path, ['config', 'core.hooksPath', 'tools/hooks']);
    await mkdir(join(r.path, 'src', 'deep'), { recursive: true });
    const install = await gitfleet(join(r.path, 'src', 'deep'), ['hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    const file = join(r.path, 'tools', 'hooks', 'prepare-commit-msg');
    expect(await status(r.path)).toMatchObject({ installed: true, file, hooksPath: 'tools/hooks', hooksDir: join(r.path, 'tools', 'hooks') });
    expect(await fileState(join(r.path, '.git', 'hooks', 'prepare-commit-msg'))).toBeNull();
    expect((await gitfleet(r.path, ['hook', 'uninstall'])).code).toBe(0);
    expect(await fileState(file)).toBeNull();
  });

  it('husky v9 (core.hooksPath=.husky/_): installs .husky/prepare-commit-msg, chains the user script, husky runs both', async () => {
    const r = await repo();
    await writeHusky9(r.path);
    // husky v9 user hooks need not be executable: husky runs them with `sh -e`.
    const user = join(r.path, '.husky', 'prepare-commit-msg');
    await writeFile(user, recorder('husky-user'), { mode: 0o644 });
    const before = await fileState(user);

    const install = await gitfleet(r.path, ['hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain('husky v9');
    expect(await status(r.path)).toMatchObject({
      installed: true, husky: 'v9', hooksPath: '.husky/_', file: user, chained: `${user}.gitfleet-chained`,
    });
    const commit = await runGit(r.path, ['commit', '--allow-empty', '-m', 'x']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(await hookLog(r.path)).toBe('husky-user .git/COMMIT_EDITMSG message\n');

    expect((await gitfleet(r.path, ['hook', 'uninstall'])).code).toBe(0);
    expect(await fileState(user)).toEqual(before);
  });

  it('linked worktree: installs into the common hooks dir, shared with the main work tree', async () => {
    const r = await repo();
    const wtParent = await createTempDir('gitfleet-wt-');
    repos.push(wtParent);
    const wt = join(wtParent.path, 'wt');
    await git(r.path, ['worktree', 'add', '--quiet', wt]);
    const install = await gitfleet(wt, ['hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    expect(await status(wt)).toMatchObject({ installed: true, file, linkedWorktree: true });
    expect(await status(r.path)).toMatchObject({ installed: true, file, linkedWorktree: false });
    expect(await fileState(join(r.path, '.git', 'worktrees', 'wt', 'hooks', 'prepare-commit-msg'))).toBeNull();
    expect((await gitfleet(wt, ['hook', 'uninstall'])).code).toBe(0);
    expect(await fileState(file)).toBeNull();
  });

  it('a hook whose node or bundle is gone warns and lets the commit through', async () => {
    const r = await repo();
    expect((await gitfleet(r.path, ['hook', 'install'])).code).toBe(0);
    const file = join(r.path, '.git', 'hooks', 'prepare-commit-msg');
    const script = await readFile(file, 'utf8');
    await writeFile(file, script.replace(/^gitfleet_cli='.*'$/m, "gitfleet_cli='/nonexistent/it'\\''s gone/gitfleet.js'"));
    expect(await status(r.path)).toMatchObject({ installed: true, runnable: false, cli: "/nonexistent/it's gone/gitfleet.js" });
    await writeFile(join(r.path, 'a.txt'), 'a\n');
    await git(r.path, ['add', 'a.txt']);
    const commit = await runGit(r.path, ['commit', '-m', 'still commits']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stderr).toContain('gitfleet: hook skipped');
  });

  it('a bare repository is refused with a clear message', async () => {
    const dir = await createTempDir('gitfleet-bare-');
    repos.push(dir);
    await git(dir.path, ['init', '--quiet', '--bare']);
    const r = await gitfleet(dir.path, ['hook', 'install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bare repository/);
  });
});
