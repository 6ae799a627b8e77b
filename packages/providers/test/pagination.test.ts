import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createGitHubClient, createGitLabClient } from '../src/index.js';
import { TOKENS, gitlabIdentities, rejection } from './helpers.js';

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({
    seed: {
      orgs: [{ login: 'acme', members: ['alice'] }],
      repos: Array.from({ length: 50 }, (_, i) => ({ owner: 'acme', name: `r${String(i).padStart(2, '0')}` })),
    },
    identities: [{ token: TOKENS.alice, login: 'alice' }, ...gitlabIdentities()],
  });
});
afterAll(async () => forge.close());
beforeEach(() => {
  forge.requests.length = 0;
});

const github = (pageWindow = 4) =>
  createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 5, pageWindow, cache: false });
const pagesServed = (prefix: string) => forge.requests.filter((r) => r.path.startsWith(prefix));

describe('pagination', () => {
  it('fetches pages 2..N concurrently once the last page is known, yielding in page order', async () => {
    // Page 2 is slow: with a window of 4, pages 3-5 finish before it.
    forge.injectFault({ kind: 'delay', ms: 400, match: { path: /\/orgs\/acme\/repos.*[?&]page=2(&|$)/ } });
    const names = (await collect(github(4).listRepositories('acme'))).map((r) => r.name);
    expect(names).toEqual(Array.from({ length: 50 }, (_, i) => `r${String(i).padStart(2, '0')}`));
    const order = pagesServed('/orgs/acme/repos').map((r) => Number(new URLSearchParams(r.path.split('?')[1]).get('page') ?? 1));
    expect(order).toHaveLength(10);
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(3));
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(5));
  });

  it('follows GitHub Link headers (per_page, page, rel="last")', async () => {
    await collect(github(1).listRepositories('acme'));
    const paths = pagesServed('/orgs/acme/repos').map((r) => r.path);
    expect(paths[0]).toBe('/orgs/acme/repos?type=all&per_page=5');
    expect(paths.slice(1)).toEqual(Array.from({ length: 9 }, (_, i) => `/orgs/acme/repos?type=all&per_page=5&page=${i + 2}`));
  });

  it('stops fetching on break: none past page 1 when it breaks there', async () => {
    for await (const repo of github(4).listRepositories('acme')) {
      expect(repo.name).toBe('r00');
      break;
    }
    await sleep(200);
    expect(pagesServed('/orgs/acme/repos')).toHaveLength(1);
  });

  it('stops fetching on break: later pages only as far as the window had reached', async () => {
    forge.setLatency(20);
    try {
      let seen = 0;
      for await (const _repo of github(2).listRepositories('acme')) {
        if (++seen === 12) break; // inside page 3
      }
      await sleep(300);
      const pages = pagesServed('/orgs/acme/repos').length;
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(pages).toBeLessThanOrEqual(5); // pages 1-3 plus at most the 2 of the window
      await sleep(200);
      expect(pagesServed('/orgs/acme/repos')).toHaveLength(pages);
    } finally {
      forge.setLatency(0);
    }
  });

  it('rejects with the abort reason and stops when the signal aborts', async () => {
    const controller = new AbortController();
    const error = await rejection(
      (async () => {
        let seen = 0;
        for await (const _repo of github(2).listRepositories('acme', { signal: controller.signal })) {
          if (++seen === 7) controller.abort();
        }
      })(),
    );
    expect((error as Error).name).toBe('AbortError');
    await sleep(200);
    expect(pagesServed('/orgs/acme/repos').length).toBeLessThanOrEqual(4);
  });

  it('uses GitLab x-total-pages to fetch concurrently, in order', async () => {
    forge.injectFault({ kind: 'delay', ms: 300, match: { provider: 'gitlab', path: /[?&]page=2(&|$)/ } });
    const gitlab = createGitLabClient({ token: TOKENS.aliceLab, baseUrl: forge.gitlabUrl, perPage: 7, pageWindow: 3, cache: false });
    const names = (await collect(gitlab.listRepositories('acme'))).map((r) => r.name);
    expect(names).toHaveLength(50);
    expect(names).toEqual([...names].sort());
    const pages = forge.requests.filter((r) => r.path.startsWith('/groups/acme/projects'));
    expect(pages).toHaveLength(8);
    const order = pages.map((r) => new URLSearchParams(r.path.split('?')[1]).get('page') ?? '1');
    expect(order.indexOf('2')).toBeGreaterThan(order.indexOf('3')); // page 2 was slow, 3 went alongside
    expect(pages[0]!.path).toBe('/groups/acme/projects?include_subgroups=true&order_by=id&sort=asc&per_page=7');
  });

  it('stops a rel="next" chain that points back to a page already fetched, with a clear error', async () => {
    forge.injectFault({ kind: 'link', next: 'first', times: 50, match: { path: '/orgs/acme/repos' } });
    try {
      const error = await rejection(collect(github().listRepositories('acme')));
      expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_PAGINATION', provider: 'github' });
      expect((error as Error).message).toMatch(/links back to .*already fetched/);
      expect(pagesServed('/orgs/acme/repos')).toHaveLength(1);
    } finally {
      forge.clearFaults();
    }
  });

  it('stops an endless rel="next" chain at maxPages when the server announced no count', async () => {
    forge.injectFault({ kind: 'link', next: 'endless', times: 200, match: { path: '/orgs/acme/repos' } });
    try {
      // 50 repositories in pages of 5: pages 1-10 hold items, later ones are empty yet link on.
      const capped = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, perPage: 5, cache: false, maxPages: 6 });
      const error = await rejection(collect(capped.listRepositories('acme')));
      expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_PAGINATION' });
      expect((error as Error).message).toMatch(/after 6 pages \(maxPages 6\)/);
      expect(pagesServed('/orgs/acme/repos')).toHaveLength(6);

      forge.requests.length = 0;
      const empty = await rejection(collect(github(4).listRepositories('acme')));
      expect(empty).toMatchObject({ code: 'GITFLEET_PROVIDER_PAGINATION' });
      expect((empty as Error).message).toMatch(/page 11 is empty but links a next page/);
      expect(pagesServed('/orgs/acme/repos').length).toBeLessThanOrEqual(11 + 4); // at most a window past it
    } finally {
      forge.clearFaults();
    }
  });

  it('stops a rel="next" chain that runs past the item count the server announced', async () => {
    // GitLab keeps x-total (50 items = 8 pages of 7) while the links never end.
    forge.injectFault({ kind: 'link', next: 'endless', times: 200, match: { provider: 'gitlab', path: '/groups/acme/projects' } });
    try {
      const gitlab = createGitLabClient({ token: TOKENS.aliceLab, baseUrl: forge.gitlabUrl, perPage: 7, cache: false });
      const error = await rejection(collect(gitlab.listRepositories('acme')));
      expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_PAGINATION', provider: 'gitlab' });
      expect((error as Error).message).toMatch(/announced 8 pages/);
      expect(forge.requests.filter((r) => r.path.startsWith('/groups/acme/projects')).length).toBeLessThanOrEqual(9 + 4);
    } finally {
      forge.clearFaults();
    }
  });
});

describe('GitLab listings beyond 10,000 items and keyset pagination', () => {
  let big: ForgeServer;
  beforeAll(async () => {
    big = await startForgeServer({
      seed: {
        orgs: [{ login: 'huge', members: ['alice'] }],
        users: [{ login: 'maker' }],
        repos: [
          ...Array.from({ length: 10_050 }, (_, i) => ({ owner: 'huge', name: `p${String(i).padStart(5, '0')}` })),
          ...Array.from({ length: 250 }, (_, i) => ({ owner: 'maker', name: `m${String(i).padStart(3, '0')}` })),
        ],
      },
      identities: gitlabIdentities(),
    });
  });
  afterAll(async () => big.close());
  const lab = () => createGitLabClient({ token: TOKENS.aliceLab, baseUrl: big.gitlabUrl, cache: false, pageWindow: 4 });

  it('lists a group of 10,050 projects (no page count from GitLab) several pages at a time, in order', async () => {
    big.injectFault({ kind: 'delay', ms: 400, match: { provider: 'gitlab', path: /\/groups\/huge\/projects.*[?&]page=2(&|$)/ } });
    const names = (await collect(lab().listRepositories('huge'))).map((r) => r.name);
    expect(names).toHaveLength(10_050);
    expect(names).toEqual([...names].sort());
    const pages = big.requests.filter((r) => r.path.startsWith('/groups/huge/projects'));
    const order = pages.map((r) => Number(new URLSearchParams(r.path.split('?')[1]).get('page') ?? 1));
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(3)); // page 3 went while the slow page 2 was out
    expect(pages.length).toBeLessThanOrEqual(101 + 3); // 101 pages, at most a window of empty ones past the end
  });

  it("uses keyset pagination (order_by=id) for a user's projects", async () => {
    const mark = big.requests.length;
    const names = (await collect(lab().listRepositories('maker'))).map((r) => r.name);
    expect(names).toEqual(Array.from({ length: 250 }, (_, i) => `m${String(i).padStart(3, '0')}`));
    const pages = big.requests.slice(mark).filter((r) => r.path.startsWith('/users/maker/projects'));
    expect(pages.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(pages[0]!.path).toMatch(/[?&]pagination=keyset&/);
    expect(pages[0]!.path).toMatch(/order_by=id&sort=asc/);
    expect(pages[1]!.path).toMatch(/[?&]id_after=\d+/);
  });
});
