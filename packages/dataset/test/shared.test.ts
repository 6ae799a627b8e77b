import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, openDatasetWriter } from '../src/index.js';
import { commit, tempDir, type Temp } from './helpers.js';

// Shared writers (queue workers on one volume): several at once, no writer lock, recovery per
// repository; finalize by an exclusive writer.
const CHILD = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const ada = { name: 'Ada', email: 'ada@example.org' };

let temp: Temp;
beforeEach(async () => {
  temp = await tempDir();
});
afterEach(async () => {
  await temp.cleanup();
});

/** A shared writer process that stops dead once `acme/r0`'s publish is journaled (the commit point). */
async function killedAfterJournal(dir: string): Promise<void> {
  const plan = { repos: ['acme/r0'], blameLines: 50, to: 1, shared: true, pauseAt: { phase: 'journaled', repository: 'acme/r0', gen: 1 } };
  const child = spawn(process.execPath, [CHILD, dir, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise((resolve) => child.on('exit', resolve));
  for await (const line of createInterface({ input: child.stdout })) if (line === 'paused') break;
  child.kill('SIGKILL');
  await exit;
}

describe('shared writers', () => {
  it('publish different repositories at once, then an exclusive writer finalizes', async () => {
    const [a, b] = await Promise.all([openDatasetWriter(temp.path, { shared: true }), openDatasetWriter(temp.path, { shared: true })]);
    await Promise.all([
      a.writeRepository('acme/a', { commits: [commit('a1', ada, 1000), commit('a2', ada, 2000)] }, { fingerprint: 'fa' }),
      b.writeRepository('acme/b', { commits: [commit('b1', ada, 3000)] }, { fingerprint: 'fb' }),
    ]);
    await expect(a.finalize()).rejects.toMatchObject({ code: 'GITFLEET_DATASET_INVALID_OPTION' });
    // A shared writer knows a repository published by another only after refresh.
    expect(a.isUnchanged('acme/b', 'fb')).toBe(false);
    await a.refresh('acme/b');
    expect(a.isUnchanged('acme/b', 'fb')).toBe(true);
    await Promise.all([a.close(), b.close()]);

    const writer = await openDatasetWriter(temp.path);
    // An exclusive writer holds the lock: a shared writer is refused meanwhile.
    await expect(openDatasetWriter(temp.path, { shared: true })).rejects.toMatchObject({ code: 'GITFLEET_DATASET_LOCKED' });
    expect((await writer.finalize()).authors).toBe(1);
    await writer.close();
    const dataset = await openDataset(temp.path);
    expect(await dataset.query('SELECT repository, count(*)::INTEGER AS n FROM commits GROUP BY 1 ORDER BY 1')).toEqual([
      { repository: 'acme/a', n: 2 },
      { repository: 'acme/b', n: 1 },
    ]);
    await dataset.close();
  });

  it('a publish a killed shared writer journaled is rolled forward by the next writer of that repository only', async () => {
    await killedAfterJournal(temp.path);
    const journals = async () => (await readdir(`${temp.path}/_gitfleet/journal`)).filter((n) => n.endsWith('.json'));
    expect(await journals()).toHaveLength(1);
    const writer = await openDatasetWriter(temp.path, { shared: true });
    // Another repository's writer leaves it alone: its owner may be alive (the queue says who owns what).
    await writer.writeRepository('acme/other', { commits: [commit('o1', ada, 1000)] });
    expect(await journals()).toHaveLength(1);
    const state = await writer.refresh('acme/r0');
    expect(state?.fingerprint).toEqual({ gen: '1' });
    expect(state?.rows.commits).toBe(47);
    expect(await journals()).toHaveLength(0);
    await writer.close();
    const dataset = await openDataset(temp.path);
    expect(await dataset.query("SELECT count(*)::INTEGER AS n, count(DISTINCT sha)::INTEGER AS d FROM commits WHERE repository = 'acme/r0'")).toEqual([{ n: 47, d: 47 }]);
    await dataset.close();
  });
});
