import { join } from 'node:path';
import { CredentialStore } from '@gitfleet/tokens';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../src/session.js';

const ALICE = 'ghp_aliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const BOB = 'ghp_bobBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';
const KEY = Buffer.alloc(32, 9).toString('base64');

let forge: ForgeServer;
let home: TempDir;
beforeAll(async () => {
  home = await createTempDir('gitfleet-session-');
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['alice', 'bob'] }], repos: Array.from({ length: 5 }, (_, i) => ({ owner: 'acme', name: `r${String(i)}` })) },
    identities: [
      { token: ALICE, login: 'alice', limit: 50 },
      { token: BOB, login: 'bob', limit: 50 },
    ],
  });
});
afterAll(async () => {
  await forge?.close();
  await home?.cleanup();
});

describe('Session', () => {
  it('pools the store and the environment, shares one HTTP cache, and a repeated listing is free', async () => {
    const file = join(home.path, 'credentials.enc');
    await new CredentialStore({ path: file, key: Buffer.from(KEY, 'base64') }).add({ provider: 'github', token: BOB, baseUrl: forge.githubUrl });
    const env = { GITHUB_API_URL: forge.githubUrl, GITHUB_TOKEN: ALICE, GITFLEET_CREDENTIALS_FILE: file, GITFLEET_CREDENTIALS_KEY: KEY };
    const list = async (): Promise<string[]> => {
      const session = createSession({ env, cache: join(home.path, 'cache') });
      const github = await session.providerClient('github');
      expect(await session.providerClient('github')).toBe(github);
      const names: string[] = [];
      for await (const repo of github.listRepositories('acme')) names.push(repo.fullName);
      expect((await session.tokenSources()).map((s) => s.token).sort()).toEqual([ALICE, BOB].sort());
      return names;
    };
    expect(await list()).toHaveLength(5);
    const spent = forge.budget('alice').used + forge.budget('bob').used;
    expect(await list()).toHaveLength(5);
    expect(forge.budget('alice').used + forge.budget('bob').used).toBe(spent);
  });

  it('notes a locked store and a missing token once each, and never throws for them', async () => {
    const file = join(home.path, 'locked.enc');
    await new CredentialStore({ path: file, key: Buffer.from(KEY, 'base64') }).add({ provider: 'gitlab', token: 'glpat-xxxxxxxxxxxxxxxxxxxx' });
    const notes: string[] = [];
    const session = createSession({ env: { GITFLEET_CREDENTIALS_FILE: file }, cache: false, onNote: (t) => notes.push(t) });
    expect(await session.pool('github')).toBeUndefined();
    await session.providerClient('github');
    await session.gitTokens();
    expect(notes).toEqual([
      expect.stringMatching(/credential store .* is locked .*using environment tokens only/),
      expect.stringMatching(/^no github token/),
      expect.stringMatching(/its git tokens are not used/),
    ]);
  });

  it('git tokens: the environment first, then the store, per host', async () => {
    const file = join(home.path, 'git.enc');
    const store = new CredentialStore({ path: file, key: Buffer.from(KEY, 'base64') });
    await store.add({ provider: 'git', host: 'git.example.org', token: 'stored-token', username: 'ci' });
    await store.add({ provider: 'git', host: 'github.com', token: 'stored-github' });
    const session = createSession({
      env: { GITFLEET_CREDENTIALS_FILE: file, GITFLEET_CREDENTIALS_KEY: KEY, GITFLEET_GIT_TOKENS: 'github.com=env-github' },
      cache: false,
    });
    const tokens = await session.gitTokens();
    expect(tokens('github.com')).toBe('env-github');
    expect(tokens('git.example.org')).toEqual({ token: 'stored-token', username: 'ci' });
    expect(tokens('example.org')).toBeUndefined();
  });
});
