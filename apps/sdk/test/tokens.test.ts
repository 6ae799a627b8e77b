import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet } from '../src/index.js';

const STORED = 'ghp_sdkstoredAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const FROM_ENV = 'ghp_sdkenvBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';
const KEY = Buffer.alloc(32, 5).toString('base64');

let forge: ForgeServer;
let home: TempDir;
beforeAll(async () => {
  home = await createTempDir('gitfleet-sdk-tokens-');
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['ada', 'bob'] }], repos: [{ owner: 'acme', name: 'web' }] },
    identities: [
      { token: STORED, login: 'ada', limit: 100 },
      { token: FROM_ENV, login: 'bob', limit: 100 },
    ],
  });
});
afterAll(async () => {
  await forge?.close();
  await home?.cleanup();
});

describe('GitFleet: tokens and credentials', () => {
  it("pools the store's tokens and the environment's; git tokens per host from both", async () => {
    const file = join(home.path, 'credentials.enc');
    const env = { GITHUB_API_URL: forge.githubUrl, GITHUB_TOKEN: FROM_ENV, GITFLEET_CREDENTIALS_FILE: file, GITFLEET_CREDENTIALS_KEY: KEY, GITFLEET_GIT_TOKENS: 'git.example.org=env-git' };
    const setup = createGitFleet({ env, cache: false });
    const store = setup.credentials();
    await store.add({ provider: 'github', token: STORED, baseUrl: forge.githubUrl, label: 'work' });
    await store.add({ provider: 'git', host: 'code.example.com:8443', token: 'stored-git', username: 'ci' });
    await store.add({ provider: 'git', host: 'git.example.org', token: 'stored-git-2' });
    expect((await store.list()).map((c) => c.label ?? c.host)).toEqual(['work', 'code.example.com:8443', 'git.example.org']);
    expect(await readFile(file, 'utf8')).not.toContain(STORED);
    await setup.close();

    const gf = createGitFleet({ env, cache: false });
    try {
      expect((await gf.tokenSources()).map((s) => s.token)).toEqual([STORED, FROM_ENV]);
      const pool = await gf.tokenPool('github');
      expect(await gf.tokenPool('github')).toBe(pool);
      for await (const repo of gf.repositories('github:acme')) expect(repo.fullName).toBe('acme/web');
      const snapshot = await pool!.snapshot();
      expect(snapshot.identities.map((i) => i.login).sort()).toEqual(['ada', 'bob']);
      expect(JSON.stringify(snapshot)).not.toContain(STORED);
      expect(await gf.tokenPool('gitlab')).toBeUndefined();

      const tokens = await gf.gitTokens();
      expect(tokens('git.example.org')).toBe('env-git');
      expect(tokens('code.example.com:8443')).toEqual({ token: 'stored-git', username: 'ci' });
      expect(tokens('code.example.com')).toBeUndefined();
    } finally {
      await gf.close();
    }
  });

  it('a store of its own: path and passphrase in the options', async () => {
    const gf = createGitFleet({ env: {}, cache: false });
    try {
      const store = gf.credentials({ path: join(home.path, 'own.enc'), passphrase: 'a passphrase', scrypt: { N: 2 ** 14, r: 8, p: 1 } });
      const added = await store.add({ provider: 'gitlab', token: 'glpat-ownstoreCCCCCCCCCCCC3', label: 'lab' });
      expect(added).toMatchObject({ provider: 'gitlab', label: 'lab', tokenId: expect.stringMatching(/…/) });
      expect((await store.sources()).map((s) => s.token)).toEqual(['glpat-ownstoreCCCCCCCCCCCC3']);
      await expect(gf.credentials({ path: join(home.path, 'own.enc'), passphrase: 'wrong' }).list()).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_BAD_KEY' });
      await store.remove('lab');
      expect(await store.list()).toEqual([]);
    } finally {
      await gf.close();
    }
  });
});
