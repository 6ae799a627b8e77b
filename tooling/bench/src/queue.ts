/**
 * Queue benchmark (`node dist/queue.js`, part of `pnpm bench`): the 40-repository fleet of the mine
 * benchmark (built by `node dist/mine.js build`, served with the same latency and bandwidth cap),
 * mined side by side in one run by in-process `mine()` and by `@gitfleet/queue` with 2 worker
 * processes on this machine and a real Redis (`redis-server`, append-only file fsynced on every
 * write). Also: the per-job overhead (both sides strictly sequential, every repository unchanged,
 * so the difference per job is the queue's own cost), Redis memory, throughput per worker.
 * Writes BENCHMARKS-queue.md (BENCH_QUICK=1: 8 repositories, under .bench-work/quick).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mine } from '@gitfleet/mine';
import { enqueueRun, startQueueWorker, type QueueWorkerEvent } from '@gitfleet/queue';
import { createSession } from '@gitfleet/session';
import { startGitHttpServer, startRedis } from '@gitfleet/test-kit';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const QUICK = process.env['BENCH_QUICK'] === '1';
const LATENCY_MS = 20;
const BYTES_PER_SECOND = 4 * 1024 * 1024;
const CLONE_JOBS = 4;
const WORKERS = 2;
const CORES = availableParallelism();
const session = () => createSession({ cache: false, env: { HOME: process.env['HOME'] ?? '' } });

interface Timed {
  wallMs: number;
  published: number;
  unchanged: number;
  failed: number;
}

/** Child: in-process mine of the URLs, one JSON line. */
async function inProcessChild(urls: string[], out: string, sequential: boolean): Promise<void> {
  const start = performance.now();
  const summary = await mine(urls, { out, cloneJobs: sequential ? 1 : CLONE_JOBS, ...(sequential ? { jobs: 1 } : {}), session: session() }).summary;
  const result: Timed = { wallMs: performance.now() - start, published: summary.published, unchanged: summary.unchanged, failed: summary.failed };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Child: a coordinator, enqueue then follow to the end, one JSON line. */
async function coordinatorChild(url: string, prefix: string, urls: string[], out: string): Promise<void> {
  const start = performance.now();
  const run = await enqueueRun(urls, { out, queue: url, prefix, session: session() });
  const enqueuedMs = performance.now() - start;
  const summary = await run.watch().summary;
  await run.close();
  const result = { wallMs: performance.now() - start, enqueuedMs, finalizeMs: summary.finalizeMs, published: summary.published, unchanged: summary.unchanged, failed: summary.failed };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Child: a worker until SIGTERM; its events as JSON lines. */
async function workerChild(url: string, prefix: string, concurrency: number): Promise<void> {
  const say = (event: QueueWorkerEvent | { type: 'ready' }): void => void process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`);
  const worker = startQueueWorker({ queue: url, prefix, concurrency, cloneJobs: CLONE_JOBS, session: session(), onEvent: say });
  process.once('SIGTERM', () =>
    void worker.close().then(async () => {
      // CPU of this process and of its children once they exited (the git helper, and its git processes).
      const fields = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      process.stdout.write(`${JSON.stringify({ type: 'closed', cpuS: ticks / 100, rssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
      process.exit(0);
    }),
  );
  await worker.ready;
  say({ type: 'ready' });
}

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-100_000)));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function lastJson<T>(args: string[]): Promise<T> {
  const exit = await runNode(args);
  const line = exit.stdout.trim().split('\n').pop() ?? '';
  if (exit.code !== 0 || !line.startsWith('{')) throw new Error(`${args[0]!} failed (${String(exit.code)}): ${exit.stderr.slice(-2000)}`);
  return JSON.parse(line) as T;
}

interface WorkerProc {
  child: ChildProcess;
  events: (QueueWorkerEvent & { at: number })[];
  /** CPU seconds (user + sys, its git processes included) and peak RSS (MB) of the worker, once it stopped. */
  stats: Promise<{ cpuS: number; rssMB: number } | undefined>;
}

async function startWorkerProc(url: string, prefix: string, concurrency: number): Promise<WorkerProc> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'worker', url, prefix, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: WorkerProc['events'] = [];
  let ready: () => void = () => undefined;
  let closed: (stats: { cpuS: number; rssMB: number }) => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const stats = new Promise<{ cpuS: number; rssMB: number } | undefined>((resolve) => {
    closed = resolve;
    child.once('close', () => resolve(undefined));
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as WorkerProc['events'][number] | { type: 'ready' } | { type: 'closed'; cpuS: number; rssMB: number };
    if (event.type === 'ready') ready();
    else if (event.type === 'closed') closed(event as { cpuS: number; rssMB: number });
    else events.push(event as WorkerProc['events'][number]);
  });
  await isReady;
  return { child, events, stats };
}

async function stopWorkers(workers: WorkerProc[]): Promise<{ cpuS: number; rssMB: number }[]> {
  for (const w of workers) w.child.kill('SIGTERM');
  return (await Promise.all(workers.map((w) => w.stats))).map((s) => s ?? { cpuS: Number.NaN, rssMB: Number.NaN });
}

/** `INFO memory` of the Redis, by redis-cli. */
async function redisMemory(port: number): Promise<{ used: number; peak: number }> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), 'info', 'memory'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
    child.once('error', reject);
    child.once('close', () => resolve(text));
  });
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(out)?.[1] ?? Number.NaN);
  return { used: field('used_memory'), peak: field('used_memory_peak') };
}

async function main(): Promise<void> {
  const work = join(root, '.bench-work', QUICK ? 'mine-quick' : 'mine');
  const srv = join(work, 'srv');
  // The mine benchmark's fleet (built once, shared with it).
  const build = spawn(process.execPath, [fileURLToPath(new URL('./mine.js', import.meta.url)), 'build'], { stdio: 'inherit', env: process.env });
  await new Promise((resolve) => build.once('close', resolve));
  const specs = JSON.parse(await readFile(join(srv, 'manifest.json'), 'utf8')) as { name: string; commits: number }[];
  const REPOS = specs.length;
  await using server = await startGitHttpServer({ root: srv });
  for (const s of specs) server.configure(`${s.name}.git`, { latencyMs: LATENCY_MS, bytesPerSecond: BYTES_PER_SECOND });
  const urls = specs.map((s) => server.url(`${s.name}.git`));
  // As the README recommends for a deployment: every write in the append-only file, fsynced once a second.
  await using redis = await startRedis({ appendfsync: 'everysec' });
  const repeat = QUICK ? 1 : Number(process.env['BENCH_REPEAT'] ?? 1);
  const bench = join(root, '.bench-work', QUICK ? 'queue-quick' : 'queue');

  const inproc: Timed[] = [];
  const queued: (Timed & { enqueuedMs: number; finalizeMs: number })[] = [];
  const workerStats: { cpuS: number; rssMB: number }[][] = [];
  const perWorker: number[][] = [];
  let memory = { used: 0, peak: 0 };
  let lastQueueOut = '';
  let lastLocalOut = '';
  for (let r = 0; r < repeat; r++) {
    for (const which of r % 2 === 0 ? ['queue', 'local'] : ['local', 'queue']) {
      const out = join(bench, `${which}-${String(r)}`, 'data');
      await rm(join(out, '..'), { recursive: true, force: true });
      if (which === 'local') {
        inproc.push(await lastJson<Timed>(['local', JSON.stringify(urls), out, '0']));
        lastLocalOut = out;
        process.stderr.write(`queue bench: in-process mine ${String(round(inproc.at(-1)!.wallMs / 1000, 1))} s\n`);
        continue;
      }
      const prefix = `bench${String(r)}`;
      const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProc(redis.url, prefix, 2)));
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const m = await redisMemory(redis.port);
          memory = { used: Math.max(memory.used, m.used), peak: Math.max(memory.peak, m.peak) };
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      })();
      queued.push(await lastJson(['coordinator', redis.url, prefix, JSON.stringify(urls), out]));
      sampling = false;
      await sampler;
      perWorker.push(workers.map((w) => w.events.filter((e) => e.type === 'finished').length));
      workerStats.push(await stopWorkers(workers));
      lastQueueOut = out;
      process.stderr.write(`queue bench: queue with ${String(WORKERS)} workers ${String(round(queued.at(-1)!.wallMs / 1000, 1))} s\n`);
    }
  }
  if (queued.some((q) => q.published !== REPOS) || inproc.some((p) => p.published !== REPOS)) throw new Error(`not every repository was published: ${JSON.stringify({ queued, inproc })}`);

  // Per-job overhead: both sides one repository at a time, every repository unchanged (a fetch and
  // a fingerprint each): the difference per job is what the queue adds (enqueue, pick-up, lock,
  // completion, events, the run's job).
  // Three pairs, alternating; the median difference.
  const oneWorker = await startWorkerProc(redis.url, 'seq', 1);
  const pairs: { local: Timed; queue: Timed }[] = [];
  for (let i = 0; i < 3; i++) {
    const local = (): Promise<Timed> => lastJson<Timed>(['local', JSON.stringify(urls), lastLocalOut, '1']);
    const queue = (): Promise<Timed> => lastJson<Timed>(['coordinator', redis.url, 'seq', JSON.stringify(urls), lastQueueOut]);
    pairs.push(i % 2 === 0 ? { local: await local(), queue: await queue() } : { queue: await queue(), local: await local() });
  }
  await stopWorkers([oneWorker]);
  if (pairs.some((p) => p.local.unchanged !== REPOS || p.queue.unchanged !== REPOS)) throw new Error(`sequential reruns: ${JSON.stringify(pairs)}`);
  const overheadMs = median(pairs.map((p) => (p.queue.wallMs - p.local.wallMs) / REPOS));
  const seqLocal = { wallMs: median(pairs.map((p) => p.local.wallMs)) };
  const seqQueue = { wallMs: median(pairs.map((p) => p.queue.wallMs)) };
  await rm(bench, { recursive: true, force: true });

  const qWall = median(queued.map((q) => q.wallMs));
  const pWall = median(inproc.map((p) => p.wallMs));
  const cpu = median(workerStats.map((ws) => ws.reduce((a, w) => a + w.cpuS, 0)));
  const jobsPerWorker = perWorker.at(-1)!;
  const perWorkerRate = (REPOS / WORKERS / (qWall / 60_000));
  const mb = (bytes: number): string => `${String(round(bytes / 2 ** 20, 1))} MB`;
  const rows: ReportRow[] = [
    [`wall, ${String(REPOS)} repositories: queue with ${String(WORKERS)} worker processes vs in-process mine`, `${String(round(qWall / 1000, 1))} s`, `${String(round(pWall / 1000, 1))} s`, round(qWall / pWall, 2), '<= 1.15x'],
    ['per-job overhead (both sequential, every repository unchanged: (queue - in-process) / jobs, median of 3 pairs)', `${String(round(overheadMs, 1))} ms`, '', '', '<= 50 ms'],
    [`sequential unchanged rerun of ${String(REPOS)} repositories (1 worker, concurrency 1 / jobs 1)`, `${String(round(seqQueue.wallMs / 1000, 2))} s`, `${String(round(seqLocal.wallMs / 1000, 2))} s`, round(seqQueue.wallMs / seqLocal.wallMs, 2), 'context'],
    [`enqueue (listing + one flow of ${String(REPOS)} children) / finalize (a worker)`, `${String(round(median(queued.map((q) => q.enqueuedMs)), 0))} ms / ${String(round(median(queued.map((q) => q.finalizeMs)), 0))} ms`, '', '', 'context'],
    ['Redis memory during the run: used_memory max / peak', `${mb(memory.used)} / ${mb(memory.peak)}`, '', '', 'reported'],
    ['repositories per worker (this run)', jobsPerWorker.join(' + '), '', '', 'context'],
    ['CPU time of the 2 workers (user + sys, their git processes included)', `${String(round(cpu, 0))} s`, '', '', 'context'],
    ['peak RSS of a worker process (Node, DuckDB included)', `${String(round(Math.max(...workerStats.flat().map((w) => w.rssMB)), 0))} MB`, '', '', 'context'],
    ['throughput per worker on this fleet (repositories per minute)', String(round(perWorkerRate, 1)), '', '', 'context'],
    ['load average (1 min) at the end', String(round(loadavg()[0]!, 1)), '', '', 'context'],
  ];
  await writeSideBySideReport('queue', 'Queue benchmark: fleet mining on BullMQ and Redis', [
    'Generated by `pnpm bench` (`tooling/bench/src/queue.ts`). The fleet of the mine benchmark (BENCHMARKS-mine.md: ' + String(REPOS) + ' repositories,',
    `${String(specs.reduce((n, s) => n + s.commits, 0))} commits) served by the test kit's smart-HTTP server on 127.0.0.1 with ${String(LATENCY_MS)} ms latency and ${String(BYTES_PER_SECOND / 2 ** 20)} MB/s per response.`,
    '',
    `Ours: \`enqueueRun(urls, { out, queue })\` of @gitfleet/queue in a fresh coordinator process, mined by ${String(WORKERS)} worker processes`,
    `(\`startQueueWorker({ concurrency: 2, cloneJobs: ${String(CLONE_JOBS)} })\`, started and idle beforehand, as in a deployment) on this machine, with a real`,
    'Redis 7 (`redis-server` from Debian, `appendonly yes`, `appendfsync everysec`, as the README recommends). Wall: from the',
    'coordinator\'s start to the finalized dataset. Baseline: in-process `mine(urls, { out, cloneJobs: ' + String(CLONE_JOBS) + ' })` in a fresh Node',
    `process (${String(CORES)} repositories extracted at once). Runs alternate; medians of ${String(repeat)}.`,
    '',
    '**Scaling.** A worker is bound by CPU: `git log --numstat` and `git blame` of its repositories (and DuckDB converting',
    'staged rows to Parquet); the queue adds a few Redis round trips per job. Throughput per worker is about the row above',
    'per core it gets: give each worker one or two cores and `--concurrency` 2 (one repository cloning while another',
    'extracts), and add workers until the shared volume or the git server is the limit. Redis holds a few KB per job',
    '(repository jobs are removed when they complete; the run keeps their results until it is finalized).',
  ], rows);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'local') await inProcessChild(JSON.parse(rest[0]!) as string[], rest[1]!, rest[2] === '1');
else if (mode === 'coordinator') await coordinatorChild(rest[0]!, rest[1]!, JSON.parse(rest[2]!) as string[], rest[3]!);
else if (mode === 'worker') await workerChild(rest[0]!, rest[1]!, Number(rest[2]));
else await main();
