import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityPool } from '@gitfleet/tokens';
import type { TokenSource } from '@gitfleet/tokens';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer, ForgeSeed } from '@gitfleet/test-kit/forge-server';
import {
  collect,
  createGitHubClient,
  createGitLabClient,
  createMemoryCache,
  identifyGitHub,
  identifyGitLab,
  RateLimitError,
  AuthError,
} from '../src/index.js';
import type { WaitEvent } from '../src/index.js';
import { TOKENS, assertNoSecret, rejection } from './helpers.js';

let forge: ForgeServer | undefined;
afterEach(async () => {
  await forge?.close();
  forge = undefined;
});

/** Org `bigco` with `count` repositories. */
const bigSeed = (count: number): ForgeSeed => ({
  orgs: [{ login: 'bigco', members: ['alice', 'bob', 'carol'] }],
  repos: Array.from({ length: count }, (_, i) => ({ owner: 'bigco', name: `repo-${String(i).padStart(4, '0')}` })),
});

const sources = (url: string, provider: 'github' | 'gitlab' = 'github'): TokenSource[] =>
  provider === 'github'
    ? [TOKENS.alice, TOKENS.bob, TOKENS.carol].map((token) => ({ token, provider, baseUrl: url }))
    : [TOKENS.aliceLab, TOKENS.bobLab].map((token) => ({ token, provider, baseUrl: url }));

describe('GitHub client with an identity pool', () => {
  it('lists 120 pages on 3 identities of 50 requests: no error, no 403, no budget below 0', async () => {
    forge = await startForgeServer({
      seed: bigSeed(1200),
      identities: ['alice', 'bob', 'carol'].map((login) => ({ token: TOKENS[login as 'alice'], login, limit: 50 })),
    });
    const pool = createIdentityPool({ sources: sources(forge.githubUrl), identify: identifyGitHub(), whenExhausted: 'fail' });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 10, pageWindow: 6, concurrency: 12 });

    const repos = await collect(github.listRepositories('bigco'));
    expect(repos).toHaveLength(1200);
    expect(repos.map((r) => r.name)).toEqual(repos.map((r) => r.name).sort()); // page order kept

    const served = forge.requests;
    expect(served.filter((r) => r.path.startsWith('/orgs/bigco/repos'))).toHaveLength(120);
    expect(served.filter((r) => r.status >= 400)).toEqual([]);
    const budgets = ['alice', 'bob', 'carol'].map((login) => forge!.budget(login));
    for (const budget of budgets) expect(budget.remaining).toBeGreaterThanOrEqual(0);
    // 3 x GET /user (identify) + GET /users/bigco + 120 pages; /rate_limit is free.
    expect(budgets.reduce((sum, b) => sum + b.used, 0)).toBe(124);
    // The work was spread: no single identity could have done it.
    for (const budget of budgets) expect(budget.used).toBeGreaterThan(0);
  });

  it('finishes on the other identities when a token is revoked mid-run', async () => {
    forge = await startForgeServer({
      seed: bigSeed(300),
      identities: ['alice', 'bob', 'carol'].map((login) => ({ token: TOKENS[login as 'alice'], login })),
      latencyMs: 5,
    });
    const pool = createIdentityPool({ sources: sources(forge.githubUrl), identify: identifyGitHub() });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 10, pageWindow: 3 });

    let count = 0;
    let revokedAt = -1;
    for await (const _repo of github.listRepositories('bigco')) {
      count += 1;
      if (count === 60) {
        forge.revokeToken(TOKENS.bob);
        revokedAt = forge.requests.length;
      }
    }
    expect(count).toBe(300);
    const after = forge.requests.slice(revokedAt);
    expect(after.some((r) => r.tokenId !== null && r.status === 401)).toBe(true);
    expect(after.filter((r) => r.identity === 'bob' && r.status === 200)).toEqual([]);
    const snapshot = await pool.snapshot();
    expect(snapshot.tokens.filter((t) => t.status === 'invalid')).toHaveLength(1);
    expect(JSON.stringify(snapshot)).not.toContain(TOKENS.bob);
  });

  it('waits out a secondary limit (Retry-After), then succeeds', async () => {
    forge = await startForgeServer({ seed: bigSeed(5), identities: [{ token: TOKENS.alice, login: 'alice' }] });
    const pool = createIdentityPool({ sources: [{ token: TOKENS.alice, provider: 'github', baseUrl: forge.githubUrl }], identify: identifyGitHub() });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl });
    await github.getAuthenticatedUser(); // identify first, so the fault hits the call under test
    forge.injectFault({ kind: 'secondary', retryAfterSeconds: 1, match: { path: '/repos/bigco/repo-0001' } });

    const repo = await github.getRepository('bigco/repo-0001');
    expect(repo.fullName).toBe('bigco/repo-0001');
    const calls = forge.requests.filter((r) => r.path === '/repos/bigco/repo-0001');
    expect(calls.map((r) => r.status)).toEqual([403, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('on a primary-limit 403 reports the identity exhausted and re-acquires another', async () => {
    forge = await startForgeServer({
      seed: bigSeed(3),
      identities: [
        { token: TOKENS.alice, login: 'alice' },
        { token: TOKENS.bob, login: 'bob' },
      ],
    });
    const pool = createIdentityPool({
      sources: [TOKENS.alice, TOKENS.bob].map((token) => ({ token, provider: 'github' as const, baseUrl: forge!.githubUrl })),
      identify: identifyGitHub(),
    });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, concurrency: 1 });
    await github.getAuthenticatedUser(); // both identified, each with ~5000 left as far as the pool knows
    // Someone else drains both budgets behind the pool's back; bob's window resets soon.
    forge.setBudget('alice', { remaining: 0 });
    forge.setBudget('bob', { remaining: 0, resetAt: Math.floor(Date.now() / 1000) + 2 });
    const resetSoon = setTimeout(() => forge!.setBudget('bob', { remaining: 5000 }), 1500);
    try {
      const repo = await github.getRepository('bigco/repo-0002');
      expect(repo.name).toBe('repo-0002');
    } finally {
      clearTimeout(resetSoon);
    }
    const calls = forge.requests.filter((r) => r.path === '/repos/bigco/repo-0002');
    expect(calls.filter((r) => r.status === 403).map((r) => r.identity).sort()).toEqual(['alice', 'bob']);
    expect(calls.at(-1)).toMatchObject({ status: 200, identity: 'bob' });
    const snapshot = await pool.snapshot();
    const alice = snapshot.identities.find((i) => i.login === 'alice')!;
    expect(alice.budgets.find((b) => b.resource === 'core')!.remaining).toBe(0);
  });

  it('reports a pool out of budget as RateLimitError with resetAt', async () => {
    forge = await startForgeServer({ seed: bigSeed(50), identities: [{ token: TOKENS.alice, login: 'alice', limit: 4 }] });
    const pool = createIdentityPool({
      sources: [{ token: TOKENS.alice, provider: 'github', baseUrl: forge.githubUrl }],
      identify: identifyGitHub(),
      whenExhausted: 'fail',
    });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 5 });
    const error = await rejection(collect(github.listRepositories('bigco')));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_RATE_LIMIT', provider: 'github' });
    expect((error as RateLimitError).resetAt).toBeGreaterThan(Date.now());
    expect(forge.requests.filter((r) => r.status === 403)).toEqual([]);
    expect(forge.budget('alice').remaining).toBe(0);
    assertNoSecret(error);
  });

  it('maps a pool whose every token is rejected to AuthError', async () => {
    forge = await startForgeServer({ seed: bigSeed(1) });
    const pool = createIdentityPool({ sources: sources(forge.githubUrl), identify: identifyGitHub() });
    const error = await rejection(createGitHubClient({ pool, baseUrl: forge.githubUrl }).getRepository('bigco/repo-0000'));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_AUTH' });
    assertNoSecret(error);
  });

  it('identifies app installation tokens by a token fingerprint (no /user access)', async () => {
    forge = await startForgeServer({ seed: bigSeed(1), identities: [{ token: TOKENS.app, login: 'acme-app', kind: 'installation', limit: 100 }] });
    const info = await identifyGitHub()({ token: TOKENS.app, provider: 'github', baseUrl: forge.githubUrl });
    expect(info.identity).toMatch(new RegExp(`^github:${forge.githubUrl.replace(/[.]/g, '\\.')}:token:[0-9a-f]{16}$`));
    expect(info.identity).not.toContain(TOKENS.app);
    expect(info.budgets.find((b) => b.resource === 'core')).toMatchObject({ limit: 100, remaining: 99 }); // the 403 from /user counted
  });
});

describe('quota and waits with a pool of three identities', () => {
  const three = () => ['alice', 'bob', 'carol'].map((login) => ({ token: TOKENS[login as 'alice'], login }));
  const spent = () => ['alice', 'bob', 'carol'].reduce((sum, login) => sum + forge!.budget(login).used, 0);

  it('a repeated listing costs no more than with one token: each page goes to the identity holding its validator', async () => {
    forge = await startForgeServer({ seed: bigSeed(1200), identities: three() });
    const cache = createMemoryCache({ maxEntries: 5000 });
    // Two runs of a program: a new pool and client each time, one cache (as the CLI's file cache).
    const run = async () => {
      const pool = createIdentityPool({ sources: sources(forge!.githubUrl), identify: identifyGitHub({ cache }) });
      const github = createGitHubClient({ pool, baseUrl: forge!.githubUrl, cache, perPage: 10, pageWindow: 6, concurrency: 12 });
      return collect(github.listRepositories('bigco'));
    };
    const first = await run();
    const pages = forge.requests.filter((r) => r.path.startsWith('/orgs/bigco/repos'));
    expect(pages).toHaveLength(120);
    expect(new Set(pages.map((r) => r.identity)).size).toBe(3); // the first listing was spread

    const before = spent();
    const mark = forge.requests.length;
    const second = await run();
    expect(second.map((r) => r.fullName)).toEqual(first.map((r) => r.fullName));
    const again = forge.requests.slice(mark);
    expect(again.filter((r) => r.path.startsWith('/orgs/bigco/repos'))).toHaveLength(120);
    expect(again.filter((r) => r.status !== 304 && r.path !== '/rate_limit')).toEqual([]);
    expect(spent() - before).toBe(0);
  });

  it('a page whose holder is out of budget goes to another identity as a fresh request', async () => {
    forge = await startForgeServer({ seed: bigSeed(30), identities: three() });
    const cache = createMemoryCache();
    const make = () => {
      const pool = createIdentityPool({ sources: sources(forge!.githubUrl), identify: identifyGitHub({ cache }) });
      return createGitHubClient({ pool, baseUrl: forge!.githubUrl, cache, perPage: 10 });
    };
    await collect(make().listRepositories('bigco'));
    const holder = forge.requests.find((r) => r.path === '/orgs/bigco/repos?type=all&per_page=10')!.identity!;
    forge.setBudget(holder, { remaining: 0 });
    const mark = forge.requests.length;
    expect(await collect(make().listRepositories('bigco'))).toHaveLength(30);
    const page1 = forge.requests.slice(mark).filter((r) => r.path === '/orgs/bigco/repos?type=all&per_page=10');
    expect(page1).toHaveLength(1);
    expect(page1[0]).toMatchObject({ status: 200 });
    expect(page1[0]!.identity).not.toBe(holder);
  });

  it('after a secondary limit the request waits Retry-After, and that identity sends nothing until then', async () => {
    forge = await startForgeServer({ seed: bigSeed(300), identities: three(), latencyMs: 20 });
    const pool = createIdentityPool({ sources: sources(forge.githubUrl), identify: identifyGitHub() });
    const waits: WaitEvent[] = [];
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 10, pageWindow: 4, cache: false, onWait: (e) => waits.push(e) });
    await github.getAuthenticatedUser(); // identify all three first
    forge.injectFault({ kind: 'secondary', retryAfterSeconds: 2, match: { path: /[?&]page=3(&|$)/ } });

    expect(await collect(github.listRepositories('bigco'))).toHaveLength(300);
    const page3 = forge.requests.filter((r) => /\/orgs\/bigco\/repos.*[?&]page=3(&|$)/.test(r.path));
    expect(page3.map((r) => r.status)).toEqual([403, 200]);
    const hitAt = page3[0]!.at;
    expect(page3[1]!.at - hitAt).toBeGreaterThanOrEqual(1950);
    // The identity that hit the limit stayed quiet (requests already in flight may finish).
    const quiet = forge.requests.filter((r) => r.identity === page3[0]!.identity && r.at > hitAt + 200 && r.at < hitAt + 1900);
    expect(quiet).toEqual([]);
    // The other identities went on with the listing meanwhile.
    expect(forge.requests.filter((r) => r.at > hitAt && r.at < hitAt + 1900 && r.status === 200).length).toBeGreaterThan(0);
    expect(waits.some((w) => w.reason === 'secondary-rate-limit' && w.until - hitAt >= 1900)).toBe(true);
  });

  it('tells onWait what it waits for and until when when every identity is out of budget', async () => {
    forge = await startForgeServer({ seed: bigSeed(5), identities: three() });
    const resetAt = Math.floor(Date.now() / 1000) + 3;
    for (const login of ['alice', 'bob', 'carol']) forge.setBudget(login, { remaining: 1, resetAt });
    const pool = createIdentityPool({ sources: sources(forge.githubUrl), identify: identifyGitHub() });
    const waits: WaitEvent[] = [];
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, cache: false, onWait: (e) => waits.push(e) });
    const started = Date.now();
    expect((await github.getRepository('bigco/repo-0001')).name).toBe('repo-0001');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ provider: 'github', reason: 'rate-limit', resource: 'core' });
    expect(Math.abs(waits[0]!.until - resetAt * 1000)).toBeLessThanOrEqual(1000);
    expect(forge.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  it('tells onWait about a wait without a pool too', async () => {
    forge = await startForgeServer({ seed: bigSeed(5), identities: [{ token: TOKENS.alice, login: 'alice' }] });
    const resetAt = Math.floor(Date.now() / 1000) + 2;
    forge.setBudget('alice', { remaining: 0, resetAt });
    const waits: WaitEvent[] = [];
    const github = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache: false, onWait: (e) => waits.push(e) });
    expect((await github.getRepository('bigco/repo-0001')).name).toBe('repo-0001');
    expect(waits).toEqual([expect.objectContaining({ provider: 'github', reason: 'rate-limit', resource: 'core' })]);
    expect(waits[0]!.until).toBeGreaterThanOrEqual(resetAt * 1000);
    expect(waits[0]!.url).toMatch(/\/repos\/bigco\/repo-0001$/);
  });
});

describe('GitLab client with an identity pool', () => {
  it('spreads a group listing over identities and stays within their budgets', async () => {
    forge = await startForgeServer({
      seed: { ...bigSeed(0), groups: [{ path: 'bigco/sub' }], repos: bigSeed(200).repos!.map((r, i) => ({ ...r, owner: i % 2 ? 'bigco' : 'bigco/sub' })) },
      identities: [
        { token: TOKENS.aliceLab, login: 'alice', provider: 'gitlab', limit: 15 },
        { token: TOKENS.bobLab, login: 'bob', provider: 'gitlab', limit: 15 },
      ],
    });
    const pool = createIdentityPool({ sources: sources(forge.gitlabUrl, 'gitlab'), identify: identifyGitLab(), whenExhausted: 'fail' });
    const gitlab = createGitLabClient({ pool, baseUrl: forge.gitlabUrl, perPage: 10 });
    const repos = await collect(gitlab.listRepositories('bigco'));
    expect(repos).toHaveLength(200);
    expect(forge.requests.filter((r) => r.status >= 400)).toEqual([]);
    const used = ['alice', 'bob'].map((login) => forge!.budget(login, { provider: 'gitlab' }).used);
    expect(used[0]! + used[1]!).toBe(2 + 1 + 20); // identify x2, group lookup, 20 pages
    for (const u of used) expect(u).toBeLessThanOrEqual(15);
  });
});
