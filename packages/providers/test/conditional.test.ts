import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityPool } from '@gitfleet/tokens';
import { createTempDir } from '@gitfleet/test-kit';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createFileCache, createGitHubClient, createGitLabClient, createMemoryCache, identifyGitHub } from '../src/index.js';
import { ALL_SECRETS, TOKENS, gitlabIdentities } from './helpers.js';

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({
    seed: {
      orgs: [{ login: 'acme', members: ['alice'] }],
      repos: [
        ...Array.from({ length: 30 }, (_, i) => ({ owner: 'acme', name: `r${String(i).padStart(2, '0')}` })),
        { owner: 'acme', name: 'hidden', private: true },
      ],
    },
    identities: [
      { token: TOKENS.alice, login: 'alice' },
      { token: TOKENS.dave, login: 'dave' },
      ...gitlabIdentities(),
    ],
  });
});
afterAll(async () => forge.close());

const since = (mark: number) => forge.requests.slice(mark);

describe('conditional requests', () => {
  it('an unchanged second listing is all 304 and costs no quota', async () => {
    const github = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 10 });
    const first = await collect(github.listRepositories('acme'));
    const before = forge.budget('alice');
    const mark = forge.requests.length;
    const second = await collect(github.listRepositories('acme'));
    expect(second.map((r) => r.fullName)).toEqual(first.map((r) => r.fullName));
    expect(second[0]!.raw).toEqual(first[0]!.raw);
    expect(since(mark).map((r) => r.status)).toEqual([304, 304, 304, 304, 304]); // /users/acme + 4 pages
    expect(forge.budget('alice')).toEqual(before);
  });

  it('a changed page is fetched again, the others stay 304', async () => {
    const github = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 10 });
    await collect(github.listRepositories('acme'));
    forge.touchRepo('acme/r15'); // on page 2
    const before = forge.budget('alice').remaining;
    const mark = forge.requests.length;
    const repos = await collect(github.listRepositories('acme'));
    expect(repos.find((r) => r.name === 'r15')!.updatedAt).not.toBe(repos.find((r) => r.name === 'r14')!.updatedAt);
    expect(since(mark).map((r) => r.status)).toEqual([304, 304, 200, 304, 304]);
    expect(forge.budget('alice').remaining).toBe(before - 1);
  });

  it('keeps identities apart: another user never gets a cached private answer', async () => {
    const cache = createMemoryCache();
    const alice = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache });
    const dave = createGitHubClient({ token: TOKENS.dave, baseUrl: forge.githubUrl, cache });
    expect((await collect(alice.listRepositories('acme'))).some((r) => r.name === 'hidden')).toBe(true);
    const mark = forge.requests.length;
    expect((await collect(dave.listRepositories('acme'))).some((r) => r.name === 'hidden')).toBe(false);
    expect(since(mark).every((r) => r.status === 200 && r.identity === 'dave')).toBe(true);
  });

  it('with a pool, a second listing on the same identity costs nothing', async () => {
    const pool = createIdentityPool({ sources: [{ token: TOKENS.dave, provider: 'github', baseUrl: forge.githubUrl }], identify: identifyGitHub() });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 10 });
    await collect(github.listRepositories('acme'));
    const before = forge.budget('dave');
    const mark = forge.requests.length;
    await collect(github.listRepositories('acme'));
    expect(since(mark).map((r) => r.status)).toEqual([304, 304, 304, 304]);
    expect(forge.budget('dave')).toEqual(before);
  });

  it('a file cache serves a new client (304s), with no token on disk, written 0600', async () => {
    await using dir = await createTempDir('gitfleet-cache-');
    const make = () => createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 10, cache: createFileCache({ dir: dir.path }) });
    await collect(make().listRepositories('acme'));
    const before = forge.budget('alice');
    const mark = forge.requests.length;
    expect(await collect(make().listRepositories('acme'))).toHaveLength(31);
    expect(since(mark).every((r) => r.status === 304)).toBe(true);
    expect(forge.budget('alice')).toEqual(before);

    const files = (await readdir(dir.path, { recursive: true })).filter((f) => f.endsWith('.json'));
    // Named by a hash of identity + URL, beside the cache's size ledger.
    expect(files.filter((f) => /^http[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}\.json$/.test(f))).toHaveLength(5);
    expect(files).toHaveLength(6);
    for (const file of files) {
      const text = await readFile(join(dir.path, file), 'utf8');
      for (const secret of ALL_SECRETS) expect(text.includes(secret)).toBe(false);
      expect((await stat(join(dir.path, file))).mode & 0o777).toBe(0o600);
    }
  });

  it('GitLab listings revalidate too', async () => {
    const gitlab = createGitLabClient({ token: TOKENS.bobLab, baseUrl: forge.gitlabUrl, perPage: 20 });
    await collect(gitlab.listRepositories('acme'));
    const before = forge.budget('bob', { provider: 'gitlab' });
    const mark = forge.requests.length;
    expect(await collect(gitlab.listRepositories('acme'))).toHaveLength(30);
    expect(since(mark).map((r) => r.status)).toEqual([304, 304, 304]); // group + 2 pages
    expect(forge.budget('bob', { provider: 'gitlab' })).toEqual(before);
  });
});
