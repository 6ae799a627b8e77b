// Sharded history equals one `git log` process, commit for commit and field for field, and both
// equal the git CLI: forced tiny shards on small repositories put shard edges everywhere
// (between a merge and its parents, inside renames, at since/until/max-count cut-offs).
import { createTempDir, createTrickyRepo, generateLargeRepo, git, gitText, type LargeRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, type Commit, type HistoryOptions, type Repository } from '../src/index.js';
import { historyTokens, shardPlan } from '../src/engines/cli/sharded-history.js';
import { oracleLog, oracleTotals } from './oracle.js';
import { collect } from './util.js';

let tricky: TrickyRepo;
let large: LargeRepo;
let trickyRepo: Repository;
let largeRepo: Repository;

beforeAll(async () => {
  [tricky, large] = await Promise.all([
    createTrickyRepo(),
    generateLargeRepo({ commits: 1200, files: 120, mergeEvery: 40, renameEvery: 60, binaryEvery: 150, seed: 3 }),
  ]);
  await git(large.path, ['branch', 'side', 'main~300']);
  trickyRepo = await openRepository(tricky.path, { engine: 'git', cache: false });
  largeRepo = await openRepository(large.path, { engine: 'git', cache: false });
}, 120_000);

afterAll(async () => {
  await trickyRepo?.close();
  await largeRepo?.close();
  await Promise.all([tricky?.cleanup(), large?.cleanup()]);
});

const SHARDINGS = [
  { size: 1, concurrency: 2 },
  { size: 3, concurrency: 3 },
  { size: 7, concurrency: 2 },
];

/** Every option that changes which commits come or what they hold. */
function trickyQueries(t: TrickyRepo): [string, HistoryOptions][] {
  const rename = t.facts.renames[0]!;
  return [
    ['HEAD with files', { files: true }],
    ['all refs, mailmap', { all: true, files: true, mailmap: true }],
    ['since/until', { since: 1_700_030_000, until: 1_700_090_000, files: true }],
    ['max-count', { maxCount: 9, files: true }],
    ['max-count 0', { maxCount: 0 }],
    ['a renamed path', { paths: [rename.to], files: true }],
    ['paths through merges', { paths: ['src/big.txt', 'docs'], files: true }],
    ['author', { author: 'Alice', files: true }],
    ['a range', { rev: `${t.facts.shas.tagged}..HEAD`, files: true }],
    ['maxFileSize', { maxFileSize: 100, files: true }],
  ];
}

describe('sharded history', () => {
  it('auto mode: one process below the threshold or on one core, shards above', () => {
    expect(shardPlan(undefined, 1)).toBeUndefined();
    expect(shardPlan(false, 8)).toBeUndefined();
    expect(shardPlan(undefined, 2)).toEqual({ size: 2000, concurrency: 2, minCommits: 3000 });
    expect(shardPlan(true, 1)).toEqual({ size: 2000, concurrency: 1, minCommits: 0 });
    expect(shardPlan({ size: 5 }, 4)).toEqual({ size: 5, concurrency: 4, minCommits: 0 });
    expect(() => shardPlan({ size: 0 }, 2)).toThrow(/shard.size must be a positive integer/);
  });

  it('tricky repository: every query, sharded at several sizes, equals one process and git log', async () => {
    for (const [name, options] of trickyQueries(tricky)) {
      const single = await collect(trickyRepo.history({ ...options, shard: false }));
      const revArgs = options.all ? ['--all'] : [options.rev === undefined ? 'HEAD' : String(options.rev)];
      if (name === 'HEAD with files' || name === 'all refs, mailmap') {
        const oracle = await oracleLog(tricky.path, revArgs);
        expect(single.map((c) => [c.sha, c.parents]), name).toEqual(oracle.map((c) => [c.sha, c.parents]));
        const totals = await oracleTotals(tricky.path, revArgs);
        expect(single.map((c) => [c.additions, c.deletions, c.filesChanged]), name).toEqual(
          single.map((c) => [totals.get(c.sha)!.additions, totals.get(c.sha)!.deletions, totals.get(c.sha)!.files]),
        );
      }
      for (const shard of SHARDINGS) {
        const sharded = await collect(trickyRepo.history({ ...options, shard }));
        expect(sharded, `${name}, shards of ${shard.size}`).toEqual(single);
      }
    }
  });

  it('tricky repository: the joined shard output is the single process output token for token', async () => {
    const location = { root: tricky.path, gitDir: `${tricky.path}/.git`, bare: false, name: 'tricky' };
    const query = { revs: ['HEAD'], all: true, files: true, mailmap: true, repoName: 'tricky' };
    const tokens = async (shard: boolean | { size: number }): Promise<string[]> => {
      const out: string[] = [];
      for await (const batch of historyTokens(location, { ...query, shard }, [])) {
        for (const t of batch) if (t.length > 0) out.push(t.toString('latin1'));
      }
      return out;
    };
    const single = await tokens(false);
    expect(single.length).toBeGreaterThan(500);
    expect(await tokens({ size: 2 })).toEqual(single);
  });

  it('generated repository: merges, renames and binaries across shard edges equal one process and git log', async () => {
    const oracle = await oracleLog(large.path, ['--all']);
    const single = await collect(largeRepo.history({ all: true, files: true, shard: false }));
    expect(single.map((c) => c.sha)).toEqual(oracle.map((c) => c.sha));
    expect(single.filter((c) => c.isMerge).length).toBeGreaterThan(20);
    expect(single.filter((c) => c.files?.some((f) => f.status === 'renamed')).length).toBeGreaterThan(10);
    for (const shard of [{ size: 50, concurrency: 2 }, { size: 333, concurrency: 4 }]) {
      expect(await collect(largeRepo.history({ all: true, files: true, shard }))).toEqual(single);
    }
    // A path followed through merges and a range that starts mid-history.
    const path = single.find((c) => c.files?.some((f) => f.status === 'renamed'))!.files!.find((f) => f.status === 'renamed')!.path;
    for (const options of [
      { paths: [path, 'src/mod01'], files: true },
      { rev: ['main', '^side'], files: true, mailmap: true },
      { since: oracle[700]!.committerTime, until: oracle[100]!.committerTime, files: true },
      { maxCount: 777, files: true },
    ] satisfies HistoryOptions[]) {
      const one = await collect(largeRepo.history({ ...options, shard: false }));
      expect(one.length).toBeGreaterThan(0);
      expect(await collect(largeRepo.history({ ...options, shard: { size: 40, concurrency: 3 } })), JSON.stringify(options)).toEqual(one);
    }
  });

  it('auto mode: one git log below 3000 commits, shards above, the same commits either way', async () => {
    // A git on PATH that records its argv, then runs the real one.
    const shim = await createTempDir('gitfleet-git-shim-');
    const real = (await gitText(tricky.path, ['--exec-path'])).trim();
    const logFile = join(shim.path, 'calls.log');
    await writeFile(join(shim.path, 'git'), `#!/bin/sh\necho "$*" >> '${logFile}'\nexec '${real}/git' "$@"\n`, { mode: 0o755 });
    const big = await generateLargeRepo({ commits: 3100, files: 20, seed: 5 });
    const path = process.env['PATH'];
    process.env['PATH'] = `${shim.path}:${path ?? ''}`;
    try {
      const calls = async (): Promise<string[]> => (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((l) => / log /.test(` ${l} `));
      const repo = await openRepository(big.path, { engine: 'git', cache: false });
      const auto: Commit[] = await collect(repo.history({ files: true }));
      const shards = (await calls()).filter((l) => l.includes('--no-walk=unsorted'));
      if (availableParallelism() >= 2) expect(shards.length).toBeGreaterThanOrEqual(2);
      else expect(shards).toEqual([]);
      await rm(logFile, { force: true });
      expect(await collect(repo.history({ files: true, shard: false }))).toEqual(auto);
      expect(auto.length).toBe(3100);
      await repo.close();
      await rm(logFile, { force: true });
      await collect(trickyRepo.history({ files: true }));
      const small = await calls();
      expect(small.filter((l) => l.includes('--no-walk=unsorted'))).toEqual([]);
    } finally {
      process.env['PATH'] = path;
      await big.cleanup();
      await shim.cleanup();
    }
  });

  it('stopping early kills the shards; an unknown revision fails before any commit', async () => {
    let seen = 0;
    for await (const commit of largeRepo.history({ shard: { size: 10, concurrency: 2 } })) {
      if (commit.sha && ++seen === 25) break;
    }
    expect(seen).toBe(25);
    await expect(collect(largeRepo.history({ rev: 'no-such-branch', shard: true }))).rejects.toMatchObject({
      code: 'GITFLEET_GIT_UNKNOWN_REVISION',
    });
    const controller = new AbortController();
    const run = collect(largeRepo.history({ files: true, shard: { size: 20, concurrency: 2 }, signal: controller.signal }));
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'GITFLEET_GIT_ABORTED' });
  });
});
