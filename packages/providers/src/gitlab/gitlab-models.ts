// Maps GitLab REST v4 payloads (users, projects, contributors, branches, members, issues,
// merge requests) to the normalized models. https://docs.gitlab.com/api/rest/
import type { Branch, Contributor, Issue, Member, Permission, PullRequest, Repository, User } from '../models.js';
import { arr, bool, isObject, num, obj, str, strings } from '../json.js';
import type { Json } from '../json.js';

const provider = 'gitlab' as const;
const username = (value: unknown): string | null => (isObject(value) ? str(value, 'username') : null);

export function toUser(raw: Json): User {
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    login: str(raw, 'username') ?? '',
    name: str(raw, 'name'),
    email: str(raw, 'email') ?? str(raw, 'public_email'),
    avatarUrl: str(raw, 'avatar_url'),
    webUrl: str(raw, 'web_url'),
    type: bool(raw, 'bot') ? 'Bot' : 'User',
    raw,
  };
}

export function toRepository(raw: Json): Repository {
  const visibility = str(raw, 'visibility');
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    name: str(raw, 'path') ?? str(raw, 'name') ?? '',
    fullName: str(raw, 'path_with_namespace') ?? '',
    owner: str(obj(raw, 'namespace'), 'full_path') ?? '',
    description: str(raw, 'description'),
    defaultBranch: str(raw, 'default_branch'),
    private: visibility !== 'public',
    visibility: visibility === 'internal' || visibility === 'public' ? visibility : 'private',
    fork: isObject(raw['forked_from_project']),
    archived: bool(raw, 'archived'),
    cloneUrl: str(raw, 'http_url_to_repo') ?? '',
    sshUrl: str(raw, 'ssh_url_to_repo'),
    webUrl: str(raw, 'web_url') ?? '',
    language: null,
    stars: num(raw, 'star_count') ?? 0,
    forks: num(raw, 'forks_count') ?? 0,
    sizeKb: null,
    openIssues: num(raw, 'open_issues_count'),
    topics: strings(raw['topics'] ?? raw['tag_list']),
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at') ?? str(raw, 'last_activity_at'),
    pushedAt: str(raw, 'last_activity_at'),
    raw,
  };
}

export function toContributor(raw: Json): Contributor {
  return {
    provider,
    login: null,
    id: null,
    name: str(raw, 'name'),
    email: str(raw, 'email'),
    contributions: num(raw, 'commits') ?? 0,
    avatarUrl: null,
    raw,
  };
}

export function toBranch(raw: Json): Branch {
  const commitSha = str(obj(raw, 'commit'), 'id') ?? '';
  return { provider, name: str(raw, 'name') ?? '', commitSha, protected: bool(raw, 'protected'), raw };
}

/** GitLab access levels: guest 10, planner 15, reporter 20, developer 30, maintainer 40, owner 50. */
export function permissionOf(accessLevel: number): Permission {
  if (accessLevel >= 50) return 'admin';
  if (accessLevel >= 40) return 'maintain';
  if (accessLevel >= 30) return 'write';
  if (accessLevel >= 20) return 'triage';
  return 'read';
}

export function toMember(raw: Json): Member {
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    login: str(raw, 'username') ?? '',
    name: str(raw, 'name'),
    avatarUrl: str(raw, 'avatar_url'),
    permission: permissionOf(num(raw, 'access_level') ?? 0),
    raw,
  };
}

export function toIssue(raw: Json): Issue {
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    number: num(raw, 'iid') ?? 0,
    title: str(raw, 'title') ?? '',
    body: str(raw, 'description'),
    state: str(raw, 'state') === 'opened' ? 'open' : 'closed',
    author: username(raw['author']),
    labels: strings(raw['labels']),
    assignees: arr(raw['assignees']).flatMap((a) => (str(a, 'username') ? [str(a, 'username')!] : [])),
    comments: num(raw, 'user_notes_count') ?? 0,
    webUrl: str(raw, 'web_url') ?? '',
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at') ?? '',
    closedAt: str(raw, 'closed_at'),
    raw,
  };
}

export function toPullRequest(raw: Json): PullRequest {
  const state = str(raw, 'state');
  return {
    provider,
    id: num(raw, 'id') ?? 0,
    number: num(raw, 'iid') ?? 0,
    title: str(raw, 'title') ?? '',
    body: str(raw, 'description'),
    // `locked` is a transient state of an open merge request.
    state: state === 'merged' ? 'merged' : state === 'closed' ? 'closed' : 'open',
    draft: bool(raw, 'draft') || bool(raw, 'work_in_progress'),
    author: username(raw['author']),
    labels: strings(raw['labels']),
    sourceBranch: str(raw, 'source_branch') ?? '',
    targetBranch: str(raw, 'target_branch') ?? '',
    webUrl: str(raw, 'web_url') ?? '',
    createdAt: str(raw, 'created_at') ?? '',
    updatedAt: str(raw, 'updated_at') ?? '',
    closedAt: str(raw, 'closed_at') ?? (state === 'merged' ? str(raw, 'merged_at') : null),
    mergedAt: str(raw, 'merged_at'),
    raw,
  };
}
