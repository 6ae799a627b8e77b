// Maps GitHub REST payloads (OpenAPI: simple-user, repository, contributor, short-branch,
// collaborator, issue, pull-request-simple, rate-limit-overview) to the normalized models.
import type { Branch, Contributor, Issue, Member, Permission, PullRequest, RateLimitStatus, Repository, User } from '../models.js';
import { arr, bool, isObject, num, obj, str, strings } from '../json.js';
import type { Json } from '../json.js';

const provider = 'github' as const;
const login = (value: unknown): string | null => (isObject(value) ? str(value, 'login') : null);

export function toUser(raw: Json): User {
  const type = str(raw, 'type');
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    login: str(raw, 'login') ?? '',
    name: str(raw, 'name'),
    email: str(raw, 'email'),
    avatarUrl: str(raw, 'avatar_url'),
    webUrl: str(raw, 'html_url'),
    type: type === 'Organization' || type === 'Bot' ? type : 'User',
    raw,
  };
}

export function toRepository(raw: Json): Repository {
  const isPrivate = bool(raw, 'private');
  const visibility = str(raw, 'visibility');
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    name: str(raw, 'name') ?? '',
    fullName: str(raw, 'full_name') ?? '',
    owner: login(raw['owner']) ?? '',
    description: str(raw, 'description'),
    defaultBranch: str(raw, 'default_branch'),
    private: isPrivate,
    visibility:
      visibility === 'internal' || visibility === 'private' || visibility === 'public' ? visibility : isPrivate ? 'private' : 'public',
    fork: bool(raw, 'fork'),
    archived: bool(raw, 'archived'),
    cloneUrl: str(raw, 'clone_url') ?? '',
    sshUrl: str(raw, 'ssh_url'),
    webUrl: str(raw, 'html_url') ?? '',
    language: str(raw, 'language'),
    stars: num(raw, 'stargazers_count') ?? 0,
    forks: num(raw, 'forks_count') ?? 0,
    sizeKb: num(raw, 'size'),
    openIssues: num(raw, 'open_issues_count'),
    topics: strings(raw['topics']),
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at'),
    pushedAt: str(raw, 'pushed_at'),
    raw,
  };
}

export function toContributor(raw: Json): Contributor {
  // Anonymous contributors (anon=1) have `type: "Anonymous"`, a name and an email but no login.
  return {
    provider,
    login: str(raw, 'login'),
    id: num(raw, 'id'),
    name: str(raw, 'name'),
    email: str(raw, 'email'),
    contributions: num(raw, 'contributions') ?? 0,
    avatarUrl: str(raw, 'avatar_url'),
    raw,
  };
}

export function toBranch(raw: Json): Branch {
  const commitSha = str(obj(raw, 'commit'), 'sha') ?? '';
  return { provider, name: str(raw, 'name') ?? '', commitSha, protected: bool(raw, 'protected'), raw };
}

export function toMember(raw: Json): Member {
  const p = obj(raw, 'permissions');
  const permission: Permission = bool(p, 'admin')
    ? 'admin'
    : bool(p, 'maintain')
      ? 'maintain'
      : bool(p, 'push')
        ? 'write'
        : bool(p, 'triage')
          ? 'triage'
          : 'read';
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    login: str(raw, 'login') ?? '',
    name: str(raw, 'name'),
    avatarUrl: str(raw, 'avatar_url'),
    permission,
    raw,
  };
}

const labelNames = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap((l) => (typeof l === 'string' ? [l] : isObject(l) && str(l, 'name') ? [str(l, 'name')!] : [])) : [];

/** True for entries of the issues endpoint that are pull requests. */
export const isPullRequestIssue = (raw: Json): boolean => raw['pull_request'] !== undefined;

export function toIssue(raw: Json): Issue {
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    number: num(raw, 'number') ?? 0,
    title: str(raw, 'title') ?? '',
    body: str(raw, 'body'),
    state: str(raw, 'state') === 'closed' ? 'closed' : 'open',
    author: login(raw['user']),
    labels: labelNames(raw['labels']),
    assignees: arr(raw['assignees']).flatMap((a) => (str(a, 'login') ? [str(a, 'login')!] : [])),
    comments: num(raw, 'comments') ?? 0,
    webUrl: str(raw, 'html_url') ?? '',
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at') ?? '',
    closedAt: str(raw, 'closed_at'),
    raw,
  };
}

export function toPullRequest(raw: Json): PullRequest {
  const mergedAt = str(raw, 'merged_at');
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    number: num(raw, 'number') ?? 0,
    title: str(raw, 'title') ?? '',
    body: str(raw, 'body'),
    state: mergedAt ? 'merged' : str(raw, 'state') === 'closed' ? 'closed' : 'open',
    draft: bool(raw, 'draft'),
    author: login(raw['user']),
    labels: labelNames(raw['labels']),
    sourceBranch: str(obj(raw, 'head'), 'ref') ?? '',
    targetBranch: str(obj(raw, 'base'), 'ref') ?? '',
    webUrl: str(raw, 'html_url') ?? '',
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at') ?? '',
    closedAt: str(raw, 'closed_at'),
    mergedAt,
    raw,
  };
}

export function toRateLimitStatus(raw: Json): RateLimitStatus {
  const resources = Object.entries(obj(raw, 'resources')).flatMap(([resource, value]) => {
    if (!isObject(value)) return [];
    const limit = num(value, 'limit');
    const remaining = num(value, 'remaining');
    const reset = num(value, 'reset');
    if (limit === null || remaining === null || reset === null) return [];
    return [{ resource, limit, remaining, resetAt: reset * 1000, used: num(value, 'used') ?? limit - remaining }];
  });
  return { provider, resources, raw };
}
