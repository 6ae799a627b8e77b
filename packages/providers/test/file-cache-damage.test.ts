import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, DAMAGE_KINDS, damageFile } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createFileCache, createGitHubClient } from '../src/index.js';
import { TOKENS } from './helpers.js';

// A damaged or foreign HTTP cache entry is never answered from: its validator is not sent, the
// response is fetched in full (200), and a good entry replaces it (the next run is all 304).

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: Array.from({ length: 30 }, (_, i) => ({ owner: 'acme', name: `r${String(i).padStart(2, '0')}` })) },
    identities: [{ token: TOKENS.alice, login: 'alice' }],
  });
});
afterAll(async () => forge.close());

/** Entry files under a cache dir, wherever the layout puts them. */
async function entries(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names.filter((n) => /[0-9a-f]{64}\.json$/.test(n)).map((n) => join(dir, n)).sort();
}

describe.each(DAMAGE_KINDS)('an HTTP cache entry damaged: %s', (kind) => {
  it('is never answered from and is replaced by a good entry', async () => {
    await using dir = await createTempDir('gitfleet-cache-');
    const list = () =>
      collect(createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 10, cache: createFileCache({ dir: dir.path }) }).listRepositories('acme'));
    const first = await list();
    const files = await entries(dir.path);
    expect(files).toHaveLength(4); // /users/acme + 3 pages
    const originals = await Promise.all(files.map((f) => readFile(f)));
    // Every entry damaged; "another key's entry" puts the next page's entry in its place.
    for (const [i, file] of files.entries()) await damageFile(file, kind, originals[(i + 1) % files.length]);

    let mark = forge.requests.length;
    expect(await list()).toEqual(first);
    expect(forge.requests.slice(mark).map((r) => r.status)).toEqual([200, 200, 200, 200]);

    mark = forge.requests.length;
    expect(await list()).toEqual(first);
    expect(forge.requests.slice(mark).map((r) => r.status)).toEqual([304, 304, 304, 304]);
  });
});
