/**
 * Dataset benchmark (`node dist/fleet-dataset.js`, part of `pnpm bench`): a synthetic fleet of 40
 * repositories of mixed sizes, 50,000 commits in all, written through @gitfleet/dataset's writer
 * (commits, per-file changes, ownership), finalized, then the named queries timed over it.
 * Reports write throughput, event-loop lag while writing, peak RSS, and the query latencies
 * (target: top-authors <= 200 ms). Writes BENCHMARKS-dataset.md (a quick run: .bench-work/quick).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDataset, openDatasetWriter, type RowInput } from '@gitfleet/dataset';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const REPOS = 40;
const COMMITS = Number(process.env['BENCH_DATASET_COMMITS'] ?? 50_000);
const PEOPLE = 300;
const BLAME_LINES = Number(process.env['BENCH_DATASET_BLAME_LINES'] ?? 1_000_000);
const NOW = 1_700_000_000;

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const person = (i: number) =>
  i % 50 === 0 ? { name: `bot-${i}[bot]`, email: `${i}+bot-${i}[bot]@users.noreply.github.com` } : { name: `Person ${i}`, email: `person${i}@example.org` };

/** Repository sizes: a few large, many small (weights 1..40 squared), summing to COMMITS. */
function sizes(): number[] {
  const weights = Array.from({ length: REPOS }, (_, i) => (i + 1) ** 2);
  const total = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.max(1, Math.floor((w / total) * COMMITS)));
  out[REPOS - 1]! += COMMITS - out.reduce((a, b) => a + b, 0);
  return out;
}

async function* commits(repo: number, n: number, rnd: () => number): AsyncGenerator<RowInput<'commits'>> {
  for (let i = 0; i < n; i++) {
    const who = person(Math.floor(rnd() ** 2 * PEOPLE));
    const time = NOW - Math.floor(rnd() * 3 * 365 * 86_400);
    yield {
      sha: `${repo.toString(16).padStart(4, '0')}${i.toString(16).padStart(36, '0')}`,
      parents: i ? [`${repo.toString(16).padStart(4, '0')}${(i - 1).toString(16).padStart(36, '0')}`] : [],
      author_name: who.name,
      author_email: who.email,
      author_time: time,
      author_tz_offset: 60,
      committer_name: who.name,
      committer_email: who.email,
      committer_time: time,
      committer_tz_offset: 60,
      message: `change ${i} of repository ${repo}\n\nA body line that makes the message a realistic size.`,
      additions: Math.floor(rnd() * 50),
      deletions: Math.floor(rnd() * 20),
      files_changed: 2,
    };
  }
}

async function* files(repo: number, n: number, rnd: () => number): AsyncGenerator<RowInput<'commit_files'>> {
  for (let i = 0; i < n; i++) {
    const sha = `${repo.toString(16).padStart(4, '0')}${i.toString(16).padStart(36, '0')}`;
    for (let k = 0; k < 2; k++) yield { sha, path: `src/module${Math.floor(rnd() * 200)}.ts`, status: 'M', additions: Math.floor(rnd() * 25), deletions: Math.floor(rnd() * 10) };
  }
}

async function* blameLines(n: number): AsyncGenerator<RowInput<'blame_lines'>> {
  for (let line = 1; line <= n; line++) {
    const who = person(line % PEOPLE);
    yield { path: `src/dir${line % 300}/file${line % 5000}.ts`, line, sha: (line % 9973).toString(16).padStart(40, '0'), author_name: who.name, author_email: who.email, author_time: NOW - line, author_tz_offset: 60 };
  }
}

function ownership(rnd: () => number): RowInput<'ownership'>[] {
  const rows: RowInput<'ownership'>[] = [];
  for (let f = 0; f < 200; f++) {
    for (let k = 0; k < 3; k++) {
      const who = person(Math.floor(rnd() ** 2 * PEOPLE));
      rows.push({ path: `src/module${f}.ts/${k}`, author_name: who.name, author_email: who.email, lines: 1 + Math.floor(rnd() * 300) });
    }
  }
  return rows;
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const runs = quick ? 5 : 30;
  const dir = await mkdtemp(join(tmpdir(), 'gitfleet-bench-dataset-'));
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const writeStart = performance.now();
    const writer = await openDatasetWriter(dir);
    for (const [repo, n] of sizes().entries()) {
      const rnd = random(repo + 1);
      await writer.writeRepository(`bench/repo-${repo}`, {
        repositories: [{ provider: 'github', default_branch: 'main' }],
        commits: commits(repo, n, random(repo + 1)),
        commit_files: files(repo, n, random(repo + 1000)),
        ownership: ownership(rnd),
      });
    }
    const writeMs = performance.now() - writeStart;
    const blameStart = performance.now();
    await writer.writeRepository('bench/blame-heavy', { blame_lines: blameLines(BLAME_LINES) });
    const blameMs = performance.now() - blameStart;
    const finalizeStart = performance.now();
    const summary = await writer.finalize();
    const finalizeMs = performance.now() - finalizeStart;
    await writer.close();
    lag.disable();
    process.stderr.write(`dataset bench: wrote ${String(COMMITS)} commits in ${round(writeMs / 1000, 1)} s, finalized in ${round(finalizeMs, 0)} ms\n`);

    const coldStart = performance.now();
    const cold = await openDataset(dir);
    await cold.named('top-authors');
    const coldMs = performance.now() - coldStart;
    await cold.close();

    const dataset = await openDataset(dir);
    const [count] = await dataset.query<{ n: number }>('SELECT count(*) AS n FROM commits');
    if (count?.n !== COMMITS) throw new Error(`dataset has ${String(count?.n)} commits, expected ${String(COMMITS)}`);
    const queries: Record<string, number[]> = {};
    for (const name of ['top-authors', 'active-repositories', 'bus-factor', 'hotspots']) {
      await dataset.named(name);
      queries[name] = await timed(runs, () => dataset.named(name));
    }
    const byLines = await timed(runs, () => dataset.named('top-authors', { by: 'lines' }));
    await dataset.close();

    const p99 = lag.percentile(99) / 1e6;
    const rows: ReportRow[] = [
      [`top-authors over ${String(COMMITS)} commits, ${String(REPOS)} repositories (median of ${String(runs)})`, `${round(median(queries['top-authors']!), 1)} ms`, '', '', '<= 200 ms'],
      ['top-authors by surviving lines', `${round(median(byLines), 1)} ms`, '', '', 'context'],
      ['top-authors in a fresh process: open the dataset, then the query', `${round(coldMs, 0)} ms`, '', '', 'context'],
      ...(['active-repositories', 'bus-factor', 'hotspots'] as const).map((name): ReportRow => [name, `${round(median(queries[name]!), 1)} ms`, '', '', 'context']),
      [`write ${String(REPOS)} repositories (commits, 2 file changes per commit, 600 ownership rows each)`, `${round(writeMs / 1000, 1)} s`, '', '', 'context'],
      [`one repository with ${String(BLAME_LINES)} blame lines (async generator -> Parquet)`, `${round(blameMs / 1000, 1)} s`, '', '', 'context'],
      [`finalize: merge ${String(summary.identities)} identities into ${String(summary.authors)} authors, write fleet.duckdb`, `${round(finalizeMs, 0)} ms`, '', '', 'context'],
      ['event-loop delay p99 while writing', `${round(p99, 1)} ms`, '', '', '<= 50 ms'],
      ['peak RSS (writer and queries)', `${round(peakRss / 2 ** 20, 0)} MB`, '', '', '<= 400 MB'],
    ];
    await writeSideBySideReport('dataset', 'Dataset benchmark', [
      'Generated by `pnpm bench` (`tooling/bench/src/fleet-dataset.ts`). A synthetic fleet of 40 repositories',
      `(sizes growing quadratically, ${String(COMMITS)} commits in all, ${String(PEOPLE)} people of whom every fiftieth is a bot) is`,
      'written through `openDatasetWriter().writeRepository()` from async generators, plus one repository',
      `with ${String(BLAME_LINES)} blame lines, finalized (authors`,
      'merged, `fleet.duckdb`), then each named query is timed on an open dataset after one warm-up run.',
      'There is no baseline: the target is absolute.',
    ], rows);
  } finally {
    clearInterval(rssTimer);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
