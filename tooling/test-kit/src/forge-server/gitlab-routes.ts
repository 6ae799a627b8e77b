import type { ForgePermission } from './types.js';
import type { RouteRequest, RouteResult } from './routes.js';
import { latest } from './routes.js';
import * as shape from './gitlab-shapes.js';
import type { World, WorldGroup, WorldItem, WorldRepo } from './world.js';

export const gitlabError = (status: number, message: string): RouteResult => ({ status, body: { message } });
const notFound = (what: string): RouteResult => gitlabError(404, `404 ${what} Not Found`);

export interface GitLabUrls {
  api: string;
  web: string;
}

/** Answers one GitLab REST v4 request from the world; `undefined` for an unknown route (404). */
export function gitlabRoute(world: World, urls: GitLabUrls, req: RouteRequest, patId: number): RouteResult | undefined {
  if (req.method !== 'GET') return gitlabError(405, '405 Method Not Allowed');
  const { caller, query } = req;
  // Split before decoding: a URL-encoded project path (`acme%2Fweb`) stays one segment.
  const seg = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const { web, api } = urls;
  const visible = (repos: WorldRepo[]): WorldRepo[] => repos.filter((r) => world.canSee(r, caller.login));
  const projectList = (repos: WorldRepo[], keyset = false): RouteResult => ({
    status: 200,
    items: repos,
    render: (r: WorldRepo) => projectPayload(world, r, web, api),
    lastModified: latest(repos.map((r) => r.updatedAt)),
    // GitLab offers keyset pagination on /projects and /users/:id/projects, not on a group's projects
    // (https://docs.gitlab.com/api/rest/#supported-resources).
    keyset,
  });

  if (seg.length === 1 && seg[0] === 'user') {
    if (caller.login === null) return gitlabError(401, '401 Unauthorized');
    return { status: 200, body: shape.currentUser(world.ensureUser(caller.login), web) };
  }
  if (seg.length === 2 && seg[0] === 'personal_access_tokens' && seg[1] === 'self') {
    if (caller.login === null) return gitlabError(401, '401 Unauthorized');
    const me = world.ensureUser(caller.login);
    return { status: 200, body: shape.personalAccessToken(patId, me.id, caller.scopes, me.createdAt) };
  }
  if (seg.length === 2 && seg[0] === 'namespaces') {
    const group = findGroup(world, seg[1]!);
    if (group) return { status: 200, body: shape.groupNamespace(group, web) };
    const user = [...world.accounts.values()].find(
      (u) => u.type === 'User' && (u.login === seg[1] || String(shape.userNamespaceId(u)) === seg[1]),
    );
    return user ? { status: 200, body: shape.userNamespace(user, web) } : notFound('Namespace');
  }
  if (seg.length === 1 && seg[0] === 'users') {
    const username = query.get('username');
    const users = [...world.accounts.values()].filter((u) => u.type === 'User' && (username === null || u.login === username));
    return { status: 200, items: users.map((u) => shape.basicUser(u, web)) };
  }
  if (seg.length === 3 && seg[0] === 'users' && seg[2] === 'projects') {
    const user = [...world.accounts.values()].find((u) => u.type === 'User' && (u.login === seg[1] || String(u.id) === seg[1]));
    if (!user) return notFound('User');
    return projectList(visible(world.repos.filter((r) => r.owner === user.login)), true);
  }
  if (seg.length === 1 && seg[0] === 'projects') return projectList(visible(world.repos), true);
  if (seg[0] === 'groups' && seg.length >= 2) {
    const group = findGroup(world, seg[1]!);
    if (!group) return notFound('Group');
    if (seg.length === 2) return { status: 200, body: shape.group(group, web) };
    if (seg.length === 3 && seg[2] === 'projects') {
      return projectList(visible(world.groupRepos(group.fullPath, query.get('include_subgroups') === 'true')));
    }
    if (seg.length === 3 && seg[2] === 'subgroups') {
      const children = [...world.groups.values()].filter((g) => g.parentId === group.id);
      return { status: 200, items: children.map((g) => shape.group(g, web)) };
    }
    return undefined;
  }
  if (seg[0] === 'projects' && seg.length >= 2) {
    const id = seg[1]!;
    const repo = /^\d+$/.test(id) ? world.repoById(Number(id)) : world.repo(id);
    if (!repo || !world.canSee(repo, caller.login)) return notFound('Project');
    return projectRoute(world, urls, repo, seg.slice(2), query);
  }
  return undefined;
}

function findGroup(world: World, id: string): WorldGroup | undefined {
  return /^\d+$/.test(id) ? world.groupById(Number(id)) : world.groups.get(id);
}

function projectPayload(world: World, r: WorldRepo, web: string, api: string): Record<string, unknown> {
  const group = world.groups.get(r.owner);
  const user = world.accounts.get(r.owner);
  const namespace = group ? shape.groupNamespace(group, web) : shape.userNamespace(world.ensureUser(r.owner), web);
  return shape.project(r, namespace, group ? undefined : user, web, api);
}

function projectRoute(world: World, urls: GitLabUrls, repo: WorldRepo, rest: string[], query: URLSearchParams): RouteResult | undefined {
  const { web, api } = urls;
  const account = (login: string) => world.ensureUser(login);
  const wantedState = query.get('state') ?? 'all';
  if (rest.length === 0) return { status: 200, body: projectPayload(world, repo, web, api), lastModified: repo.updatedAt };
  const path = rest.join('/');
  switch (path) {
    case 'repository/contributors':
      return { status: 200, items: repo.contributors.map((c) => shape.contributor(account(c.login), c.contributions)), lastModified: repo.pushedAt };
    case 'repository/branches':
      return { status: 200, items: repo.branches.map((b) => shape.branch(repo, b.name, b.sha, b.protected, web)), lastModified: repo.pushedAt };
    case 'members':
    case 'members/all': {
      const direct: Array<{ login: string; permission: ForgePermission }> = [
        ...(world.accounts.get(repo.owner)?.type === 'User' ? [{ login: repo.owner, permission: 'admin' as const }] : []),
        ...repo.collaborators,
      ];
      const inherited = path === 'members/all' ? inheritedMembers(world, repo.owner).filter((l) => !direct.some((d) => d.login === l)) : [];
      const all = [...direct, ...inherited.map((login) => ({ login, permission: 'admin' as const }))];
      return { status: 200, items: all.map((m) => shape.member(account(m.login), m.permission, web)), lastModified: repo.updatedAt };
    }
    case 'issues': {
      const issues = repo.issues
        .filter((i) => wantedState === 'all' || (wantedState === 'opened' ? i.state === 'open' : i.state === 'closed'))
        .sort((a, b) => b.number - a.number);
      return {
        status: 200,
        items: issues,
        render: (i: WorldItem) => shape.issue(repo, i, account(i.author), web, api),
        lastModified: latest(issues.map((i) => i.updatedAt)) ?? repo.updatedAt,
      };
    }
    case 'merge_requests': {
      const mrs = repo.pulls
        .map((p, index) => ({ p, iid: index + 1, state: p.merged ? 'merged' : p.state === 'open' ? 'opened' : 'closed' }))
        .filter((m) => wantedState === 'all' || m.state === wantedState)
        .sort((a, b) => b.iid - a.iid);
      return {
        status: 200,
        items: mrs,
        render: (m: (typeof mrs)[number]) => shape.mergeRequest(repo, m.p, m.iid, account(m.p.author), web),
        lastModified: latest(mrs.map((m) => m.p.updatedAt)) ?? repo.updatedAt,
      };
    }
  }
  return undefined;
}

/** Members of the owning group and its ancestors. */
function inheritedMembers(world: World, ownerPath: string): string[] {
  const parts = ownerPath.split('/');
  const logins = new Set<string>();
  for (let i = parts.length; i > 0; i--) {
    for (const login of world.groups.get(parts.slice(0, i).join('/'))?.members ?? []) logins.add(login);
  }
  return [...logins];
}
