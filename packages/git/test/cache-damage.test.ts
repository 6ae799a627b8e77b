import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTempDir, DAMAGE_KINDS, damageFile, generateLargeRepo, type LargeRepo, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, type BlameFileResult, type Commit } from '../src/index.js';
import { oracleBlame, oracleLog, oracleTotals } from './oracle.js';
import { collect } from './util.js';

// A damaged or foreign cache entry (truncated, empty, garbage, another version, changed bytes, another
// key's entry) is detected, never used, and replaced by a good one: the next run equals git again.

let repo: LargeRepo;
let tools: TempDir;
let log: string;
let expectedHistory: Commit[];
let expectedBlame: BlameFileResult[];
const realPath = process.env['PATH'];
let BLAMED: string[];

beforeAll(async () => {
  repo = await generateLargeRepo({ commits: 165, files: 12, seed: 9 });
  // A `git` earlier on PATH that records each subcommand, then runs the real git.
  tools = await createTempDir('gitfleet-tools-');
  log = join(tools.path, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  await writeFile(join(tools.path, 'git'), `#!/bin/sh\nfor a in "$@"; do case "$a" in -c|core.*|color.*|--no-pager) ;; *) echo "$a" >> "${log}"; break;; esac; done\nexec "${real}" "$@"\n`);
  await chmod(join(tools.path, 'git'), 0o755);
  process.env['PATH'] = `${tools.path}:${realPath}`;
  const plain = await openRepository(repo.path, { engine: 'git', cache: false });
  BLAMED = (await plain.files(['**/*.txt'])).slice(0, 2).map((f) => f.path);
  expectedHistory = await collect(plain.history({ files: true }));
  expectedBlame = await collect(plain.blame({ paths: BLAMED }));
}, 60_000);

afterAll(async () => {
  process.env['PATH'] = realPath;
  await Promise.all([repo?.cleanup(), tools?.cleanup()]);
});

const calls = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

/** Entry files of one kind in a cache dir (no temp files). */
async function entries(dir: string, kind: string): Promise<string[]> {
  const names = await readdir(join(dir, kind), { recursive: true }).catch(() => [] as string[]);
  const files: string[] = [];
  for (const name of names) if (/[0-9a-f]{64}\.[a-z]+$/.test(name)) files.push(join(dir, kind, name));
  return files.sort();
}

describe('the oracle agrees with the expected results', () => {
  it('history and blame without a cache equal git', async () => {
    expect(expectedHistory.map((c) => c.sha)).toEqual((await oracleLog(repo.path)).map((c) => c.sha));
    const totals = await oracleTotals(repo.path);
    for (const c of expectedHistory) expect([c.additions, c.deletions]).toEqual([totals.get(c.sha)!.additions, totals.get(c.sha)!.deletions]);
    for (const file of expectedBlame) {
      expect(file.lines.map((l) => [l.commit, l.origLine])).toEqual(await oracleBlame(repo.path, 'HEAD', file.path));
    }
  });
});

describe.each(DAMAGE_KINDS)('a history cache entry damaged: %s', (kind) => {
  it('is detected and recomputed, never used, and replaced by a good entry', async () => {
    await using cache = await createTempDir('gitfleet-cache-');
    const cached = await openRepository(repo.path, { engine: 'git', cache: cache.path });
    expect(await collect(cached.history({ files: true }))).toEqual(expectedHistory);
    // A valid entry of another query, for "another key's entry".
    await collect(cached.history({ files: true, maxCount: 10 }));
    const [full, small] = await entries(cache.path, 'history').then(async (files) => {
      const sized = await Promise.all(files.map(async (f) => ({ f, n: (await readFile(f)).length })));
      return sized.sort((a, b) => b.n - a.n).map((s) => s.f);
    });
    await damageFile(full!, kind, await readFile(small!));
    const damaged = await readFile(full!);

    await writeFile(log, '');
    expect(await collect(cached.history({ files: true }))).toEqual(expectedHistory);
    expect(await calls()).toContain('log'); // recomputed
    expect(await readFile(full!)).not.toEqual(damaged);

    await writeFile(log, '');
    expect(await collect(cached.history({ files: true }))).toEqual(expectedHistory);
    expect(await calls()).not.toContain('log'); // the replacement entry is good
  });
});

describe.each(DAMAGE_KINDS)('a blame cache entry damaged: %s', (kind) => {
  it('is detected and recomputed, never used, and replaced by a good entry', async () => {
    await using cache = await createTempDir('gitfleet-cache-');
    const cached = await openRepository(repo.path, { engine: 'git', cache: cache.path });
    expect(await collect(cached.blame({ paths: BLAMED }))).toEqual(expectedBlame);
    const files = await entries(cache.path, 'blame');
    expect(files).toHaveLength(2);
    // Damage the first entry; "another key's entry" puts the other file's blame there.
    await damageFile(files[0]!, kind, await readFile(files[1]!));
    const damaged = await readFile(files[0]!);

    await writeFile(log, '');
    expect(await collect(cached.blame({ paths: BLAMED }))).toEqual(expectedBlame);
    expect((await calls()).filter((c) => c === 'blame')).toHaveLength(1); // only the damaged file
    expect(await readFile(files[0]!)).not.toEqual(damaged);

    await writeFile(log, '');
    expect(await collect(cached.blame({ paths: BLAMED }))).toEqual(expectedBlame);
    expect(await calls()).not.toContain('blame');
  });
});
