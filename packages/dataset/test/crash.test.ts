import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, openDatasetWriter } from '../src/index.js';
import { freshQuery, tempDir, type Temp } from './helpers.js';

// A real writer process (the built package) is SIGKILLed at chosen steps of a publish, and at
// random times; reopening must show every repository at its old or its new complete state.
const CHILD = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const REPOS = ['acme/r0', 'acme/r1', 'acme/r2'];
const BLAME = 3000;
const commitsOf = (gen: number, r: number) => 40 + gen * 7 + r;
const blameOf = (gen: number, r: number) => BLAME + gen * 11 + r;

interface Plan {
  from?: number;
  to: number;
  finalize?: boolean;
  pauseAt?: { phase: string; repository: string; gen: number; index?: number };
}

interface Run {
  lines: string[];
  /** Resolves when the child printed `line` (or exited). */
  waitFor(line: string | RegExp): Promise<boolean>;
  kill(): Promise<void>;
  exit: Promise<number | null>;
}

function startWriter(dir: string, plan: Plan): Run {
  const child = spawn(process.execPath, [CHILD, dir, JSON.stringify({ repos: REPOS, blameLines: BLAME, ...plan })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (ok: boolean) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.test(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(true);
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.resolve(false);
    resolve(code);
  }));
  return {
    lines,
    exit,
    waitFor: (line) =>
      new Promise((resolve) => {
        const test = (l: string) => (typeof line === 'string' ? l === line : line.test(l));
        if (lines.some(test)) resolve(true);
        else if (child.exitCode !== null) resolve(false);
        else waiters.push({ test, resolve });
      }),
    kill: async () => {
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** Each repository's generation, after checking that all its tables and its state agree on it, with no duplicate. */
async function generations(dir: string): Promise<Record<string, number>> {
  const dataset = await openDataset(dir);
  try {
    const out: Record<string, number> = {};
    for (const [r, repository] of REPOS.entries()) {
      const repo = await dataset.query<{ description: string }>('SELECT description FROM repositories WHERE repository = $1', [repository]);
      if (repo.length === 0) {
        for (const table of ['commits', 'commit_files', 'blame_lines', 'ownership']) {
          expect(await dataset.query(`SELECT count(*) AS n FROM ${table} WHERE repository = $1`, [repository]), `${repository} ${table}`).toEqual([{ n: 0 }]);
        }
        continue;
      }
      expect(repo).toHaveLength(1);
      const gen = Number(repo[0]!.description.slice(1));
      const [c] = await dataset.query('SELECT count(*) AS n, count(DISTINCT sha) AS d, min(message) AS lo, max(message) AS hi FROM commits WHERE repository = $1', [repository]);
      expect(c, repository).toEqual({ n: commitsOf(gen, r), d: commitsOf(gen, r), lo: `g${gen}`, hi: `g${gen}` });
      const [f] = await dataset.query('SELECT count(*) AS n, min(path) AS lo, max(path) AS hi FROM commit_files WHERE repository = $1', [repository]);
      expect(f, repository).toEqual({ n: commitsOf(gen, r), lo: `g${gen}.txt`, hi: `g${gen}.txt` });
      const [b] = await dataset.query('SELECT count(*) AS n, count(DISTINCT line) AS d FROM blame_lines WHERE repository = $1', [repository]);
      expect(b, repository).toEqual({ n: blameOf(gen, r), d: blameOf(gen, r) });
      expect(await dataset.query('SELECT lines FROM ownership WHERE repository = $1', [repository])).toEqual([{ lines: gen }]);
      const state = dataset.repositories().find((s) => s.repository === repository)!;
      expect(state.fingerprint).toEqual({ gen: String(gen) });
      expect(state.rows.commits).toBe(commitsOf(gen, r));
      out[repository] = gen;
    }
    return out;
  } finally {
    await dataset.close();
  }
}

/** What a writer opening after the crash does: roll forward, drop the rest. */
async function reopen(dir: string): Promise<readonly string[]> {
  const writer = await openDatasetWriter(dir);
  const repaired = writer.repaired;
  await writer.close();
  expect(await readdir(`${dir}/_gitfleet/staging`)).toEqual([]);
  expect(await readdir(`${dir}/_gitfleet/journal`)).toEqual([]);
  return repaired;
}

let temp: Temp;
beforeEach(async () => {
  temp = await tempDir();
  const run = startWriter(temp.path, { to: 1 });
  expect(await run.exit).toBe(0);
  expect(await generations(temp.path)).toEqual({ 'acme/r0': 1, 'acme/r1': 1, 'acme/r2': 1 });
});
afterEach(async () => {
  await temp?.cleanup();
});

describe('kill -9 of a writer process, then reopen', () => {
  it('mid-staging (rows half written): the repository keeps its old state, staging is dropped', async () => {
    const run = startWriter(temp.path, { from: 2, to: 2, pauseAt: { phase: 'staging', repository: 'acme/r1', gen: 2 } });
    expect(await run.waitFor('paused')).toBe(true);
    await run.kill();
    expect(run.lines).toContain('published acme/r0 2');
    expect((await readdir(`${temp.path}/_gitfleet/staging`)).length).toBe(1);
    // Nothing was recorded: readers are not blocked, and see the old state.
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 2, 'acme/r1': 1, 'acme/r2': 1 });
    expect(await reopen(temp.path)).toEqual([]);
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 2, 'acme/r1': 1, 'acme/r2': 1 });
  });

  it('after every file is staged but before the journal: the old state', async () => {
    const run = startWriter(temp.path, { from: 2, to: 2, pauseAt: { phase: 'staged', repository: 'acme/r1', gen: 2 } });
    expect(await run.waitFor('paused')).toBe(true);
    await run.kill();
    expect(await reopen(temp.path)).toEqual([]);
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 2, 'acme/r1': 1, 'acme/r2': 1 });
  });

  it('right after the journal is recorded: rolled forward to the new state', async () => {
    const run = startWriter(temp.path, { from: 2, to: 2, pauseAt: { phase: 'journaled', repository: 'acme/r1', gen: 2 } });
    expect(await run.waitFor('paused')).toBe(true);
    await run.kill();
    expect(await reopen(temp.path)).toEqual(['acme/r1']);
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 2, 'acme/r1': 2, 'acme/r2': 1 });
  });

  it('mid-publish (some files renamed): recognised as unfinished, refused, then repaired to the new state', async () => {
    const run = startWriter(temp.path, { from: 2, to: 2, pauseAt: { phase: 'applied', repository: 'acme/r1', gen: 2, index: 3 } });
    expect(await run.waitFor('paused')).toBe(true);
    await run.kill();
    // The raw files really are mixed at this point: commits of generation 2, blame lines of generation 1.
    const raw = await freshQuery(
      `SELECT (SELECT min(message) FROM '${temp.path}/commits/*.parquet' WHERE repository = 'acme/r1') AS commits, (SELECT min(description) FROM '${temp.path}/repositories/*.parquet' WHERE repository = 'acme/r1') AS repo, (SELECT count(*) FROM '${temp.path}/blame_lines/*.parquet' WHERE repository = 'acme/r1') AS blame`,
    );
    expect(raw).toEqual([{ commits: 'g2', repo: 'g2', blame: blameOf(1, 1) }]);
    await expect(openDataset(temp.path)).rejects.toMatchObject({ code: 'GITFLEET_DATASET_UNFINISHED_PUBLISH', data: { repositories: ['acme/r1'] } });
    const repaired = await openDataset(temp.path, { repair: true });
    await repaired.close();
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 2, 'acme/r1': 2, 'acme/r2': 1 });
    expect(await reopen(temp.path)).toEqual([]);
  });

  it('during finalize: the fleet tables are either the old or the new ones, and the next run completes', async () => {
    const run = startWriter(temp.path, { from: 2, to: 2, finalize: true, pauseAt: { phase: 'applied', repository: '_fleet', gen: 2, index: 1 } });
    expect(await run.waitFor('paused')).toBe(true);
    await run.kill();
    expect(await reopen(temp.path)).toEqual(['_fleet']);
    const dataset = await openDataset(temp.path);
    const [unjoined] = await dataset.query('SELECT count(*) FILTER (WHERE author_id IS NULL) AS missing, count(*) AS n FROM commits');
    expect(unjoined).toEqual({ missing: 0, n: REPOS.reduce((sum, _r, i) => sum + commitsOf(2, i), 0) });
    await dataset.close();
  });

  it('at random moments over many publishes: always complete, never duplicated', async () => {
    for (let round = 0; round < 3; round++) {
      const run = startWriter(temp.path, { from: 2, to: 6 });
      expect(await run.waitFor(/^published /)).toBe(true);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 600));
      await run.kill();
      await reopen(temp.path);
      const gens = await generations(temp.path);
      expect(Object.keys(gens)).toEqual(REPOS);
    }
    const run = startWriter(temp.path, { from: 6, to: 6 });
    expect(await run.exit).toBe(0);
    expect(await generations(temp.path)).toEqual({ 'acme/r0': 6, 'acme/r1': 6, 'acme/r2': 6 });
  });
});
