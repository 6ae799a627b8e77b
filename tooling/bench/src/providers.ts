/**
 * Provider-client benchmark (`node dist/providers.js`, part of `pnpm bench`): listing 10,000
 * repositories (100 pages) from the test kit's fake GitHub API on loopback, side by side in one run.
 *
 * - 20 ms per response: concurrent pages (the last page is known from the first response's Link
 *   header) against the same client fetching one page after another.
 * - 0 ms per response: the client's own cost per request, against plain undici requests for the
 *   same pages (same headers, JSON parsed) — the difference divided by the request count.
 *
 * Writes BENCHMARKS-providers.md (a quick run writes under .bench-work/quick instead).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGitHubClient } from '@gitfleet/providers';
import { request } from 'undici';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const REPOS = 10_000;
const PAGES = 100;
const LATENCY_MS = 20;
const PAGE_WINDOW = Number(process.env["BENCH_PAGE_WINDOW"] ?? 10);
const TOKEN = 'bench-provider-token';

async function listAll(baseUrl: string, pageWindow: number): Promise<{ ms: number; requests: number }> {
  let requests = 0;
  const client = createGitHubClient({ token: TOKEN, baseUrl, cache: false, pageWindow, concurrency: PAGE_WINDOW, onRequest: () => requests++ });
  const start = performance.now();
  let n = 0;
  for await (const _repo of client.listRepositories('bench')) n++;
  const ms = performance.now() - start;
  if (n !== REPOS) throw new Error(`listed ${String(n)} repositories, expected ${String(REPOS)}`);
  return { ms, requests };
}

/** The floor: plain undici GETs of the same pages, one after another, bodies parsed as JSON. */
async function rawPages(baseUrl: string): Promise<number> {
  const start = performance.now();
  let n = 0;
  for (let page = 1; page <= PAGES; page++) {
    const res = await request(`${baseUrl}/orgs/bench/repos?per_page=100&page=${String(page)}`, {
      headers: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json', 'user-agent': 'gitfleet-bench' },
    });
    n += ((await res.body.json()) as unknown[]).length;
  }
  const ms = performance.now() - start;
  if (n !== REPOS) throw new Error(`raw listing got ${String(n)} repositories`);
  return ms;
}

/** The fake forge in its own process (dist/forge-host.js), driven over stdin. */
async function startForgeHost(): Promise<{ githubUrl: string; setLatency: (ms: number) => Promise<void>; [Symbol.asyncDispose]: () => Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./forge-host.js', import.meta.url)), String(REPOS), TOKEN], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error('the forge host exited');
    return line.value;
  };
  const githubUrl = await next();
  return {
    githubUrl,
    setLatency: async (ms) => {
      child.stdin.write(`latency ${String(ms)}\n`);
      await next();
    },
    [Symbol.asyncDispose]: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('close', resolve));
    },
  };
}

const DETAIL_REQUESTS = 300;
const detailName = (i: number): string => `repo-${String((i * 37) % REPOS).padStart(5, '0')}`;

/** Per-request cost: 300 single-repository requests through the client, one after another. */
async function oursDetails(baseUrl: string): Promise<number> {
  const client = createGitHubClient({ token: TOKEN, baseUrl, cache: false });
  const start = performance.now();
  for (let i = 0; i < DETAIL_REQUESTS; i++) await client.getRepository(`bench/${detailName(i)}`);
  return performance.now() - start;
}

/** The same 300 GETs with plain undici, JSON parsed. */
async function rawDetails(baseUrl: string): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < DETAIL_REQUESTS; i++) {
    const res = await request(`${baseUrl}/repos/bench/${detailName(i)}`, {
      headers: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json', 'user-agent': 'gitfleet-bench' },
    });
    if (res.statusCode !== 200) throw new Error(`raw GET answered ${String(res.statusCode)}`);
    JSON.parse(await res.body.text());
  }
  return performance.now() - start;
}

async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const repeat = quick ? 1 : Number(process.env['BENCH_REPEAT'] ?? 5);
  await using server = await startForgeHost();
  const base = server.githubUrl;
  // Warm-up: JIT, connections, the server's payload caches.
  await server.setLatency(0);
  await listAll(base, PAGE_WINDOW);
  await rawPages(base);
  await oursDetails(base);
  await rawDetails(base);

  const concurrent: number[] = [];
  const sequential: number[] = [];
  const ours: number[] = [];
  const raw: number[] = [];
  const detailOurs: number[] = [];
  const detailRaw: number[] = [];
  let requests = 0;
  for (let r = 0; r < repeat; r++) {
    await server.setLatency(LATENCY_MS);
    const pair = r % 2 === 0 ? (['c', 's'] as const) : (['s', 'c'] as const);
    for (const which of pair) {
      const run = await listAll(base, which === 'c' ? PAGE_WINDOW : 1);
      (which === 'c' ? concurrent : sequential).push(run.ms);
      requests = run.requests;
    }
    await server.setLatency(0);
    for (const which of r % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) {
      if (which === 'ours') ours.push((await listAll(base, 1)).ms);
      else raw.push(await rawPages(base));
    }
    // Single requests, interleaved in small batches so load changes hit both sides alike.
    for (let k = 0; k < 3; k++) {
      detailOurs.push(await oursDetails(base));
      detailRaw.push(await rawDetails(base));
    }
    process.stderr.write(`providers bench: run ${String(r + 1)} of ${String(repeat)} done\n`);
  }
  const c = median(concurrent);
  const s = median(sequential);
  const overheadMs = (median(detailOurs) - median(detailRaw)) / DETAIL_REQUESTS;
  const listOverheadMs = (median(ours) - median(raw)) / PAGES;
  const rows: ReportRow[] = [
    [`list ${String(REPOS)} repositories (${String(PAGES)} pages), ${String(LATENCY_MS)} ms per response`, `${round(c, 0)} ms`, `${round(s, 0)} ms`, round(c / s, 3), '<= 0.2x'],
    ['requests per listing', String(requests), '', '', `${String(PAGES)}`],
    [
      `client overhead per request: ${String(DETAIL_REQUESTS)} single-repository GETs, 0 ms server`,
      `${round(overheadMs, 3)} ms`,
      `${round(median(detailRaw) / DETAIL_REQUESTS, 3)} ms per plain undici GET`,
      round(median(detailOurs) / median(detailRaw), 2),
      '<= 0.5 ms',
    ],
    [
      'per page of 100 repositories (normalizing 100 models), 0 ms server',
      `${round(listOverheadMs, 3)} ms more`,
      `${round(median(raw) / PAGES, 3)} ms per plain undici page`,
      round(median(ours) / median(raw), 2),
      'context',
    ],
  ];
  await writeSideBySideReport('providers', 'Provider client benchmark', [
    'Generated by `pnpm bench` (`tooling/bench/src/providers.ts`). The test kit\'s fake GitHub API, in a',
    'process of its own (`forge-host.ts`: the server\'s work does not share the client\'s event loop), on',
    `127.0.0.1 serves an org of ${String(REPOS)} repositories (GitHub-shaped payloads, Link pagination,`,
    `rate-limit headers). Ours: \`createGitHubClient().listRepositories()\` with \`pageWindow: ${String(PAGE_WINDOW)}\``,
    '(pages 2..100 fetched concurrently once the first response names the last page) against the same',
    'client with `pageWindow: 1` (one page after another). Overhead: 300 `getRepository()` calls at 0 ms',
    'latency against plain undici GETs of the same URLs with JSON.parse, the difference per request; the',
    'same for the 100 listing pages, where the client also builds 100 normalized models per page.',
    `Runs alternate; medians of ${String(repeat)} repetitions.`,
  ], rows);
}

await main();
