import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createGitLabClient, NotFoundError } from '../src/index.js';
import { TOKENS, gitlabIdentities, rejection, smallSeed } from './helpers.js';

let forge: ForgeServer;
beforeAll(async () => {
  forge = await startForgeServer({ seed: smallSeed(), identities: gitlabIdentities() });
});
afterAll(async () => forge.close());

const client = (token: string = TOKENS.aliceLab) => createGitLabClient({ token, baseUrl: forge.gitlabUrl });

describe('GitLab client against the forge server', () => {
  it('reads the authenticated user', async () => {
    expect(await client().getAuthenticatedUser()).toMatchObject({ provider: 'gitlab', login: 'alice', name: 'Alice A.' });
  });

  it('lists a group with its subgroups (include_subgroups=true)', async () => {
    const repos = await collect(client().listRepositories('acme'));
    expect(repos.map((r) => r.fullName).sort()).toEqual(['acme/platform/api', 'acme/platform/tools/cli', 'acme/secret', 'acme/web']);
    expect(repos.find((r) => r.name === 'cli')).toMatchObject({ owner: 'acme/platform/tools', private: true });
    expect(forge.requests.some((r) => r.provider === 'gitlab' && r.path.includes('/groups/acme/projects?include_subgroups=true'))).toBe(true);
    // A subgroup by its full path.
    const platform = await collect(client().listRepositories('acme/platform'));
    expect(platform.map((r) => r.fullName).sort()).toEqual(['acme/platform/api', 'acme/platform/tools/cli']);
  });

  it('hides private projects from anonymous callers and lists a user namespace', async () => {
    const anonymous = createGitLabClient({ baseUrl: forge.gitlabUrl });
    const repos = await collect(anonymous.listRepositories('acme'));
    expect(repos.map((r) => r.fullName).sort()).toEqual(['acme/platform/api', 'acme/web']);
    const mine = await collect(client().listRepositories('alice'));
    expect(mine.map((r) => r.fullName)).toEqual(['alice/dotfiles']);
    expect(await rejection(collect(client().listRepositories('nobody')))).toBeInstanceOf(NotFoundError);
  });

  it('maps project details, contributors, branches and inherited members', async () => {
    const lab = client();
    const project = await lab.getRepository('acme/platform/api');
    expect(project).toMatchObject({ fullName: 'acme/platform/api', owner: 'acme/platform', name: 'api', defaultBranch: 'main' });
    expect(project.raw['path_with_namespace']).toBe('acme/platform/api');
    const contributors = await collect(lab.listContributors('acme/web'));
    expect(contributors.map((c) => [c.name, c.email, c.contributions])).toEqual([
      ['Alice A.', 'alice@example.test', 40],
      ['bob', 'bob@example.test', 12],
    ]);
    const branches = await collect(lab.listBranches('acme/web'));
    expect(branches.map((b) => [b.name, b.protected])).toEqual([
      ['main', true],
      ['dev', false],
      ['release', true],
    ]);
    const members = await collect(lab.listMembers('acme/web'));
    expect(members.map((m) => [m.login, m.permission])).toEqual([
      ['dave', 'triage'],
      ['alice', 'admin'],
      ['bob', 'admin'],
      ['carol', 'admin'],
    ]);
  });

  it('filters issues and merge requests by state', async () => {
    const lab = client();
    expect((await collect(lab.listIssues('acme/web'))).map((i) => i.number)).toEqual([7, 5, 4, 2, 1]);
    expect((await collect(lab.listIssues('acme/web', { state: 'closed' }))).map((i) => i.state)).toEqual(['closed', 'closed']);
    expect(await collect(lab.listIssues('acme/web', { state: 'all' }))).toHaveLength(7);

    const open = await collect(lab.listPullRequests('acme/web'));
    expect(open.map((m) => m.number)).toEqual([7, 6, 3, 2]);
    // "closed" = closed + merged, like GitHub.
    const closed = await collect(lab.listPullRequests('acme/web', { state: 'closed' }));
    expect(closed.map((m) => [m.number, m.state])).toEqual([
      [5, 'closed'],
      [1, 'closed'],
      [8, 'merged'],
      [4, 'merged'],
    ]);
    const all = await collect(lab.listPullRequests('acme/web', { state: 'all' }));
    expect(all).toHaveLength(8);
    expect(all.find((m) => m.number === 5)).toMatchObject({ draft: true, sourceBranch: 'feature-5', targetBranch: 'main' });
  });

  it('reads RateLimit-* headers and validates tokens with their scopes', async () => {
    const status = await client().getRateLimit();
    expect(status.resources).toEqual([expect.objectContaining({ resource: 'gitlab', limit: 2000 })]);
    expect(status.resources[0]!.remaining).toBe(forge.budget('alice', { provider: 'gitlab' }).remaining);
    expect(await client().validateCredentials()).toEqual({
      provider: 'gitlab',
      valid: true,
      login: 'alice',
      kind: 'user',
      scopes: ['read_api', 'read_repository'],
      expiresAt: '2099-01-01',
    });
    expect(await client('glpat-wrongwrongwrongwrong0').validateCredentials()).toEqual({ provider: 'gitlab', valid: false });
  });

  it('takes the base URL from GITLAB_API_URL', async () => {
    const lab = createGitLabClient({ token: TOKENS.bobLab, env: { GITLAB_API_URL: forge.gitlabUrl } });
    expect((await lab.getAuthenticatedUser()).login).toBe('bob');
    expect(createGitLabClient({ env: {} }).baseUrl).toBe('https://gitlab.com/api/v4');
  });
});
