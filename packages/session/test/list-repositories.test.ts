import { createGitHubClient, type ProviderClient } from '@gitfleet/providers';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRepositories } from '../src/list-repositories.js';

const TOKEN = 'ghp_listAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';

let forge: ForgeServer;
let github: ProviderClient;
beforeAll(async () => {
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: Array.from({ length: 12 }, (_, i) => ({ owner: 'acme', name: `r${String(i).padStart(2, '0')}` })) },
    identities: [{ token: TOKEN, login: 'alice' }],
  });
  github = createGitHubClient({ token: TOKEN, baseUrl: forge.githubUrl, cache: false, retry: { retries: 0 } });
});
afterAll(async () => {
  await forge?.close();
});

const detailRequests = (): string[] => forge.requests.filter((r) => /^\/repos\/acme\/r\d+$/.test(r.path)).map((r) => r.path);

describe('listRepositories', () => {
  it('lists in order; with details, fetches each in full in listing order and nothing past the limit', async () => {
    const names: string[] = [];
    for await (const repo of listRepositories(github, 'acme')) names.push(repo.fullName);
    expect(names).toHaveLength(12);

    const before = detailRequests().length;
    const detailed = [];
    for await (const repo of listRepositories(github, 'acme', { details: true, limit: 5, concurrency: 2 })) detailed.push(repo);
    expect(detailed.map((r) => r.fullName)).toEqual(names.slice(0, 5));
    expect(detailRequests().length - before).toBe(5);
  });

  it('a failed detail request rejects the listing with its typed error, never as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // r00 answers slowly while r03 fails at once: the failure settles before anyone awaits it.
      forge.injectFault({ kind: 'delay', ms: 400, match: { path: /^\/repos\/acme\/r00$/ } });
      forge.injectFault({ kind: 'status', status: 404, match: { path: /^\/repos\/acme\/r03$/ } });
      const seen: string[] = [];
      const run = async (): Promise<void> => {
        for await (const repo of listRepositories(github, 'acme', { details: true, concurrency: 4 })) seen.push(repo.fullName);
      };
      await expect(run()).rejects.toMatchObject({ code: 'GITFLEET_PROVIDER_NOT_FOUND' });
      expect(seen).toEqual(['acme/r00', 'acme/r01', 'acme/r02']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      forge.clearFaults();
    }
  });

  it('a consumer that stops early aborts the detail requests in flight', async () => {
    // One request in flight at a time: a detail request left running would hold it for 20 s.
    const narrow = createGitHubClient({ token: TOKEN, baseUrl: forge.githubUrl, cache: false, retry: { retries: 0 }, concurrency: 1 });
    forge.injectFault({ kind: 'delay', ms: 20_000, times: 10, match: { path: /^\/repos\/acme\/r(0[2-9]|1\d)$/ } });
    try {
      for await (const repo of listRepositories(narrow, 'acme', { details: true, concurrency: 2 })) {
        if (repo.fullName === 'acme/r00') break;
      }
      const started = Date.now();
      expect((await narrow.getRepository('acme/r01')).fullName).toBe('acme/r01');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      forge.clearFaults();
    }
  });
});
