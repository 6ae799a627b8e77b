import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDataset } from '@gitfleet/dataset';
import { createBareClone, createTempDir, createTrickyRepo, generateLargeRepo, startGitHttpServer, startRedis, type GitHttpServer, type RedisServer, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ndjson, runCli, text } from './cli.js';

// `gitfleet mine --queue` and `gitfleet worker` processes with a real Redis and a git server that
// wants a token: the dataset is the one `gitfleet mine` writes, --detach and --status, a second
// coordinator refused, SIGTERM, and no token ever written to Redis.

const GIT_TOKEN = 'queue-e2e-secret-token-7f3a';
const NAMES = ['tricky', 'gen-1', 'gen-2'];
let root: TempDir;
let server: GitHttpServer;
let redis: RedisServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  root = await createTempDir('gitfleet-e2e-queue-');
  const srv = join(root.path, 'srv');
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: join(srv, 'tricky.git') });
  for (const [i, name] of ['gen-1', 'gen-2'].entries()) {
    await using gen = await generateLargeRepo({ commits: 100 + 60 * i, files: 25, seed: 90 + i, mergeEvery: 20, renameEvery: 30 });
    await createBareClone(gen.path, { dir: join(srv, `${name}.git`) });
  }
  server = await startGitHttpServer({ root: srv, token: GIT_TOKEN });
  redis = await startRedis();
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await Promise.all([server?.close(), redis?.stop()]);
  await root?.cleanup();
});

const env = (): Record<string, string> => ({
  GITFLEET_GIT_TOKEN: GIT_TOKEN,
  GITFLEET_GIT_HOST: `127.0.0.1:${String(server.port)}`,
  GITFLEET_CACHE_DIR: join(root.path, 'cache'),
  GITFLEET_CREDENTIALS_FILE: join(root.path, 'no-credentials.enc'),
  GITHUB_TOKEN: '',
  GH_TOKEN: '',
});
const urls = (): string[] => NAMES.map((n) => server.url(`${n}.git`));

/** `gitfleet worker` in a process of its own; resolves once it takes jobs. */
async function startWorker(extra: string[] = []): Promise<{ child: ChildProcess; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', redis.url, '--concurrency', '2', ...extra], { env: { ...process.env, CI: 'true', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  workers.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('taking jobs from')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${stderr}`);
    await sleep(20);
  }
  return { child, stderr: () => stderr, exit };
}

async function rows(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const dataset = await openDataset(dir);
  try {
    return await dataset.query(sql);
  } finally {
    await dataset.close();
  }
}

/** Every row of the repository tables, as text, sorted (the time of publishing left out). */
async function content(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ['repositories', 'commits', 'commit_files', 'branches', 'ownership']) {
    const exclude = table === 'repositories' ? ' EXCLUDE (published_time)' : '';
    out[table] = (await rows(dir, `SELECT t::VARCHAR AS r FROM (SELECT *${exclude} FROM ${table}) t ORDER BY 1`)).map((r) => String(r['r']));
  }
  return out;
}

/** Every file Redis persisted (its append-only files): what went into Redis. */
async function redisFiles(): Promise<string> {
  let all = '';
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else all += await readFile(path, 'latin1');
    }
  };
  await walk(redis.dir);
  return all;
}

describe('gitfleet mine --queue', () => {
  it('with two `gitfleet worker`s writes what `gitfleet mine` writes; no token reaches Redis; SIGTERM stops a worker cleanly', async () => {
    const local = join(root.path, 'local');
    expect((await runCli(['mine', ...urls(), '--out', local, '-f', 'json'], { env: env() })).code).toBe(0);
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const out = join(root.path, 'queued');
    // A URL with the token in it: the job keeps the URL without it; workers use their own token.
    const withToken = urls().map((u) => u.replace('http://', `http://x:${GIT_TOKEN}@`));
    const r = await runCli(['mine', ...withToken, '--out', out, '--queue', redis.url, '-f', 'ndjson'], { env: env() });
    expect(r.stderr).toContain('repositories enqueued');
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson<{ type: string; repository?: string; published?: number; authors?: number }>(r);
    expect(events.filter((e) => e.type === 'published').map((e) => e.repository).sort()).toEqual(urls().sort());
    expect(events.at(-1)).toMatchObject({ type: 'summary', published: NAMES.length, failed: 0 });
    expect(await content(out)).toEqual(await content(local));
    expect(text(r)).not.toContain(GIT_TOKEN);
    expect(await redisFiles()).not.toContain(GIT_TOKEN);
    expect((await redisFiles()).length).toBeGreaterThan(1000);

    const status = await runCli(['mine', '--status', '--queue', redis.url, '--out', out, '-f', 'json'], { env: env() });
    expect(JSON.parse(text(status))).toMatchObject([{ out, state: 'finished', done: NAMES.length, total: NAMES.length, summary: { published: NAMES.length } }]);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    expect(a.stderr()).toContain('gitfleet worker: stopped');
    expect(a.stderr() + b.stderr()).not.toContain(GIT_TOKEN);
  });

  it('--detach enqueues and returns; --status follows the run; a second coordinator on the same output is refused', async () => {
    const out = join(root.path, 'detached');
    const detached = await runCli(['mine', ...urls(), '--out', out, '--queue', redis.url, '--detach'], { env: env() });
    expect(detached.code, detached.stderr).toBe(0);
    const runId = /^run (\S+): 3 repositories enqueued/.exec(text(detached))?.[1];
    expect(text(detached)).toBe(`run ${runId!}: 3 repositories enqueued into ${out}\nfollow it: gitfleet mine --status --queue ${redis.url} --out ${out}\n`);
    expect(runId).toBeDefined();
    // No worker yet: the run waits.
    const waiting = await runCli(['mine', '--status', '--queue', redis.url], { env: env() });
    expect(text(waiting)).toMatch(new RegExp(`${runId!}\\s+mining\\s+0/3`));
    const second = await runCli(['mine', ...urls(), '--out', out, '--queue', redis.url], { env: env() });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`gitfleet: ${out} is already being mined by run ${runId!} (waiting-children`);
    const worker = await startWorker();
    const deadline = Date.now() + 120_000;
    let state = '';
    while (state !== 'finished') {
      if (Date.now() > deadline) throw new Error(`run not finished: ${state}`);
      await sleep(300);
      const [run] = JSON.parse(text(await runCli(['mine', '--status', '--queue', redis.url, '--out', out, '-f', 'json'], { env: env() }))) as { runId: string; state: string }[];
      expect(run!.runId).toBe(runId);
      state = run!.state;
    }
    expect(await rows(out, 'SELECT count(*)::INTEGER AS n FROM repositories')).toEqual([{ n: 3 }]);
    expect(text(await runCli(['mine', '--status', '--queue', redis.url], { env: env() }))).toBe('no run in progress\n');
    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
  });

  it('refuses --detach and --status without --queue, and `worker` without a queue, in one line', async () => {
    const r = await runCli(['mine', '.', '--out', join(root.path, 'x'), '--detach']);
    expect([r.code, r.stderr]).toEqual([2, 'gitfleet: --detach needs --queue redis://host:port[/db] (or GITFLEET_QUEUE_URL)\n']);
    const w = await runCli(['worker'], { env: { GITFLEET_QUEUE_URL: '' } });
    expect([w.code, w.stderr]).toEqual([2, 'gitfleet: option --queue: redis://host:port[/db] is required (or GITFLEET_QUEUE_URL)\n']);
    const bad = await runCli(['worker', '--queue', 'http://example.org']);
    expect([bad.code, bad.stderr]).toEqual([2, 'gitfleet: queue must be a redis:// or rediss:// URL, got http://…\n']);
  });
});
