import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createGitHubClient } from '../src/index.js';
import { TOKENS, githubIdentities, smallSeed } from './helpers.js';

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({ seed: smallSeed(), identities: githubIdentities() });
});
afterAll(async () => forge.close());

const client = (token: string = TOKENS.alice) => createGitHubClient({ token, baseUrl: forge.githubUrl });

describe('GitHub client against the forge server', () => {
  it('reads the authenticated user', async () => {
    const user = await client().getAuthenticatedUser();
    expect(user).toMatchObject({ provider: 'github', login: 'alice', name: 'Alice A.', type: 'User' });
    expect(user.raw['login']).toBe('alice');
  });

  it('lists an org through /orgs/{org}/repos: private repos a member can see are included', async () => {
    const member = await collect(client().listRepositories('acme'));
    expect(member.map((r) => r.fullName).sort()).toEqual(['acme/secret', 'acme/web']);
    expect(member.find((r) => r.name === 'secret')).toMatchObject({ private: true, visibility: 'private' });
    const outsider = await collect(client(TOKENS.dave).listRepositories('acme'));
    expect(outsider.map((r) => r.fullName)).toEqual(['acme/web']);
    const paths = forge.requests.filter((r) => r.identity === 'alice').map((r) => r.path);
    expect(paths).toContain('/users/acme');
    expect(paths.some((p) => p.startsWith('/orgs/acme/repos?type=all'))).toBe(true);
  });

  it('lists a user through /users/{user}/repos', async () => {
    const repos = await collect(client().listRepositories('alice'));
    expect(repos.map((r) => r.fullName)).toEqual(['alice/dotfiles']);
  });

  it('maps repository details, contributors, branches and collaborators', async () => {
    const gh = client();
    const repo = await gh.getRepository('acme/web');
    expect(repo).toMatchObject({ fullName: 'acme/web', owner: 'acme', defaultBranch: 'main', private: false, fork: false });
    expect(repo.cloneUrl).toMatch(/\/acme\/web\.git$/);
    expect(repo.raw['full_name']).toBe('acme/web');

    const contributors = await collect(gh.listContributors('acme/web'));
    expect(contributors.map((c) => [c.login, c.contributions])).toEqual([
      ['alice', 40],
      ['bob', 12],
    ]);
    const branches = await collect(gh.listBranches('acme/web'));
    expect(branches.map((b) => [b.name, b.protected])).toEqual([
      ['main', true],
      ['dev', false],
      ['release', true],
    ]);
    expect(branches[0]!.commitSha).toMatch(/^[0-9a-f]{40}$/);
    const members = await collect(gh.listMembers('acme/web'));
    expect(members.map((m) => [m.login, m.permission])).toEqual([['dave', 'triage']]);
  });

  it('lists issues without pull requests, per state', async () => {
    const gh = client();
    // 7 issues (3, 6 closed) and 8 PRs share numbering on GitHub: issues are #1..#7.
    const open = await collect(gh.listIssues('acme/web'));
    expect(open.map((i) => i.number)).toEqual([7, 5, 4, 2, 1]);
    const closed = await collect(gh.listIssues('acme/web', { state: 'closed' }));
    expect(closed.map((i) => i.number)).toEqual([6, 3]);
    const all = await collect(gh.listIssues('acme/web', { state: 'all' }));
    expect(all).toHaveLength(7);
    expect(all.every((i) => i.raw['pull_request'] === undefined)).toBe(true);
    // The endpoint did return the PRs: they were filtered out client-side.
    const served = forge.requests.filter((r) => r.path.startsWith('/repos/acme/web/issues?state=all'));
    expect(served).toHaveLength(1);
  });

  it('lists pull requests per state, merged ones marked', async () => {
    const gh = client();
    const all = await collect(gh.listPullRequests('acme/web', { state: 'all' }));
    expect(all).toHaveLength(8);
    // PR n (1-based among PRs): n % 4 === 0 merged, n % 4 === 1 closed.
    const byState = (s: string) => all.filter((p) => p.state === s).map((p) => p.number).sort((a, b) => a - b);
    expect(byState('merged')).toEqual([11, 15]);
    expect(byState('closed')).toEqual([8, 12]);
    expect(byState('open')).toEqual([9, 10, 13, 14]);
    expect(all.find((p) => p.number === 11)).toMatchObject({ sourceBranch: 'feature-4', targetBranch: 'main' });
    const open = await collect(gh.listPullRequests('acme/web'));
    expect(open.map((p) => p.state)).toEqual(['open', 'open', 'open', 'open']);
    const closed = await collect(gh.listPullRequests('acme/web', { state: 'closed' }));
    expect(closed.map((p) => p.number).sort((a, b) => a - b)).toEqual([8, 11, 12, 15]);
  });

  it('reads rate limits (free) and validates credentials', async () => {
    const gh = client(TOKENS.bob);
    const before = forge.budget('bob').remaining;
    const status = await gh.getRateLimit();
    expect(status.resources.find((r) => r.resource === 'core')).toMatchObject({ limit: 5000, remaining: before });
    expect(forge.budget('bob').remaining).toBe(before);

    expect(await client(TOKENS.dave).validateCredentials()).toEqual({
      provider: 'github',
      valid: true,
      login: 'dave',
      kind: 'user',
      scopes: ['public_repo'],
    });
    expect(await client('ghp_notAToken000000000000000000000000').validateCredentials()).toEqual({ provider: 'github', valid: false });
    expect(await client(TOKENS.app).validateCredentials()).toEqual({ provider: 'github', valid: true, kind: 'installation' });
  });

  it('sends through a caller-supplied undici dispatcher', async () => {
    const agent = new Agent({ connections: 1 });
    try {
      const gh = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, dispatcher: agent });
      expect((await gh.getRepository('acme/web')).name).toBe('web');
    } finally {
      await agent.close();
    }
  });

  it('takes the base URL from GITHUB_API_URL, the explicit option winning', async () => {
    const fromEnv = createGitHubClient({ token: TOKENS.alice, env: { GITHUB_API_URL: `${forge.githubUrl}/` } });
    expect(fromEnv.baseUrl).toBe(forge.githubUrl);
    expect((await fromEnv.getAuthenticatedUser()).login).toBe('alice');
    const explicit = createGitHubClient({ baseUrl: 'https://ghe.example.test/api/v3', env: { GITHUB_API_URL: forge.githubUrl } });
    expect(explicit.baseUrl).toBe('https://ghe.example.test/api/v3');
    expect(createGitHubClient({ env: {} }).baseUrl).toBe('https://api.github.com');
  });
});
