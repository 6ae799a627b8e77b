import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createBareClone, createEmptyRepo, createTempDir, generateLargeRepo, gitText, startGitHttpServer } from '@gitfleet/test-kit';
import type { GitHttpServer, TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet } from '../../src/index.js';

let root: TempDir;
let server: GitHttpServer;

beforeAll(async () => {
  root = await createTempDir('gitfleet-refresh-safety-');
  await using repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'a.txt': 'a\n' }, { message: 'one' });
  await gitText(repo.path, ['branch', 'gone']);
  await commitFiles(repo.path, { 'b.txt': 'b\n' }, { message: 'two' });
  await createBareClone(repo.path, { dir: join(root.path, 'bare.git') });
  await commitFiles(repo.path, { 'c.txt': 'c\n', 'e.txt': 'e\n' }, { message: 'three' });
  await createBareClone(repo.path, { dir: join(root.path, 'repair.git') });
  await using large = await generateLargeRepo({ commits: 300, files: 200, seed: 11 });
  await createBareClone(large.path, { dir: join(root.path, 'large.git') });
  server = await startGitHttpServer({ root: root.path });
});

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

/** A commit on top of `parent` made inside `repo` (bare or not) without touching any work tree. */
async function commitIn(repo: string, parent: string, message: string): Promise<string> {
  const tree = (await gitText(repo, ['rev-parse', `${parent}^{tree}`])).trim();
  return (await gitText(repo, ['commit-tree', tree, '-p', parent, '-m', message])).trim();
}

/** Pushes one new commit to the server's `branch`, made in a scratch clone. */
async function pushNewCommit(name: string, branch: string, file: string): Promise<string> {
  await using work = await createTempDir('gitfleet-push-');
  await gitText(work.path, ['clone', '--quiet', '--branch', branch, join(root.path, name), 'w']);
  await commitFiles(join(work.path, 'w'), { [file]: `${file}\n` }, { message: file });
  await gitText(join(work.path, 'w'), ['push', '--quiet', 'origin', `HEAD:${branch}`]);
  return (await gitText(join(work.path, 'w'), ['rev-parse', 'HEAD'])).trim();
}

const refs = async (repo: string): Promise<string> => gitText(repo, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads']);

describe('a refresh never destroys work', () => {
  it('refuses to refresh a bare clone whose branch has commits the server lacks, and changes nothing', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('bare.git');
    const first = await createFleet([url], { destination: dest.path, bare: true }).cloneAll();
    const clone = first[0]!.path!;
    // Local work in the bare clone: a commit on main and a branch the server never had.
    const local = await commitIn(clone, 'main', 'local work');
    await gitText(clone, ['update-ref', 'refs/heads/main', local]);
    await gitText(clone, ['update-ref', 'refs/heads/topic', await commitIn(clone, 'main', 'topic work')]);
    await pushNewCommit('bare.git', 'main', 'server.txt'); // now main has diverged
    const before = await refs(clone);

    const [result] = await createFleet([url], { destination: dest.path, bare: true }).cloneAll();
    expect(result).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_DIVERGED' } });
    expect(result?.error?.message).toMatch(/main/);
    expect(await refs(clone)).toBe(before);
  });

  it('refreshes a bare clone: fast-forwards, keeps local-only branches and branches ahead, prunes merged ones the server deleted', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    await using repo = await createEmptyRepo();
    await commitFiles(repo.path, { 'x.txt': 'x\n' }, { message: 'x' });
    await gitText(repo.path, ['branch', 'ahead']);
    await gitText(repo.path, ['branch', 'old']);
    await createBareClone(repo.path, { dir: join(root.path, 'bare-2.git') });
    const url = server.url('bare-2.git');
    const clone = (await createFleet([url], { destination: dest.path, bare: true }).cloneAll())[0]!.path!;
    const topic = await commitIn(clone, 'main', 'local only');
    await gitText(clone, ['update-ref', 'refs/heads/topic', topic]);
    const ahead = await commitIn(clone, 'ahead', 'local ahead');
    await gitText(clone, ['update-ref', 'refs/heads/ahead', ahead]);
    const serverMain = await pushNewCommit('bare-2.git', 'main', 'new.txt');
    await gitText(join(root.path, 'bare-2.git'), ['branch', '-D', 'old']);

    const [result] = await createFleet([url], { destination: dest.path, bare: true }).cloneAll();
    expect(result).toMatchObject({ status: 'completed', refreshed: true });
    expect((await gitText(clone, ['rev-parse', 'main'])).trim()).toBe(serverMain);
    expect((await gitText(clone, ['rev-parse', 'topic'])).trim()).toBe(topic);
    expect((await gitText(clone, ['rev-parse', 'ahead'])).trim()).toBe(ahead);
    expect(await refs(clone)).not.toContain('refs/heads/old');
    // No staging refs are left behind for analyses that walk every ref.
    expect(await gitText(clone, ['for-each-ref'])).not.toContain('gitfleet');
  });

  it('refuses a normal clone whose branch diverged (GITFLEET_GIT_DIVERGED), keeping the local commit', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('bare.git');
    const clone = (await createFleet([url], { destination: dest.path }).cloneAll())[0]!.path!;
    await commitFiles(clone, { 'mine.txt': 'mine\n' }, { message: 'mine' });
    const mine = (await gitText(clone, ['rev-parse', 'HEAD'])).trim();
    await pushNewCommit('bare.git', 'main', 'theirs.txt');
    const [result] = await createFleet([url], { destination: dest.path }).cloneAll();
    expect(result).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_DIVERGED' } });
    expect((await gitText(clone, ['rev-parse', 'HEAD'])).trim()).toBe(mine);
  });
});

describe('an unfinished clone is never reported as completed', () => {
  it('a directory left by a killed `git clone` is cloned again, not "refreshed"', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('large.git');
    server.configure('large.git', { bytesPerSecond: 64 * 1024 });
    // A real git clone, killed with SIGKILL while it receives the pack.
    const git = spawn('git', ['clone', '--progress', url, join(dest.path, 'large')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => git.stderr.on('data', (c: Buffer) => /Receiving objects/.test(c.toString()) && resolve()));
    git.kill('SIGKILL');
    await new Promise((resolve) => git.once('close', resolve));
    server.configure('large.git', {});
    expect(await readdir(join(dest.path, 'large'))).toEqual(['.git']);

    const [result] = await createFleet([url], { destination: dest.path }).cloneAll();
    expect(result).toMatchObject({ status: 'completed', refreshed: false });
    const head = (await gitText(join(root.path, 'large.git'), ['rev-parse', 'HEAD'])).trim();
    expect((await gitText(result!.path!, ['rev-parse', 'HEAD'])).trim()).toBe(head);
    expect(await gitText(result!.path!, ['status', '--porcelain'])).toBe('');
  });

  it('builds the clone beside the destination: the directory appears only once complete', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('large.git');
    server.configure('large.git', { bytesPerSecond: 256 * 1024 });
    await using fleet = createFleet([url], { destination: dest.path });
    const seen = new Set<string>();
    fleet.on('progress', () => void readdir(dest.path).then((names) => names.forEach((n) => seen.add(n))));
    const [result] = await fleet.cloneAll();
    server.configure('large.git', {});
    expect(result?.status).toBe('completed');
    expect(seen.has('large')).toBe(false);
    expect([...seen].some((n) => n.startsWith('.large.gitfleet-partial-'))).toBe(true);
    expect(await readdir(dest.path)).toEqual(['large']);
  });
});

describe('a killed refresh is repaired by the next one', () => {
  it('finishes a fast-forward that died half-way through the work tree, keeping local changes to other files', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('repair.git');
    const clone = (await createFleet([url], { destination: dest.path }).cloneAll())[0]!.path!;
    const from = (await gitText(clone, ['rev-parse', 'HEAD'])).trim();
    // The server moves on: a.txt and b.txt change, c.txt goes, d.txt comes.
    await using work = await createTempDir('gitfleet-push-');
    await gitText(work.path, ['clone', '--quiet', join(root.path, 'repair.git'), 'w']);
    await commitFiles(join(work.path, 'w'), { 'a.txt': 'new a\n', 'b.txt': 'new b\n', 'c.txt': null, 'd.txt': 'd\n' }, { message: 'moved on' });
    await gitText(join(work.path, 'w'), ['push', '--quiet', 'origin', 'HEAD']);
    await gitText(clone, ['fetch', '--quiet', 'origin']);
    const to = (await gitText(clone, ['rev-parse', 'origin/main'])).trim();
    // What `merge --ff-only` leaves when killed mid-checkout: some files new, the index locked, the branch old.
    await writeFile(join(clone, 'a.txt'), 'new a\n');
    await writeFile(join(clone, 'b.txt'), 'new'); // partly written
    await writeFile(join(clone, '.git', 'index.lock'), '');
    await writeFile(join(clone, 'e.txt'), 'my local work\n'); // the user's own change, elsewhere
    const dead = spawnSync('true').pid;
    await writeFile(join(clone, '.git', 'gitfleet-refresh.json'), JSON.stringify({ pid: dead, phase: 'checkout', branch: 'refs/heads/main', from, to }));

    const [result] = await createFleet([url], { destination: dest.path }).cloneAll();
    expect(result).toMatchObject({ status: 'completed', refreshed: true });
    expect((await gitText(clone, ['rev-parse', 'HEAD'])).trim()).toBe(to);
    expect(await gitText(clone, ['status', '--porcelain'])).toBe(' M e.txt\n');
    expect(await readFile(join(clone, 'b.txt'), 'utf8')).toBe('new b\n');
    expect(existsSync(join(clone, 'c.txt'))).toBe(false);
    expect(await readFile(join(clone, 'd.txt'), 'utf8')).toBe('d\n');
    expect(existsSync(join(clone, '.git', 'index.lock'))).toBe(false);
    expect(existsSync(join(clone, '.git', 'gitfleet-refresh.json'))).toBe(false);
  });

  it('leaves a clone alone while a live process refreshes it (GITFLEET_GIT_BUSY)', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const url = server.url('repair.git');
    const clone = (await createFleet([url], { destination: dest.path }).cloneAll())[0]!.path!;
    const busy = spawn('sleep', ['30']);
    try {
      await writeFile(join(clone, '.git', 'gitfleet-refresh.json'), JSON.stringify({ pid: busy.pid, phase: 'fetch' }));
      const [result] = await createFleet([url], { destination: dest.path }).cloneAll();
      expect(result).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_BUSY' } });
      expect(result?.error?.message).toContain(String(busy.pid));
    } finally {
      busy.kill();
    }
  });
});
