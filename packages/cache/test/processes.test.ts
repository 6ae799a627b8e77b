import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempDir } from '@gitfleet/test-kit';
import { describe, expect, it } from 'vitest';
import { createCacheStore, hashKey } from '../src/index.js';

// Real processes writing one cache at once: no torn entry, nothing over the limit, a ledger that
// never counts less than what is on disk (which would let the cache grow past its limit).

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const LIMIT = 60_000;

/** A process that writes `count` JSON entries and `count / 10` streamed ones, flushing after each. */
function writer(dir: string, id: number, count: number): Promise<number | null> {
  const script = `
    const { createCacheStore, hashKey } = await import(${JSON.stringify(DIST)});
    const cache = createCacheStore({ dir: ${JSON.stringify(dir)}, maxSize: ${LIMIT} });
    for (let i = 0; i < ${count}; i++) {
      await cache.putJson('blame', hashKey('p${id}', String(i)), { id: ${id}, i, pad: 'x'.repeat(700) });
      await cache.flush();
      if (i % 10 === 0) {
        const w = await cache.writeLines('history', hashKey('h${id}', String(i)));
        for (let j = 0; j < 20; j++) await w.add({ id: ${id}, i, j });
        await w.commit();
      }
    }
    await cache.flush();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  return once(child, 'exit').then(([code]) => code as number | null);
}

describe('several processes writing one cache', () => {
  it('stay under the limit together, leave only whole entries and an honest ledger', async () => {
    await using dir = await createTempDir('gitfleet-cache-processes-');
    const codes = await Promise.all([0, 1, 2, 3].map((id) => writer(dir.path, id, 120)));
    expect(codes).toEqual([0, 0, 0, 0]);

    const names = (await readdir(dir.path, { recursive: true })).map((n) => join(dir.path, n));
    const sizes = await Promise.all(names.map(async (n) => ((await stat(n)).isFile() ? (await stat(n)).size : 0)));
    const onDisk = sizes.reduce((a, b) => a + b, 0);
    expect(onDisk).toBeLessThanOrEqual(LIMIT);
    expect(names.filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);

    // Every entry left verifies and holds what its writer wrote.
    const cache = createCacheStore({ dir: dir.path, maxSize: LIMIT });
    let seen = 0;
    for (let id = 0; id < 4; id++) {
      for (let i = 0; i < 120; i++) {
        const path = join(dir.path, 'blame', hashKey(`p${id}`, String(i)).slice(0, 2), `${hashKey(`p${id}`, String(i))}.json`);
        const present = await stat(path).then(() => true, () => false);
        const value = await cache.getJson<{ id: number; i: number }>('blame', hashKey(`p${id}`, String(i)));
        if (present) {
          expect(value).toMatchObject({ id, i });
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(10);
    const ledger = JSON.parse(await readFile(join(dir.path, 'usage.json'), 'utf8')) as { bytes: number };
    expect(ledger.bytes).toBeGreaterThanOrEqual(onDisk - (await stat(join(dir.path, 'usage.json'))).size);
  }, 120_000);
});
