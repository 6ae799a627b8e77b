import type { ForgePermission } from './types.js';
import type { Caller, RouteRequest, RouteResult } from './routes.js';
import { latest } from './routes.js';
import * as shape from './github-shapes.js';
import type { GitHubUrls } from './github-shapes.js';
import type { World, WorldAccount, WorldPull, WorldRepo } from './world.js';

const DOCS = 'https://docs.github.com/rest';
export const githubError = (status: number, message: string): RouteResult => ({
  status,
  body: { message, documentation_url: DOCS, status: String(status) },
});
const notFound = (): RouteResult => githubError(404, 'Not Found');

/** Answers one GitHub REST request from the world; `undefined` for an unknown route (404). */
export function githubRoute(world: World, urls: GitHubUrls, req: RouteRequest): RouteResult | undefined {
  if (req.method !== 'GET') return githubError(405, 'Method not allowed by the gitfleet forge server');
  const { caller, query } = req;
  const seg = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const owner = (login: string): WorldAccount => world.ensureUser(login);
  const permission = (r: WorldRepo): ForgePermission => permissionOf(world, r, caller.login);
  const repoPayload = (r: WorldRepo): Record<string, unknown> => shape.minimalRepository(r, owner(r.owner), permission(r), urls);
  const visible = (repos: WorldRepo[]): WorldRepo[] => repos.filter((r) => world.canSee(r, caller.login));
  const repoList = (repos: WorldRepo[]): RouteResult => ({
    status: 200,
    items: repos,
    render: repoPayload,
    lastModified: latest(repos.map((r) => r.updatedAt)),
  });

  if (seg.length === 1 && seg[0] === 'user') {
    if (caller.login === null) return githubError(401, 'Requires authentication');
    if (caller.kind === 'installation') return githubError(403, 'Resource not accessible by integration');
    const me = owner(caller.login);
    const mine = world.repos.filter((r) => r.owner === me.login);
    return { status: 200, body: shape.privateUser(me, mine.filter((r) => !r.private).length, mine.filter((r) => r.private).length, urls) };
  }
  if (seg.length === 2 && seg[0] === 'user' && seg[1] === 'repos') {
    if (caller.login === null) return githubError(401, 'Requires authentication');
    const login = caller.login;
    return repoList(
      world.repos.filter((r) => r.owner === login || world.isMember(r.owner, login) || r.collaborators.some((c) => c.login === login)),
    );
  }
  if (seg[0] === 'users' && seg.length >= 2) {
    const account = world.accounts.get(seg[1]!);
    if (!account) return notFound();
    const publicRepos = world.repos.filter((r) => r.owner === account.login && !r.private);
    if (seg.length === 2) return { status: 200, body: shape.publicUser(account, publicRepos.length, urls) };
    if (seg.length === 3 && seg[2] === 'repos') return repoList(publicRepos);
    return undefined;
  }
  if (seg[0] === 'orgs' && seg.length >= 2) {
    const org = world.accounts.get(seg[1]!);
    if (!org || org.type !== 'Organization') return notFound();
    const repos = world.repos.filter((r) => r.owner === org.login);
    if (seg.length === 2) return { status: 200, body: shape.organization(org, repos.filter((r) => !r.private).length, urls) };
    if (seg.length === 3 && seg[2] === 'repos') {
      const type = query.get('type') ?? 'all';
      const filtered = visible(repos).filter((r) => (type === 'public' ? !r.private : type === 'private' ? r.private : true));
      return repoList(filtered);
    }
    return undefined;
  }
  if (seg[0] === 'repositories' && seg.length >= 2) {
    // GitHub's pagination links sometimes use /repositories/{id}/...; map them to the repo route.
    const repo = world.repoById(Number(seg[1]));
    if (!repo || !world.canSee(repo, caller.login)) return notFound();
    return githubRoute(world, urls, { ...req, path: ['', 'repos', repo.owner, repo.name, ...seg.slice(2)].join('/') });
  }
  if (seg[0] === 'repos' && seg.length >= 3) {
    const repo = world.repo(`${seg[1]}/${seg[2]}`);
    if (!repo || !world.canSee(repo, caller.login)) return notFound();
    return repoRoute(world, urls, repo, seg.slice(3), query, caller, repoPayload);
  }
  if (seg.length === 2 && seg[0] === 'search' && seg[1] === 'repositories') {
    const q = (query.get('q') ?? '').toLowerCase();
    if (!q) return githubError(422, 'Validation Failed');
    const terms = q.split(/\s+/).filter((t) => !t.includes(':'));
    const orgs = q.split(/\s+/).filter((t) => t.startsWith('org:') || t.startsWith('user:')).map((t) => t.split(':')[1]);
    const hits = visible(world.repos).filter(
      (r) => terms.every((t) => r.name.toLowerCase().includes(t)) && (orgs.length === 0 || orgs.includes(r.owner.toLowerCase())),
    );
    // The search API wraps items; the server paginates `items` and rebuilds the wrapper.
    return { status: 200, items: hits, render: repoPayload, headers: { 'x-forge-wrap': 'search' } };
  }
  return undefined;
}

function repoRoute(
  world: World,
  urls: GitHubUrls,
  repo: WorldRepo,
  rest: string[],
  query: URLSearchParams,
  caller: Caller,
  repoPayload: (r: WorldRepo) => Record<string, unknown>,
): RouteResult | undefined {
  const account = (login: string): WorldAccount => world.ensureUser(login);
  const stateFilter = (state: 'open' | 'closed'): boolean => {
    const wanted = query.get('state') ?? 'open';
    return wanted === 'all' || wanted === state;
  };
  if (rest.length === 0) {
    return {
      status: 200,
      body: shape.fullRepository(repo, account(repo.owner), permissionOf(world, repo, caller.login), urls),
      lastModified: repo.updatedAt,
    };
  }
  if (rest.length === 1) {
    switch (rest[0]) {
      case 'contributors':
        return { status: 200, items: repo.contributors.map((c) => shape.contributor(account(c.login), c.contributions, urls)), lastModified: repo.pushedAt };
      case 'branches': {
        const onlyProtected = query.get('protected');
        const branches = repo.branches.filter((b) => onlyProtected === null || String(b.protected) === onlyProtected);
        return { status: 200, items: branches.map((b) => shape.shortBranch(repo, b.name, b.sha, b.protected, urls)), lastModified: repo.pushedAt };
      }
      case 'collaborators': {
        const people = [
          ...(world.accounts.get(repo.owner)?.type === 'User' ? [{ login: repo.owner, permission: 'admin' as const }] : []),
          ...repo.collaborators,
        ];
        return { status: 200, items: people.map((c) => shape.collaborator(account(c.login), c.permission, urls)), lastModified: repo.updatedAt };
      }
      case 'issues': {
        // Like GitHub, the issues endpoint lists pull requests too (they carry `pull_request`).
        const entries = [
          ...repo.issues.map((i) => ({ item: i, pull: undefined })),
          ...repo.pulls.map((p) => ({ item: p, pull: p })),
        ]
          .filter((e) => stateFilter(e.item.state))
          .sort((a, b) => b.item.number - a.item.number);
        return {
          status: 200,
          items: entries,
          render: (e: (typeof entries)[number]) => shape.issue(repo, e.item, account(e.item.author), urls, e.pull),
          lastModified: latest(entries.map((e) => e.item.updatedAt)) ?? repo.updatedAt,
        };
      }
      case 'pulls': {
        const pulls = repo.pulls.filter((p) => stateFilter(p.state)).sort((a, b) => b.number - a.number);
        const payload = repoPayload(repo);
        return {
          status: 200,
          items: pulls,
          render: (p: WorldPull) => shape.pullRequestSimple(repo, p, account(p.author), account(repo.owner), payload, urls),
          lastModified: latest(pulls.map((p) => p.updatedAt)) ?? repo.updatedAt,
        };
      }
    }
  }
  return undefined;
}

function permissionOf(world: World, repo: WorldRepo, login: string | null): ForgePermission {
  if (login === null) return 'read';
  if (repo.owner === login || world.isMember(repo.owner, login)) return 'admin';
  return repo.collaborators.find((c) => c.login === login)?.permission ?? 'read';
}

/** Builds `GET /rate_limit` from the caller's budgets. */
export function rateLimitBody(budgets: Record<string, { limit: number; remaining: number; used: number; resetAt: number }>): unknown {
  const resources = Object.fromEntries(
    Object.entries(budgets).map(([name, b]) => [name, { limit: b.limit, used: b.used, remaining: b.remaining, reset: b.resetAt }]),
  );
  return { resources, rate: resources['core'] };
}
