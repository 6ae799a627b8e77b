import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  commitFiles,
  createBareClone,
  createEmptyRepo,
  createTempDir,
  createTrickyRepo,
  generateLargeRepo,
  gitText,
  startGitHttpServer,
} from '@gitfleet/test-kit';
import type { GitHttpServer, TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet } from '../../src/index.js';
import type { FleetTask } from '../../src/index.js';

const TOKEN = 'fleet-secret-token-42';
const SMALL = Array.from({ length: 20 }, (_, i) => `small-${String(i)}.git`);

let root: TempDir;
let server: GitHttpServer;
let largeObjects = 0;

beforeAll(async () => {
  root = await createTempDir('gitfleet-fleet-root-');
  await using small = await createEmptyRepo();
  await commitFiles(small.path, { 'a.txt': 'a\n' }, { message: 'one' });
  await commitFiles(small.path, { 'b.txt': 'b\n' }, { message: 'two' });
  for (const name of [...SMALL, 'drop.git', 'err.git', 'wrong.git', 'slow.git', 'refresh.git', 'refresh-bare.git']) {
    await createBareClone(small.path, { dir: join(root.path, name) });
  }
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: join(root.path, 'tricky.git') });
  await using large = await generateLargeRepo({ commits: 400, files: 150, seed: 3 });
  for (const name of ['large.git', 'large-2.git', 'large-3.git']) await createBareClone(large.path, { dir: join(root.path, name) });
  largeObjects = (await gitText(large.path, ['rev-list', '--all', '--objects'])).trim().split('\n').length;
  server = await startGitHttpServer({ root: root.path, token: TOKEN });
});

afterAll(async () => {
  await server.close();
  await root.cleanup();
});

const requestsFor = (repo: string) => server.requests.filter((r) => r.repo === repo);
const opts = () => ({ tokens: { [`127.0.0.1:${String(server.port)}`]: TOKEN }, backoffMs: 50 });

describe('fleet cloning over smart HTTP', () => {
  it('clones with real, throttled progress and never exposes the token', async () => {
    server.configure('large.git', { bytesPerSecond: 512 * 1024 });
    const argvs: string[][] = [];
    const cmdlines: string[] = [];
    await using fleet = createFleet([server.url('large.git')], {
      ...opts(),
      onSpawn: (argv, pid) => {
        argvs.push([...argv]);
        // Every process in git's tree (git, git-remote-http, index-pack), read while it runs.
        const scan = setInterval(() => cmdlines.push(...treeMembers(pid).map((m) => m.cmdline)), 20);
        setTimeout(() => clearInterval(scan), 3000).unref();
      },
    });
    const events: { at: number; task: FleetTask }[] = [];
    const states: string[] = [];
    fleet.on('progress', (task) => events.push({ at: Date.now(), task }));
    fleet.on('state', (task) => states.push(task.status));
    const [result] = await fleet.cloneAll();

    expect(result?.status).toBe('completed');
    expect(states).toEqual(['queued', 'cloning', 'completed']);
    const path = result?.path ?? '';
    expect((await gitText(path, ['rev-list', '--count', 'HEAD'])).trim()).toBe('400');
    // Real numbers: the receive phase ends at the repository's object count.
    const receiving = events.map((e) => e.task.progress).filter((p) => p.phase === 'receiving');
    expect(receiving.length).toBeGreaterThan(2);
    expect(Math.max(...receiving.map((p) => p.totalObjects))).toBe(largeObjects);
    expect(receiving.at(-1)?.receivedBytes).toBeGreaterThan(0);
    for (let i = 1; i < events.length; i++) expect(events[i]!.at - events[i - 1]!.at).toBeGreaterThanOrEqual(50);
    // Throttling never loses the end: the snapshot (and the completed state) show the last phase finished.
    expect(fleet.snapshot()[0]?.progress.percent).toBe(100);

    const everything = JSON.stringify({ argvs, cmdlines, events, result, snapshot: fleet.snapshot() });
    expect(cmdlines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(`git:${TOKEN}`).toString('base64'));
    expect(await readFile(join(path, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('fails fast on a wrong token, without a retry storm', async () => {
    const before = requestsFor('wrong.git').length;
    await using fleet = createFleet([server.url('wrong.git')], { tokens: () => 'not-the-token', retries: 5 });
    const start = Date.now();
    const [result] = await fleet.cloneAll();
    expect(result?.status).toBe('failed');
    expect(result?.error?.code).toBe('GITFLEET_GIT_AUTH_FAILED');
    expect(result?.error?.message).not.toContain('not-the-token');
    expect(Date.now() - start).toBeLessThan(3000);
    expect(requestsFor('wrong.git').length - before).toBeLessThanOrEqual(2);
    expect(fleet.snapshot()[0]?.attempt).toBe(1);
  });

  it('retries a dropped connection and a 500, then completes', async () => {
    server.configure('drop.git', { fault: 'drop-mid-pack', faultTimes: 1 });
    server.configure('err.git', { fault: 'status-500', faultTimes: 1 });
    await using fleet = createFleet([server.url('drop.git'), server.url('err.git')], opts());
    const results = await fleet.cloneAll();
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(fleet.snapshot().map((t) => t.attempt)).toEqual([2, 2]);
    expect(requestsFor('drop.git').filter((r) => r.fault === 'drop-mid-pack')).toHaveLength(1);
  });

  it('times out a slow start (GITFLEET_GIT_TIMEOUT) and leaves nothing behind', async () => {
    server.configure('slow.git', { fault: 'slow-start', slowStartMs: 3000 });
    await using dest = await createTempDir('gitfleet-dest-');
    await using fleet = createFleet([server.url('slow.git')], { ...opts(), destination: dest.path, timeoutMs: 300, retries: 1 });
    const [result] = await fleet.cloneAll();
    expect(result?.error?.code).toBe('GITFLEET_GIT_TIMEOUT');
    expect(fleet.snapshot()[0]?.attempt).toBe(2);
    expect(await readdir(dest.path)).toEqual([]);
    server.configure('slow.git', {});
  });

  it('completes 19 of 20 when one URL is bad, under the concurrency cap', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const urls = SMALL.slice(0, 19).map((n) => server.url(n));
    urls.splice(7, 0, server.url('missing.git'));
    await using fleet = createFleet(urls, { ...opts(), destination: dest.path, concurrency: 4 });
    let cloning = 0;
    let peak = 0;
    fleet.on('state', (t) => {
      if (t.status === 'cloning') peak = Math.max(peak, ++cloning);
      if (t.status === 'completed' || t.status === 'failed') cloning--;
    });
    const results = await fleet.cloneAll();
    expect(results).toHaveLength(20);
    expect(results.filter((r) => r.status === 'completed')).toHaveLength(19);
    expect(results[7]).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_CLONE_FAILED' } });
    expect(peak).toBeLessThanOrEqual(4);
    expect((await readdir(dest.path)).sort()).toEqual(SMALL.slice(0, 19).map((n) => n.replace('.git', '')).sort());
  });

  it('stops everything within 1 s on abort and leaves no directories', async () => {
    for (const n of ['large-2.git', 'large-3.git']) server.configure(n, { bytesPerSecond: 100 * 1024 });
    await using dest = await createTempDir('gitfleet-dest-');
    const controller = new AbortController();
    const urls = ['large-2.git', 'large-3.git', ...SMALL.slice(0, 4)].map((n) => server.url(n));
    const pids: number[] = [];
    await using fleet = createFleet(urls, { ...opts(), destination: dest.path, concurrency: 2, signal: controller.signal, onSpawn: (_a, pid) => pids.push(pid) });
    const receiving = new Promise<void>((resolve) => fleet.on('progress', (t) => t.progress.phase === 'receiving' && resolve()));
    const done = fleet.cloneAll();
    await receiving;
    const tree = pids.flatMap((pid) => treeMembers(pid).map((m) => m.pid));
    expect(tree.length).toBeGreaterThan(pids.length); // helpers were running
    const abortedAt = Date.now();
    controller.abort();
    const results = await done;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(results.every((r) => r.status === 'failed' && r.error?.code === 'GITFLEET_GIT_ABORTED')).toBe(true);
    expect(await readdir(dest.path)).toEqual([]);
    // Every process of every git tree (git, git-remote-http, index-pack) is gone within the second.
    while (tree.some(alive) && Date.now() - abortedAt < 1000) await sleep(20);
    expect(tree.filter(alive)).toEqual([]);
  });

  it('makes shallow, bare and no-checkout clones', async () => {
    await using shallow = createFleet([server.url('tricky.git')], { ...opts(), depth: 1 });
    const [s] = await shallow.cloneAll();
    expect((await gitText(s!.path!, ['rev-parse', '--is-shallow-repository'])).trim()).toBe('true');
    expect((await gitText(s!.path!, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
    await using bare = createFleet([server.url('tricky.git')], { ...opts(), bare: true });
    const [b] = await bare.cloneAll();
    expect((await gitText(b!.path!, ['rev-parse', '--is-bare-repository'])).trim()).toBe('true');
    await using noCheckout = createFleet([server.url('tricky.git')], { ...opts(), noCheckout: true });
    const [n] = await noCheckout.cloneAll();
    expect(await readdir(n!.path!)).toEqual(['.git']);
  });

  it('refreshes an existing clone: fetch brings new commits and HEAD matches the server', async () => {
    await using dest = await createTempDir('gitfleet-dest-');
    const urls = [server.url('refresh.git'), server.url('refresh-bare.git')];
    for (const [i, url] of urls.entries()) {
      const fleet = createFleet([url], { ...opts(), destination: dest.path, bare: i === 1, depth: 1 });
      expect((await fleet.cloneAll())[0]?.refreshed).toBe(false);
    }
    // New commits on the server side.
    for (const name of ['refresh.git', 'refresh-bare.git']) {
      await using work = await createTempDir('gitfleet-work-');
      await gitText(work.path, ['clone', '--quiet', join(root.path, name), 'w']);
      await commitFiles(join(work.path, 'w'), { 'new.txt': `${name}\n` }, { message: 'new' });
      await gitText(join(work.path, 'w'), ['push', '--quiet', 'origin', 'HEAD']);
    }
    for (const [i, url] of urls.entries()) {
      const fleet = createFleet([url], { ...opts(), destination: dest.path, bare: i === 1 });
      const [result] = await fleet.cloneAll();
      expect(result).toMatchObject({ status: 'completed', refreshed: true });
      const serverHead = (await gitText(join(root.path, i === 0 ? 'refresh.git' : 'refresh-bare.git'), ['rev-parse', 'HEAD'])).trim();
      expect((await gitText(result!.path!, ['rev-parse', 'HEAD'])).trim()).toBe(serverHead);
      if (i === 0) expect(await readFile(join(result!.path!, 'new.txt'), 'utf8')).toBe('refresh.git\n');
    }
  });

  it('pathFor puts each URL in its own directory, whatever the order of URLs, so a later run refreshes it', async () => {
    await using dest = await createTempDir('gitfleet-pathfor-');
    // Two URLs whose last segment is the same name: `destination` would dedupe them by order (small-0, small-0-2).
    await using other = await startGitHttpServer({ root: root.path, token: TOKEN });
    const urls = [server.url('small-0.git'), other.url('small-0.git')];
    const pathFor = (url: string): string => join(dest.path, new URL(url).port, 'small-0.git');
    const tokens = { [`127.0.0.1:${String(server.port)}`]: TOKEN, [`127.0.0.1:${String(other.port)}`]: TOKEN };
    const first = await createFleet(urls, { tokens, bare: true, pathFor }).cloneAll();
    expect(first.map((r) => [r.path, r.refreshed])).toEqual(urls.map((u) => [pathFor(u), false]));
    const second = await createFleet([...urls].reverse(), { tokens, bare: true, pathFor }).cloneAll();
    expect(second.map((r) => [r.path, r.status, r.refreshed])).toEqual([...urls].reverse().map((u) => [pathFor(u), 'completed', true]));
    expect((await gitText(pathFor(urls[1]!), ['config', 'remote.origin.url'])).trim()).toBe(urls[1]);
  });

  it('removes temp dirs on cleanup() and reports per URL', async () => {
    const fleet = createFleet([server.url('small-0.git'), server.url('missing.git')], opts());
    const [ok] = await fleet.cloneAll();
    const tempRoot = join(ok!.path!, '..');
    expect(await readdir(tempRoot)).toEqual(['small-0']);
    const report = await fleet.cleanup();
    expect(report).toEqual([
      { url: server.url('small-0.git'), removed: true },
      { url: server.url('missing.git'), removed: false },
    ]);
    await expect(readdir(tempRoot)).rejects.toThrow();
  });
});

/** Live (not zombie) processes: pid, parent pid and command line, from /proc (Linux). */
function processes(): { pid: number; ppid: number; cmdline: string }[] {
  const list: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      list.push({ pid: Number(pid), ppid: Number(ppid), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // exited meanwhile
    }
  }
  return list;
}

/** `root` and its live descendants. */
function treeMembers(root: number): { pid: number; cmdline: string }[] {
  const all = processes();
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

// Killed helpers are reparented to PID 1, which may leave them as zombies: those count as gone.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
