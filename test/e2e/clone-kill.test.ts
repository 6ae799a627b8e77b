import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitFiles, createTempDir, generateLargeRepo, gitText, startGitHttpServer, type GitHttpServer, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './cli.js';

// `kill -9` of the CLI's whole process group (the CLI and every git it started) at several points
// of a slow clone or refresh; the next run must end with the server's HEAD and a clean work tree.

let root: TempDir;
let server: GitHttpServer;
/** A scratch clone of the server repository, to push new commits from. */
let pusher: string;

beforeAll(async () => {
  root = await createTempDir('gitfleet-kill-');
  const big = await generateLargeRepo({ commits: 120, files: 2500, seed: 21, dir: join(root.path, 'gen') });
  await gitText(root.path, ['clone', '--quiet', '--bare', big.path, join(root.path, 'srv', 'big.git')]);
  pusher = join(root.path, 'pusher');
  await gitText(root.path, ['clone', '--quiet', join(root.path, 'srv', 'big.git'), pusher]);
  server = await startGitHttpServer({ root: join(root.path, 'srv') });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The built CLI in a process group of its own (so the group can be killed as a whole). */
function startClone(dir: string): Run {
  const child = spawn(process.execPath, [CLI, 'clone', server.url('big.git'), '--dir', dir, '-f', 'ndjson', '--retries', '0'], {
    detached: true,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Polls `condition` until it holds, then SIGKILLs the whole process group; fails if the CLI ended first. */
async function killGroupWhen(run: Run, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (run.child.exitCode !== null) throw new Error(`the CLI ended before the kill point: ${(await run.done).stderr}`);
    if (Date.now() > deadline) throw new Error('kill point not reached in 60 s');
    await sleep(3);
  }
  process.kill(-run.child.pid!, 'SIGKILL');
  const { code } = await run.done;
  expect(code).toBeNull(); // killed, not exited
}

/** Every directory that holds (or will hold) the clone: the destination and partial builds beside it. */
async function cloneDirs(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => n === 'big' || n.startsWith('.big')).map((n) => join(dir, n));
}

const receiving = (dir: string) => async (): Promise<boolean> => {
  for (const clone of await cloneDirs(dir)) {
    for (const gitDir of [join(clone, '.git'), clone]) {
      const packs = await readdir(join(gitDir, 'objects', 'pack')).catch(() => [] as string[]);
      if (packs.some((n) => n.startsWith('tmp_pack_'))) return true;
    }
  }
  return false;
};

const checkingOut = (dir: string) => async (): Promise<boolean> => {
  for (const clone of await cloneDirs(dir)) {
    const entries = await readdir(clone).catch(() => [] as string[]);
    if (entries.includes('.git') && entries.length > 1 && !existsSync(join(clone, '.git', 'index'))) return true;
  }
  return false;
};

/** The rerun completes, and the clone has the server's HEAD and a clean work tree. */
async function expectConsistentAfterRerun(dir: string, refreshed: boolean): Promise<void> {
  const again = await startClone(dir).done;
  expect(again.code, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', refreshed });
  const clone = join(dir, 'big');
  const serverHead = (await gitText(join(root.path, 'srv', 'big.git'), ['rev-parse', 'HEAD'])).trim();
  expect((await gitText(clone, ['rev-parse', 'HEAD'])).trim()).toBe(serverHead);
  expect(await gitText(clone, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
  expect(await gitText(clone, ['ls-files'])).toBe(await gitText(pusher, ['ls-tree', '-r', '--name-only', serverHead]));
  expect(await readdir(dir)).toEqual(['big']); // no partial clone left beside it
}

/** A new commit on the server that rewrites `count` files (so a fetch and a checkout take a while); returns them. */
async function pushRewrite(count: number, tag: string): Promise<string[]> {
  const files = (await gitText(pusher, ['ls-files'])).trim().split('\n').slice(0, count);
  await commitFiles(pusher, Object.fromEntries(files.map((f) => [f, `${tag}\n${'x'.repeat(300)} ${f}\n`])), { message: tag });
  await gitText(pusher, ['push', '--quiet', 'origin', 'HEAD']);
  return files;
}

// Real clones of a 2,500-file repository, several times per test: generous limits for a loaded machine.
describe('a killed clone is never "completed"', { timeout: 300_000 }, () => {
  it('kill -9 while receiving the pack: the rerun clones again (not "refreshed") and matches the server', async () => {
    await using dest = await createTempDir('gitfleet-kill-dest-');
    server.configure('big.git', { bytesPerSecond: 256 * 1024 });
    await killGroupWhen(startClone(dest.path), receiving(dest.path));
    server.configure('big.git', {});
    await expectConsistentAfterRerun(dest.path, false);
  });

  it('kill -9 while checking out: the rerun clones again and matches the server', async () => {
    await using dest = await createTempDir('gitfleet-kill-dest-');
    await killGroupWhen(startClone(dest.path), checkingOut(dest.path));
    await expectConsistentAfterRerun(dest.path, false);
  });

  it('kill -9 during a refresh, while fetching and while fast-forwarding the work tree: the repository stays consistent', async () => {
    await using dest = await createTempDir('gitfleet-kill-dest-');
    expect((await startClone(dest.path).done).code).toBe(0);
    const clone = join(dest.path, 'big');

    await pushRewrite(2000, 'fetch-kill');
    server.configure('big.git', { bytesPerSecond: 128 * 1024 });
    await killGroupWhen(startClone(dest.path), receiving(dest.path));
    server.configure('big.git', {});
    await expectConsistentAfterRerun(dest.path, true);

    const rewritten = await pushRewrite(2000, 'checkout-kill');
    // git holds index.lock while it rewrites the work tree for the fast-forward: kill once the
    // first file has its new content, so the work tree is half old, half new.
    await killGroupWhen(startClone(dest.path), async () => {
      if (!existsSync(join(clone, '.git', 'index.lock'))) return false;
      return (await readFile(join(clone, rewritten[0]!), 'utf8').catch(() => '')).startsWith('checkout-kill');
    });
    expect(existsSync(join(clone, '.git', 'index.lock'))).toBe(true);
    expect((await readFile(join(clone, rewritten.at(-1)!), 'utf8')).startsWith('checkout-kill')).toBe(false);
    await expectConsistentAfterRerun(dest.path, true);
  });
});
