import { join } from 'node:path';
import { mine } from '@gitfleet/mine';
import { createBareClone, createTempDir, createTrickyRepo, generateLargeRepo, git, startGitHttpServer, startRedis, type GitHttpServer, type RedisServer, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun, queueStatus, type QueueRunEvent } from '../src/index.js';
import { digest, duplicates, isolatedSession, query, startWorker, type WorkerProcess } from './helpers.js';

// The fleet pipeline on BullMQ with a real Redis and worker processes: the dataset equals the one
// in-process `mine()` writes for the same fleet, and the run survives what the issue lists.

const NAMES = ['tricky', 'gen-1', 'gen-2', 'gen-3'];
let root: TempDir;
let server: GitHttpServer;
let redis: RedisServer;
let oracle: string;
const urls = (): string[] => NAMES.map((n) => server.url(`${n}.git`));
let prefixes = 0;
const prefix = (): string => `t${String(++prefixes)}`;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  root = await createTempDir('gitfleet-queue-');
  const srv = join(root.path, 'srv');
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: join(srv, 'tricky.git') });
  for (const [i, name] of ['gen-1', 'gen-2', 'gen-3'].entries()) {
    await using gen = await generateLargeRepo({ commits: 120 + 80 * i, files: 30 + 10 * i, seed: 70 + i, mergeEvery: 25, renameEvery: 30 });
    await createBareClone(gen.path, { dir: join(srv, `${name}.git`) });
  }
  await git(join(srv, 'gen-2.git'), ['branch', 'release', 'HEAD~15']);
  await using poison = await generateLargeRepo({ commits: 5, files: 3, seed: 9 });
  await createBareClone(poison.path, { dir: join(srv, 'poison.git') });
  server = await startGitHttpServer({ root: srv });
  redis = await startRedis();
  // The oracle: the same fleet mined in process.
  oracle = join(root.path, 'oracle');
  const summary = await mine(urls(), { out: oracle, session: isolatedSession(), cache: false }).summary;
  expect(summary.published).toBe(NAMES.length);
}, 240_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await Promise.all([server?.close(), redis?.stop()]);
  await root?.cleanup();
});

async function worker(p: string, options: Record<string, unknown> = {}): Promise<WorkerProcess> {
  const w = await startWorker(redis.url, { prefix: p, concurrency: 2, ...options });
  workers.push(w);
  return w;
}

async function collect(iterable: AsyncIterable<QueueRunEvent>): Promise<QueueRunEvent[]> {
  const events: QueueRunEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('a queue run', () => {
  it('on two worker processes writes the dataset in-process mine writes; a second coordinator on the same output is refused', async () => {
    const p = prefix();
    const out = join(root.path, 'two-workers');
    const [a, b] = await Promise.all([worker(p), worker(p)]);
    const run = await enqueueRun(urls(), { out, queue: redis.url, prefix: p, session: isolatedSession() });
    expect(run.repositories).toBe(NAMES.length);
    // Whatever the state of the run, a second coordinator on the same output is refused, clearly.
    const second = enqueueRun(urls(), { out, queue: redis.url, prefix: p, session: isolatedSession() });
    await expect(second).rejects.toMatchObject({ code: 'GITFLEET_QUEUE_RUN_ACTIVE' });
    await expect(second).rejects.toThrow(`${out} is already being mined by run ${run.runId}`);
    const status = await queueStatus({ queue: redis.url, prefix: p });
    expect(status).toMatchObject([{ runId: run.runId, out, total: NAMES.length, workers: 2 }]);
    const watch = run.watch();
    const events = await collect(watch);
    const summary = await watch.summary;
    await run.close();
    expect(summary).toMatchObject({ runId: run.runId, out, repositories: NAMES.length, published: NAMES.length, failed: 0, aborted: false });
    expect(summary.authors).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'published').map((e) => (e as { repository: string }).repository).sort()).toEqual(urls().sort());
    expect(events.at(-1)).toMatchObject({ type: 'finalized', repositories: NAMES.length });
    expect(events.some((e) => e.type === 'progress' && e.stage === 'blame')).toBe(true);
    // Both workers took jobs; the dataset is the in-process one, row for row.
    const took = (w: WorkerProcess) => w.events.filter((e) => e.type === 'finished').length;
    expect(took(a) + took(b)).toBe(NAMES.length);
    expect(await digest(out)).toEqual(await digest(oracle));
    expect(await duplicates(out)).toEqual({ commits: 0, commit_files: 0, ownership: 0, branches: 0, repositories: 0 });
    // Finished: the output is free again; a rerun finds nothing changed.
    const rerun = await enqueueRun(urls(), { out, queue: redis.url, prefix: p, session: isolatedSession() });
    const again = await rerun.watch().summary;
    await rerun.close();
    expect(again).toMatchObject({ unchanged: NAMES.length, published: 0 });
    expect(await queueStatus({ queue: redis.url, prefix: p, out })).toMatchObject([{ runId: rerun.runId, state: 'finished' }, { runId: run.runId, state: 'finished' }]);
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    expect(await a.exit).toEqual({ code: 0, signal: null });
  });
});
