// Real recorded GitHub traffic (@octokit/fixtures) replayed by a local server: the client's models
// and pagination must work on genuine payloads, and the forge server's payloads must carry every
// field the recorded ones do.
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createGitHubClient } from '../src/index.js';
import { TOKENS, smallSeed } from './helpers.js';

interface Recorded {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  response: unknown;
}

const root = join(dirname(createRequire(import.meta.url).resolve('@octokit/fixtures/package.json')), 'scenarios', 'api.github.com');
const scenario = async (name: string): Promise<Recorded[]> =>
  JSON.parse(await readFile(join(root, name, 'normalized-fixture.json'), 'utf8')) as Recorded[];

let replay: Server;
let baseUrl: string;
const served: string[] = [];

beforeAll(async () => {
  const recorded = (
    await Promise.all(['get-repository', 'paginate-issues', 'add-and-remove-repository-collaborator', 'get-organization'].map(scenario))
  )
    .flat()
    .filter((r) => r.method === 'get');
  replay = createServer((req, res) => {
    // Match on path + page: the client sends its own per_page/state parameters.
    const url = new URL(req.url ?? '/', 'http://x');
    const page = url.searchParams.get('page') ?? '1';
    const hit = recorded.find((r) => {
      const rec = new URL(r.path, 'http://x');
      return rec.pathname === url.pathname && (rec.searchParams.get('page') ?? '1') === page;
    });
    served.push(`${url.pathname}?page=${page}`);
    if (!hit) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const headers = { ...hit.headers };
    if (headers['link']) headers['link'] = headers['link'].replaceAll('https://api.github.com', baseUrl);
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    res.writeHead(hit.status, headers).end(JSON.stringify(hit.response));
  });
  replay.listen(0, '127.0.0.1');
  await once(replay, 'listening');
  baseUrl = `http://127.0.0.1:${(replay.address() as AddressInfo).port}`;
});
afterAll(() => {
  replay.close();
  replay.closeAllConnections();
});

describe('@octokit/fixtures replayed', () => {
  it('maps a recorded repository', async () => {
    const repo = await createGitHubClient({ token: TOKENS.alice, baseUrl, cache: false }).getRepository('octokit-fixture-org/hello-world');
    expect(repo).toMatchObject({
      provider: 'github',
      id: 1000,
      fullName: 'octokit-fixture-org/hello-world',
      owner: 'octokit-fixture-org',
      defaultBranch: 'master',
      cloneUrl: 'https://github.com/octokit-fixture-org/hello-world.git',
      private: false,
      stars: 42,
      sizeKb: 0,
    });
    expect(repo.topics.length).toBeGreaterThan(0);
  });

  it('paginates recorded issues through the real Link headers (/repositories/{id} pages), in order', async () => {
    served.length = 0;
    const issues = await collect(
      createGitHubClient({ token: TOKENS.alice, baseUrl, cache: false, perPage: 3 }).listIssues('octokit-fixture-org/paginate-issues'),
    );
    expect(issues.map((i) => i.number)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(issues[0]).toMatchObject({ state: 'open', author: expect.any(String) as string });
    expect(served).toEqual([
      '/repos/octokit-fixture-org/paginate-issues/issues?page=1',
      ...[2, 3, 4, 5].map((n) => `/repositories/1000/issues?page=${n}`),
    ]);
  });

  it('maps recorded collaborators with their permissions', async () => {
    const members = await collect(
      createGitHubClient({ token: TOKENS.alice, baseUrl, cache: false }).listMembers('octokit-fixture-org/add-and-remove-repository-collaborator'),
    );
    expect(members[0]).toMatchObject({ login: 'octokit-fixture-user-a', permission: 'admin' });
  });

  it('the forge server sends every field the recorded payloads have', async () => {
    await using forge = await startForgeServer({ seed: smallSeed(), identities: [{ token: TOKENS.alice, login: 'alice' }] });
    const get = async (path: string): Promise<unknown> =>
      (await fetch(`${forge.githubUrl}${path}`, { headers: { authorization: `token ${TOKENS.alice}` } })).json();
    const missing = (recorded: unknown, ours: unknown, at = ''): string[] => {
      if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return [];
      if (typeof ours !== 'object' || ours === null) return [at || '(root)'];
      return Object.entries(recorded).flatMap(([key, value]) =>
        key in ours ? (key === 'owner' || key === 'user' ? missing(value, (ours as Record<string, unknown>)[key], `${at}${key}.`) : []) : [`${at}${key}`],
      );
    };
    const repo = (await scenario('get-repository'))[0]!.response as Record<string, unknown>;
    expect(missing(repo, await get('/repos/acme/web'))).toEqual([]);
    const issue = ((await scenario('paginate-issues'))[0]!.response as unknown[])[0];
    expect(missing(issue, ((await get('/repos/acme/web/issues?state=all')) as unknown[])[0])).toEqual([]);
    const collaborator = ((await scenario('add-and-remove-repository-collaborator')).find((r) => r.path.endsWith('/collaborators'))!
      .response as unknown[])[0];
    expect(missing(collaborator, ((await get('/repos/acme/web/collaborators')) as unknown[])[0])).toEqual([]);
    const org = (await scenario('get-organization'))[0]!.response as Record<string, unknown>;
    // GitHub shows these only to organization owners (the recording used an owner token).
    const orgOptional = new Set([
      'total_private_repos', 'owned_private_repos', 'private_gists', 'disk_usage', 'collaborators', 'billing_email',
      'plan', 'default_repository_permission', 'members_can_create_repositories', 'two_factor_requirement_enabled',
      'members_allowed_repository_creation_type', 'members_can_create_public_repositories',
      'members_can_create_private_repositories', 'members_can_create_internal_repositories',
      'members_can_create_pages', 'members_can_fork_private_repositories', 'web_commit_signoff_required',
      'members_can_create_public_pages', 'members_can_create_private_pages',
      'advanced_security_enabled_for_new_repositories', 'dependabot_alerts_enabled_for_new_repositories',
      'dependabot_security_updates_enabled_for_new_repositories', 'dependency_graph_enabled_for_new_repositories',
      'secret_scanning_enabled_for_new_repositories', 'secret_scanning_push_protection_enabled_for_new_repositories',
      'secret_scanning_push_protection_custom_link_enabled', 'secret_scanning_push_protection_custom_link',
      'secret_scanning_validity_checks_enabled', 'deploy_keys_enabled_for_repositories',
    ]);
    expect(missing(org, await get('/orgs/acme')).filter((k) => !orgOptional.has(k))).toEqual([]);
  });
});
