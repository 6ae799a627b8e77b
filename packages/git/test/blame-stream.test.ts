// Blame in chunks: big files stream, stop early, and fail alone above the size limit.
import { readdir, readFile } from 'node:fs/promises';
import { commitFiles, createEmptyRepo, type TempRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BLAME_FILE_SIZE, EngineSet, openRepository, type BlameChunk, type EngineName } from '../src/index.js';
import { oracleBlameLines } from './oracle.js';
import { collect } from './util.js';

const LINES = 30_000;
let repo: TempRepo;
const engines = new EngineSet({ maxThreads: 2 });

beforeAll(async () => {
  repo = await createEmptyRepo();
  const lines = Array.from({ length: LINES }, (_, i) => `line ${i}`);
  const who = (name: string, time: number) => ({ name, email: `${name}@example.com`, date: `${time} +0130` });
  await commitFiles(repo.path, { 'big.txt': `${lines.join('\n')}\n`, 'a.txt': 'a\n', 'z.txt': 'z\n' }, { message: 'one', author: who('ada', 1_700_000_000) });
  for (let i = 0; i < LINES; i += 7) lines[i] = `edited ${i}`;
  await commitFiles(repo.path, { 'big.txt': `${lines.join('\n')}\n` }, { message: 'two', author: who('bob', 1_700_000_600) });
}, 60_000);

afterAll(async () => {
  await engines.close();
  await repo?.cleanup();
});

/** Pids of live `git` processes whose parent is this process. */
async function gitChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
    if (m && m[1] === 'git' && m[2] !== 'Z' && Number(m[3]) === process.pid) pids.push(Number(entry));
  }
  return pids;
}

describe.each(['git', 'es-git'] as EngineName[])('blameChunks, engine %s', (engine) => {
  const open = () => openRepository(repo.path, { engine, engines, cache: false });

  it('a big file comes in chunks of at most 1000 lines, in order, equal to git blame --line-porcelain', async () => {
    const chunks = await collect((await open()).blameChunks());
    expect(chunks.map((c) => c.path).filter((p, i, all) => p !== all[i - 1])).toEqual(['a.txt', 'big.txt', 'z.txt']);
    const big = chunks.filter((c) => c.path === 'big.txt');
    expect(big.length).toBeGreaterThan(LINES / 1000 - 1);
    expect(big.every((c) => c.lines.length <= 1000 && !c.error)).toBe(true);
    expect(big.map((c) => c.done)).toEqual([...big.slice(1).map(() => false), true]);
    const oracle = await oracleBlameLines(repo.path, 'HEAD', 'big.txt');
    const lines = big.flatMap((c) => c.lines);
    expect(lines).toEqual(engine === 'es-git' ? oracle.map((l) => ({ ...l, authorTzOffset: null })) : oracle);
    // Small files are one chunk each.
    expect(chunks.filter((c) => c.path !== 'big.txt').map((c) => [c.path, c.lines.length, c.done])).toEqual([
      ['a.txt', 1, true],
      ['z.txt', 1, true],
    ]);
  });

  it('a file above maxFileSize comes back with GITFLEET_GIT_FILE_TOO_LARGE naming it; the others are blamed', async () => {
    const r = await open();
    const results = await collect(r.blame({ maxFileSize: 1000 }));
    expect(results.map((x) => [x.path, x.error?.code ?? x.lines.length])).toEqual([
      ['a.txt', 1],
      ['big.txt', 'GITFLEET_GIT_FILE_TOO_LARGE'],
      ['z.txt', 1],
    ]);
    expect(results[1]!.error!.message).toBe('big.txt: 319.79 KB, larger than the 1000 B blame limit');
    const unlimited = await collect(r.blame({ paths: ['big.txt'], maxFileSize: Infinity }));
    expect(unlimited[0]!.lines).toHaveLength(LINES);
    expect(DEFAULT_MAX_BLAME_FILE_SIZE).toBe(50 * 1024 * 1024);
  });

  it('capabilities say which fields the engine fills', async () => {
    const r = await open();
    const caps = await r.capabilities('blame');
    expect(caps).toEqual({ engine, tzOffsets: engine === 'git' });
    const [a] = await collect(r.blame({ paths: ['a.txt'] }));
    expect(a!.lines[0]!.authorTzOffset).toBe(caps.tzOffsets ? 90 : null);
  });
});

describe('stopping early', () => {
  it('a reader that stops after the first chunk leaves no git blame running', async () => {
    const r = await openRepository(repo.path, { engine: 'git', cache: false });
    let first: BlameChunk | undefined;
    for await (const chunk of r.blameChunks({ paths: ['big.txt'] })) {
      first = chunk;
      break;
    }
    expect(first!.done).toBe(false);
    // Killed on the way out; give the kernel a moment to reap it.
    for (let i = 0; i < 50 && (await gitChildren()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await gitChildren()).toEqual([]);
  });
});
