import { join } from 'node:path';
import { createTempDir, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type GitFleet } from '../src/index.js';

const GITHUB_TOKEN = 'ghp_sdkforgeAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const GITLAB_TOKEN = 'glpat-sdkforgeBBBBBBBBBBBB2';

let forge: ForgeServer;
let home: TempDir;
beforeAll(async () => {
  home = await createTempDir('gitfleet-sdk-forge-');
  forge = await startForgeServer({
    seed: {
      orgs: [{ login: 'acme', members: ['ada'] }, { login: 'lab', members: ['ada'] }],
      groups: [{ path: 'lab/platform' }],
      repos: [
        ...Array.from({ length: 7 }, (_, i) => ({ owner: 'acme', name: `svc-${String(i)}` })),
        { owner: 'acme', name: 'api', issues: 12, pulls: 5, private: true, branches: ['main', 'next'], contributors: [{ login: 'ada', contributions: 40 }, { login: 'bob', contributions: 2 }] },
        { owner: 'lab', name: 'tools' },
        { owner: 'lab/platform', name: 'runner', issues: 3 },
      ],
    },
    identities: [
      { token: GITHUB_TOKEN, login: 'ada', limit: 1000 },
      { token: GITLAB_TOKEN, login: 'ada', provider: 'gitlab' },
    ],
  });
});
afterAll(async () => {
  await forge?.close();
  await home?.cleanup();
});

function gitfleet(cache: string | false = false): GitFleet {
  return createGitFleet({
    env: { GITHUB_API_URL: forge.githubUrl, GITLAB_API_URL: forge.gitlabUrl, GITHUB_TOKEN, GITLAB_TOKEN, GITFLEET_CREDENTIALS_FILE: join(home.path, 'none.enc') },
    cache,
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('GitFleet: providers', () => {
  it('lists an org (private repositories included), a GitLab group with its subgroups, and details in listing order', async () => {
    const gf = gitfleet();
    try {
      const listed = await collect(gf.repositories('github:acme'));
      expect(listed.map((r) => r.fullName).sort()).toEqual(['acme/api', ...Array.from({ length: 7 }, (_, i) => `acme/svc-${String(i)}`)].sort());
      expect(listed.find((r) => r.fullName === 'acme/api')?.private).toBe(true);
      expect((await collect(gf.repositories('gitlab:lab'))).map((r) => r.fullName).sort()).toEqual(['lab/platform/runner', 'lab/tools']);

      const mark = forge.requests.length;
      const detailed = await collect(gf.repositories('github:acme', { details: true, limit: 3 }));
      expect(detailed.map((r) => r.fullName)).toEqual(listed.slice(0, 3).map((r) => r.fullName));
      expect(forge.requests.slice(mark).filter((r) => /^\/repos\/acme\/[^/]+$/.test(r.path))).toHaveLength(3);
    } finally {
      await gf.close();
    }
  });

  it('hands out a repository in full, its issues, pull requests and contributors, on GitHub and GitLab', async () => {
    const gf = gitfleet();
    try {
      const api = await gf.repository('github:acme/api');
      expect(api).toMatchObject({ fullName: 'acme/api', provider: 'github', private: true });
      expect(await collect(gf.issues('github:acme/api', { state: 'all' }))).toHaveLength(12);
      const pulls = await collect(gf.pullRequests('github:acme/api', { state: 'all' }));
      expect(pulls).toHaveLength(5);
      expect(pulls.every((p) => typeof p.sourceBranch === 'string')).toBe(true);
      expect((await collect(gf.contributors('github:acme/api'))).map((c) => [c.login, c.contributions])).toEqual([
        ['ada', 40],
        ['bob', 2],
      ]);
      expect((await gf.repository('gitlab:lab/platform/runner')).provider).toBe('gitlab');
      expect(await collect(gf.issues('gitlab:lab/platform/runner', { state: 'all' }))).toHaveLength(3);
      // The client behind the shortcuts, for the rest: the same object every time.
      const github = await gf.provider('github');
      expect(await gf.provider('github')).toBe(github);
      expect((await github.getAuthenticatedUser()).login).toBe('ada');
      expect((await collect(github.listBranches('acme/api'))).map((b) => b.name)).toEqual(['main', 'next']);
    } finally {
      await gf.close();
    }
  });

  it('answers a repeated listing from the shared HTTP cache: the second GitFleet spends no quota', async () => {
    const cache = join(home.path, 'cache');
    const list = async (): Promise<string[]> => {
      const gf = gitfleet(cache);
      try {
        return (await collect(gf.repositories('github:acme'))).map((r) => r.fullName);
      } finally {
        await gf.close();
      }
    };
    const first = await list();
    const spent = forge.budget('ada').used;
    expect(await list()).toEqual(first);
    expect(forge.budget('ada').used).toBe(spent);
  });

  it('says in one line what to write for a bad target, before any request', async () => {
    const gf = gitfleet();
    try {
      const mark = forge.requests.length;
      expect(() => gf.repositories('acme')).toThrow(expect.objectContaining({ code: 'GITFLEET_SESSION_INVALID_OPTION', message: "'acme' names no provider: write github:acme or gitlab:acme" }));
      expect(() => gf.issues('github:acme')).toThrow(expect.objectContaining({ code: 'GITFLEET_SESSION_INVALID_OPTION' }));
      await expect(gf.repository('acme/api')).rejects.toMatchObject({ code: 'GITFLEET_SESSION_INVALID_OPTION' });
      expect(() => gf.provider('bitbucket' as 'github')).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_INVALID_OPTION' }));
      expect(forge.requests.length).toBe(mark);
    } finally {
      await gf.close();
    }
  });

  it('a missing repository is a typed error without the token', async () => {
    const gf = gitfleet();
    try {
      const error = await gf.repository('github:acme/nope').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GITFLEET_PROVIDER_NOT_FOUND' });
      expect(JSON.stringify(error) + String(error)).not.toContain(GITHUB_TOKEN);
    } finally {
      await gf.close();
    }
  });
});
