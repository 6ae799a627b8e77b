import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import {
  AuthError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  ProviderError,
  RateLimitError,
  SecondaryRateLimitError,
  ServerError,
  ValidationError,
  collect,
  createGitHubClient,
  createGitLabClient,
  isProviderError,
} from '../src/index.js';
import type { RequestEvent } from '../src/index.js';
import { TOKENS, assertNoSecret, githubIdentities, gitlabIdentities, rejection, smallSeed } from './helpers.js';

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({ seed: smallSeed(), identities: [...githubIdentities(), ...gitlabIdentities()] });
});
afterAll(async () => forge.close());
beforeEach(() => {
  forge.clearFaults();
  forge.requests.length = 0;
});

const fastRetry = { minDelayMs: 5, maxDelayMs: 20 };
const github = (token: string = TOKENS.alice, extra: Parameters<typeof createGitHubClient>[0] = {}) =>
  createGitHubClient({ token, baseUrl: forge.githubUrl, retry: fastRetry, cache: false, ...extra });
const gitlab = (token: string = TOKENS.aliceLab) =>
  createGitLabClient({ token, baseUrl: forge.gitlabUrl, retry: fastRetry, cache: false });

describe('typed errors', () => {
  it('404 -> NotFoundError with status, provider and the request id', async () => {
    const error = await rejection(github().getRepository('acme/nope'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'NotFoundError', code: 'GITFLEET_PROVIDER_NOT_FOUND', status: 404, provider: 'github' });
    expect((error as NotFoundError).requestId).toBe(forge.requests.at(-1)!.requestId);
    expect((error as Error).message).toContain('Not Found');
    const lab = await rejection(gitlab().getRepository('acme/nope'));
    expect(lab).toMatchObject({ code: 'GITFLEET_PROVIDER_NOT_FOUND', provider: 'gitlab', requestId: forge.requests.at(-1)!.requestId });
    expect((lab as Error).message).toContain('404 Project Not Found');
    // A private repository is a 404 for an outsider, as on GitHub.
    expect(await rejection(github(TOKENS.dave).getRepository('acme/secret'))).toBeInstanceOf(NotFoundError);
  });

  it('401 -> AuthError; 403 -> ForbiddenError; 422 -> ValidationError', async () => {
    const wrong = 'ghp_wrongWRONGwrongWRONGwrong00000000';
    const auth = await rejection(github(wrong).getAuthenticatedUser());
    expect(auth).toBeInstanceOf(AuthError);
    expect(auth).toMatchObject({ code: 'GITFLEET_PROVIDER_AUTH', status: 401 });
    assertNoSecret(auth, [wrong]);
    const forbidden = await rejection(github(TOKENS.app).getAuthenticatedUser());
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect((forbidden as Error).message).toContain('Resource not accessible by integration');
    forge.injectFault({ kind: 'status', status: 422 });
    expect(await rejection(github().getRepository('acme/web'))).toBeInstanceOf(ValidationError);
    expect((await rejection(gitlab('glpat-wrongwrongwrongwrong0').getAuthenticatedUser()))).toMatchObject({ code: 'GITFLEET_PROVIDER_AUTH', provider: 'gitlab' });
  });

  it('retries 5xx with backoff, then gives up with ServerError', async () => {
    forge.injectFault({ kind: 'status', status: 502, times: 2 });
    expect((await github().getRepository('acme/web')).name).toBe('web');
    expect(forge.requests.map((r) => r.status)).toEqual([502, 502, 200]);

    forge.requests.length = 0;
    forge.injectFault({ kind: 'status', status: 500, times: 10 });
    const error = await rejection(github(TOKENS.alice, { retry: { ...fastRetry, retries: 2 } }).getRepository('acme/web'));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_SERVER', status: 500 });
    expect(forge.requests).toHaveLength(3);
    expect((error as ServerError).requestId).toBe(forge.requests.at(-1)!.requestId);
  });

  it('retries dropped connections; NetworkError when they persist, with a sanitized cause', async () => {
    forge.injectFault({ kind: 'drop', times: 1 });
    expect((await gitlab().getRepository('acme/web')).fullName).toBe('acme/web');
    forge.injectFault({ kind: 'drop', times: 1 });
    expect((await github().getRepository('acme/web')).fullName).toBe('acme/web');

    forge.injectFault({ kind: 'drop', times: 4 });
    const error = await rejection(github().getRepository('acme/web'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_NETWORK', provider: 'github' });
    const cause = (error as Error).cause as Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(cause['request']).toBeUndefined(); // octokit's RequestError (with request headers) is not kept
    expect(cause['response']).toBeUndefined();
    assertNoSecret(error);
  });

  it('a response slower than timeoutMs is a NetworkError (after retries)', async () => {
    forge.injectFault({ kind: 'delay', ms: 1500, times: 2 });
    const error = await rejection(github(TOKENS.alice, { timeoutMs: 200, retry: { ...fastRetry, retries: 1 } }).getRepository('acme/web'));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('no response within 200 ms');
    // The server still finishes both slow answers; let them land before the next test.
    for (let i = 0; i < 100 && forge.requests.length < 2; i++) await sleep(50);
    expect(forge.requests.map((r) => r.fault)).toEqual(['delay', 'delay']);
  });

  it('NetworkError when nothing listens', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    blocker.close();
    const error = await rejection(
      createGitLabClient({ token: TOKENS.aliceLab, baseUrl: `http://127.0.0.1:${port}/api/v4`, retry: { ...fastRetry, retries: 1 } }).getAuthenticatedUser(),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED|connect/i);
    assertNoSecret(error);
  });

  it('honours Retry-After on a secondary limit (token mode), or throws SecondaryRateLimitError past maxRateLimitWaitMs', async () => {
    forge.injectFault({ kind: 'secondary', retryAfterSeconds: 1, status: 429 });
    expect((await github().getRepository('acme/web')).name).toBe('web');
    const [limited, ok] = forge.requests;
    expect([limited!.status, ok!.status]).toEqual([429, 200]);
    expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(950);

    forge.injectFault({ kind: 'secondary', retryAfterSeconds: 120 });
    const error = await rejection(github().getRepository('acme/web'));
    expect(error).toBeInstanceOf(SecondaryRateLimitError);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_SECONDARY_RATE_LIMIT', status: 403, retryAfter: 120_000 });
    assertNoSecret(error);
  });

  it('GitLab 429 with Retry-After is waited out', async () => {
    forge.injectFault({ kind: 'secondary', retryAfterSeconds: 1, match: { provider: 'gitlab' } });
    expect((await gitlab().getRepository('acme/web')).name).toBe('web');
    expect(forge.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('primary limit exhausted without a pool -> RateLimitError with resetAt from x-ratelimit-reset', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 1800;
    forge.setBudget('carol', { remaining: 0, resetAt });
    try {
      const error = await rejection(github(TOKENS.carol).getRepository('acme/web'));
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).not.toBeInstanceOf(SecondaryRateLimitError);
      expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_RATE_LIMIT', status: 403, resetAt: resetAt * 1000 });
      expect((error as RateLimitError).retryAfter).toBeGreaterThan(1_700_000);
      expect(forge.requests).toHaveLength(1); // half an hour is past maxRateLimitWaitMs: no retry
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'RateLimitError', resetAt: resetAt * 1000 });
    } finally {
      forge.setBudget('carol', { remaining: 5000 });
    }
  });

  it('never lets a token into messages, JSON, stacks, causes or request events', async () => {
    const events: RequestEvent[] = [];
    const client = github(TOKENS.bob, { onRequest: (e) => events.push(e), retry: { ...fastRetry, retries: 0 } });
    const errors: unknown[] = [];
    forge.injectFault({ kind: 'drop' });
    errors.push(await rejection(client.getRepository('acme/web')));
    forge.injectFault({ kind: 'status', status: 503 });
    errors.push(await rejection(client.getRepository('acme/web')));
    errors.push(await rejection(client.getRepository('acme/missing')));
    forge.revokeToken(TOKENS.dave);
    errors.push(await rejection(github(TOKENS.dave).getRepository('acme/web')));
    errors.push(await rejection(collect(client.listIssues('bad-name'))));
    for (const error of errors) {
      expect(isProviderError(error)).toBe(true);
      assertNoSecret(error);
    }
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(events)).not.toContain(TOKENS.bob);
    expect(forge.requests.every((r) => !JSON.stringify(r).includes('SECRET'))).toBe(true);
  });
});
