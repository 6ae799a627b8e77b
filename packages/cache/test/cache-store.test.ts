import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, DAMAGE_KINDS, damageFile, type TempDir } from '@gitfleet/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../src/entry-format.js';
import { createCacheStore, formatSize, hashKey, parseAge, parseSize, type CacheStore } from '../src/index.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await createTempDir('gitfleet-cache-store-');
});
afterEach(async () => dir?.cleanup());

const key = (name: string): string => hashKey(name);
const jsonPath = (kind: string, k: string): string => join(dir.path, kind, k.slice(0, 2), `${k}.json`);
const linesPath = (kind: string, k: string): string => join(dir.path, kind, k.slice(0, 2), `${k}.ndjson`);

async function collect<T>(iterable: AsyncIterable<T> | undefined): Promise<T[] | undefined> {
  if (!iterable) return undefined;
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function writeLines(cache: CacheStore, kind: string, k: string, values: unknown[]): Promise<void> {
  const writer = await cache.writeLines(kind, k);
  for (const v of values) await writer!.add(v);
  await writer!.commit();
}

/** Sum of every file's size under the cache dir. */
async function diskSize(): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir.path, { recursive: true })) {
    const s = await stat(join(dir.path, name));
    if (s.isFile()) total += s.size;
  }
  return total;
}

const COMMITS = Array.from({ length: 3000 }, (_, i) => ({ sha: hashKey(String(i)).slice(0, 40), summary: `commit ${i} — ünïcödé ✓\u2028`, n: i }));

describe('entries', () => {
  it('round-trip JSON values and streamed lines (past the 1 MiB write buffer), and an empty stream', async () => {
    const cache = createCacheStore({ dir: dir.path });
    await cache.putJson('blame', key('a'), { path: 'a.txt', lines: [1, 2, 3] });
    expect(await cache.getJson('blame', key('a'))).toEqual({ path: 'a.txt', lines: [1, 2, 3] });
    const big = Array.from({ length: 4 }, () => COMMITS).flat();
    await writeLines(cache, 'history', key('h'), big);
    expect(await collect(await cache.readLines('history', key('h')))).toEqual(big);
    await writeLines(cache, 'history', key('none'), []);
    expect(await collect(await cache.readLines('history', key('none')))).toEqual([]);
    expect(await cache.getJson('blame', key('missing'))).toBeUndefined();
    expect(await cache.readLines('history', key('missing'))).toBeUndefined();
  });

  it('are private: files 0600 in directories 0700', async () => {
    const cache = createCacheStore({ dir: dir.path });
    await cache.putJson('blame', key('a'), { secret: 'commit message' });
    expect((await stat(jsonPath('blame', key('a')))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, 'blame'))).mode & 0o777).toBe(0o700);
  });

  it('an early stop or a discard publishes nothing', async () => {
    const cache = createCacheStore({ dir: dir.path });
    const writer = await cache.writeLines('history', key('h'));
    await writer!.add({ a: 1 });
    await writer!.discard();
    expect(await cache.readLines('history', key('h'))).toBeUndefined();
    expect(await readdir(join(dir.path, 'history', key('h').slice(0, 2)))).toEqual([]);
  });

  describe.each(DAMAGE_KINDS)('damaged: %s', (kind) => {
    it('a JSON entry is a miss and is removed', async () => {
      const cache = createCacheStore({ dir: dir.path });
      await cache.putJson('blame', key('a'), { path: 'a.txt', lines: COMMITS.slice(0, 20) });
      await cache.putJson('blame', key('b'), { path: 'b.txt', lines: COMMITS.slice(20, 40) });
      await damageFile(jsonPath('blame', key('a')), kind, await readFile(jsonPath('blame', key('b'))));
      expect(await cache.getJson('blame', key('a'))).toBeUndefined();
      await expect(stat(jsonPath('blame', key('a')))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await cache.getJson('blame', key('b'))).toEqual({ path: 'b.txt', lines: COMMITS.slice(20, 40) });
    });

    it('a streamed entry is a miss before any value comes out, and is removed', async () => {
      const cache = createCacheStore({ dir: dir.path });
      await writeLines(cache, 'history', key('h'), COMMITS);
      await writeLines(cache, 'history', key('other'), COMMITS.slice(0, 5));
      await damageFile(linesPath('history', key('h')), kind, await readFile(linesPath('history', key('other'))));
      expect(await cache.readLines('history', key('h'))).toBeUndefined();
      await expect(stat(linesPath('history', key('h')))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('an entry of another kind with the same key is not taken', async () => {
    const cache = createCacheStore({ dir: dir.path });
    await cache.putJson('blame', key('a'), { x: 1 });
    await mkdir(join(dir.path, 'http', key('a').slice(0, 2)), { recursive: true });
    await writeFile(jsonPath('http', key('a')), await readFile(jsonPath('blame', key('a'))));
    expect(await cache.getJson('http', key('a'))).toBeUndefined();
  });

  it('a reader that verified an entry reads it whole even when it is cleaned away meanwhile', async () => {
    const cache = createCacheStore({ dir: dir.path });
    await writeLines(cache, 'history', key('h'), COMMITS);
    const reading = await cache.readLines('history', key('h'));
    expect((await cache.clean()).removed).toEqual([{ kind: 'history', entries: 1, bytes: expect.any(Number) }]);
    expect(await collect(reading)).toEqual(COMMITS);
  });
});

describe('size limit', () => {
  const value = (i: number) => ({ i, pad: 'x'.repeat(900) }); // ~1.1 KB an entry with its frame

  it('counts its own ledger file in the limit: entries just under it plus usage.json never pass it', async () => {
    const maxSize = 4_000;
    // One entry whose file is 20 bytes under the limit: with the ledger beside it, the directory is over.
    const k = key('near-limit');
    const pad = (n: number): string => 'x'.repeat(n);
    const size = (n: number): number => encodeEntry('blame', k, JSON.stringify({ pad: pad(n) })).length;
    let n = maxSize - 20 - size(0);
    while (size(n) > maxSize - 20) n--;
    expect(size(n)).toBe(maxSize - 20);
    const cache = createCacheStore({ dir: dir.path, maxSize });
    await cache.putJson('blame', k, { pad: pad(n) });
    await cache.flush();
    expect(await diskSize()).toBeLessThanOrEqual(maxSize);
  });

  it('evicts the least recently used entries when a flush finds the cache over the limit; a hit counts as a use', async () => {
    const cache = createCacheStore({ dir: dir.path, maxSize: 8_000 });
    for (let i = 0; i < 6; i++) await cache.putJson('blame', key(`e${i}`), value(i));
    await cache.flush();
    // Make the order of last use explicit: e0 oldest ... e5 newest, then read e0 (a use).
    for (let i = 0; i < 6; i++) {
      const t = new Date(Date.now() - (10 - i) * 60_000);
      await utimes(jsonPath('blame', key(`e${i}`)), t, t);
    }
    expect(await cache.getJson('blame', key('e0'))).toEqual(value(0));
    for (let i = 6; i < 9; i++) await cache.putJson('blame', key(`e${i}`), value(i));
    await cache.flush();
    const kept = await Promise.all(Array.from({ length: 9 }, (_, i) => cache.getJson('blame', key(`e${i}`)).then((v) => v !== undefined)));
    // e1.. went first; e0 (just used) and the newest stay.
    expect(kept.slice(0, 3)).toEqual([true, false, false]);
    expect(kept.slice(6)).toEqual([true, true, true]);
    expect(await diskSize()).toBeLessThanOrEqual(8_000);
  });

  it('an entry larger than the whole cache is not stored', async () => {
    const cache = createCacheStore({ dir: dir.path, maxSize: 50_000 });
    await writeLines(cache, 'history', key('big'), COMMITS);
    await cache.putJson('blame', key('big'), COMMITS);
    expect(await cache.readLines('history', key('big'))).toBeUndefined();
    expect(await cache.getJson('blame', key('big'))).toBeUndefined();
    await writeLines(cache, 'history', key('small'), COMMITS.slice(0, 10));
    expect(await collect(await cache.readLines('history', key('small')))).toHaveLength(10);
  });

  it('a lowered limit is applied at the next flush even without writes', async () => {
    for (let i = 0; i < 6; i++) await createCacheStore({ dir: dir.path }).putJson('blame', key(`e${i}`), value(i));
    const roomy = createCacheStore({ dir: dir.path });
    await roomy.putJson('blame', key('last'), value(9));
    await roomy.flush();
    expect(await diskSize()).toBeGreaterThan(7_000);
    await createCacheStore({ dir: dir.path, maxSize: 3_000 }).flush();
    expect(await diskSize()).toBeLessThanOrEqual(3_000);
  });

  it('a temp file being written is never evicted; one abandoned for hours is', async () => {
    const cache = createCacheStore({ dir: dir.path, maxSize: 4_000 });
    const shard = join(dir.path, 'blame', 'ab');
    await mkdir(shard, { recursive: true });
    const young = join(shard, `${'ab'.repeat(32)}.json.123-aaaaaa.tmp`);
    const old = join(shard, `${'ab'.repeat(32)}.json.456-bbbbbb.tmp`);
    await writeFile(young, 'y'.repeat(1000));
    await writeFile(old, 'o'.repeat(1000));
    const hoursAgo = new Date(Date.now() - 5 * 3_600_000);
    await utimes(old, hoursAgo, hoursAgo);
    for (let i = 0; i < 5; i++) await cache.putJson('blame', key(`e${i}`), value(i));
    await cache.flush();
    expect(await readFile(young, 'utf8')).toHaveLength(1000);
    await expect(stat(old)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('info and clean', () => {
  it('info reports size, limit and entries per kind; clean goes by kind and by age', async () => {
    const cache = createCacheStore({ dir: dir.path, maxSize: parseSize('2M') });
    await cache.putJson('blame', key('a'), { a: 1 });
    await cache.putJson('blame', key('b'), { b: 1 });
    await cache.putJson('http', key('c'), { headers: {}, data: 1 });
    await writeLines(cache, 'history', key('d'), COMMITS.slice(0, 3));
    const info = await cache.info();
    expect(info).toMatchObject({ dir: dir.path, maxSize: 2 * 1024 * 1024, entries: 4 });
    expect(info.kinds.map((k) => [k.kind, k.entries])).toEqual([['blame', 2], ['history', 1], ['http', 1]]);
    expect(info.bytes).toBe((await diskSize()) - (await stat(join(dir.path, 'usage.json')).then((s) => s.size, () => 0)));

    const old = new Date(Date.now() - 3 * 86_400_000);
    await utimes(jsonPath('blame', key('a')), old, old);
    expect((await cache.clean({ olderThanMs: parseAge('2d') })).removed).toEqual([{ kind: 'blame', entries: 1, bytes: expect.any(Number) }]);
    expect((await cache.clean({ kinds: ['http'] })).removed.map((r) => r.kind)).toEqual(['http']);
    expect(await cache.getJson('blame', key('b'))).toEqual({ b: 1 });
    const all = await cache.clean();
    expect(all.bytes).toBe(0);
    expect((await cache.info()).entries).toBe(0);
  });

  it('never reports or removes files that are not cache entries', async () => {
    const cache = createCacheStore({ dir: dir.path });
    await cache.putJson('blame', key('a'), { a: 1 });
    await mkdir(join(dir.path, 'history', 'ab'), { recursive: true });
    await mkdir(join(dir.path, 'Documents'), { recursive: true });
    const strangers = [join(dir.path, 'notes.txt'), join(dir.path, 'history', 'ab', 'readme.md'), join(dir.path, 'Documents', 'cv.json')];
    for (const f of strangers) await writeFile(f, 'mine');
    expect((await cache.info()).entries).toBe(1);
    await cache.clean();
    for (const f of strangers) expect(await readFile(f, 'utf8')).toBe('mine');
  });

  it('info and clean of a directory that does not exist', async () => {
    const cache = createCacheStore({ dir: join(dir.path, 'nope') });
    expect(await cache.info()).toMatchObject({ bytes: 0, entries: 0, kinds: [] });
    expect(await cache.clean()).toEqual({ removed: [], bytes: 0 });
  });
});

describe('options', () => {
  it('sizes take units; ages need one; bad values fail with GITFLEET_CACHE_INVALID_OPTION', () => {
    expect(parseSize('512K')).toBe(524_288);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('100')).toBe(100);
    expect(parseSize('1.5m')).toBe(1_572_864);
    expect(parseSize('64KiB')).toBe(65_536);
    for (const bad of ['', 'lots', '0', '-1', '12X', '1e3']) expect(() => parseSize(bad)).toThrow(expect.objectContaining({ code: 'GITFLEET_CACHE_INVALID_OPTION' }));
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('30m')).toBe(1_800_000);
    for (const bad of ['7', 'soon', '', '-3d']) expect(() => parseAge(bad)).toThrow(expect.objectContaining({ code: 'GITFLEET_CACHE_INVALID_OPTION' }));
    expect(formatSize(2 * 1024 ** 3)).toBe('2GB');
  });

  it('GITFLEET_CACHE_MAX_SIZE sets the default limit and is checked when a cache opens', () => {
    const saved = process.env['GITFLEET_CACHE_MAX_SIZE'];
    try {
      process.env['GITFLEET_CACHE_MAX_SIZE'] = '512K';
      expect(createCacheStore({ dir: dir.path }).maxSize).toBe(524_288);
      process.env['GITFLEET_CACHE_MAX_SIZE'] = 'huge';
      expect(() => createCacheStore({ dir: dir.path })).toThrow(/GITFLEET_CACHE_MAX_SIZE must be a positive size.*'huge'/);
      expect(() => createCacheStore({ dir: dir.path, maxSize: 0 })).toThrow(expect.objectContaining({ code: 'GITFLEET_CACHE_INVALID_OPTION' }));
    } finally {
      if (saved === undefined) delete process.env['GITFLEET_CACHE_MAX_SIZE'];
      else process.env['GITFLEET_CACHE_MAX_SIZE'] = saved;
    }
  });
});
