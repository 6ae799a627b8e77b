// Payload builders shaped like the GitLab REST API v4 docs (users, namespaces, groups, projects,
// branches, contributors, members, issues, merge requests, personal access tokens).
// See https://docs.gitlab.com/api/rest/.
import type { ForgePermission } from './types.js';
import type { WorldAccount, WorldGroup, WorldItem, WorldPull, WorldRepo } from './world.js';

/** GitLab access levels: guest 10, reporter 20, developer 30, maintainer 40, owner 50. */
export const ACCESS_LEVEL: Record<ForgePermission, number> = { read: 10, triage: 20, write: 30, maintain: 40, admin: 50 };

/** User namespaces get ids apart from group ids. */
export const userNamespaceId = (u: WorldAccount): number => 100_000 + u.id;

export function basicUser(u: WorldAccount, web: string): Record<string, unknown> {
  return {
    id: u.id,
    username: u.login,
    name: u.name,
    state: 'active',
    locked: false,
    avatar_url: `${web}/uploads/-/system/user/avatar/${u.id}/avatar.png`,
    web_url: `${web}/${u.login}`,
  };
}

export function currentUser(u: WorldAccount, web: string): Record<string, unknown> {
  return {
    ...basicUser(u, web),
    created_at: u.createdAt,
    bio: '',
    location: '',
    public_email: null,
    skype: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: false,
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
    last_sign_in_at: u.createdAt,
    confirmed_at: u.createdAt,
    last_activity_on: u.createdAt.slice(0, 10),
    email: u.email,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: u.createdAt,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: true,
    external: false,
    private_profile: false,
    commit_email: u.email,
  };
}

export function groupNamespace(g: WorldGroup, web: string): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    path: g.path,
    kind: 'group',
    full_path: g.fullPath,
    parent_id: g.parentId,
    avatar_url: null,
    web_url: `${web}/groups/${g.fullPath}`,
  };
}

export function userNamespace(u: WorldAccount, web: string): Record<string, unknown> {
  return {
    id: userNamespaceId(u),
    name: u.name,
    path: u.login,
    kind: 'user',
    full_path: u.login,
    parent_id: null,
    avatar_url: null,
    web_url: `${web}/${u.login}`,
  };
}

export function group(g: WorldGroup, web: string): Record<string, unknown> {
  return {
    id: g.id,
    web_url: `${web}/groups/${g.fullPath}`,
    name: g.name,
    path: g.path,
    description: '',
    visibility: 'public',
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: g.fullPath.split('/').join(' / '),
    full_path: g.fullPath,
    created_at: g.createdAt,
    parent_id: g.parentId,
    organization_id: 1,
    shared_runners_setting: 'enabled',
    ldap_cn: null,
    ldap_access: null,
    wiki_access_level: 'enabled',
  };
}

export function project(
  r: WorldRepo,
  namespace: Record<string, unknown>,
  owner: WorldAccount | undefined,
  web: string,
  api: string,
): Record<string, unknown> {
  const host = new URL(web).host;
  const openIssues = r.issues.filter((i) => i.state === 'open').length;
  return {
    id: r.id,
    description: r.description,
    name: r.name,
    name_with_namespace: `${String(namespace['name'])} / ${r.name}`,
    path: r.name,
    path_with_namespace: r.fullName,
    created_at: r.createdAt,
    default_branch: r.defaultBranch,
    tag_list: ['gitfleet'],
    topics: ['gitfleet'],
    ssh_url_to_repo: `git@${host}:${r.fullName}.git`,
    http_url_to_repo: `${web}/${r.fullName}.git`,
    web_url: `${web}/${r.fullName}`,
    readme_url: `${web}/${r.fullName}/-/blob/${r.defaultBranch}/README.md`,
    forks_count: 0,
    avatar_url: null,
    star_count: r.contributors.length,
    last_activity_at: r.updatedAt,
    namespace,
    ...(owner ? { owner: { ...basicUser(owner, web), created_at: owner.createdAt } } : {}),
    container_registry_image_prefix: `registry.${host}/${r.fullName}`,
    _links: {
      self: `${api}/projects/${r.id}`,
      issues: `${api}/projects/${r.id}/issues`,
      merge_requests: `${api}/projects/${r.id}/merge_requests`,
      repo_branches: `${api}/projects/${r.id}/repository/branches`,
      labels: `${api}/projects/${r.id}/labels`,
      events: `${api}/projects/${r.id}/events`,
      members: `${api}/projects/${r.id}/members`,
      cluster_agents: `${api}/projects/${r.id}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: false,
    archived: false,
    visibility: r.private ? 'private' : 'public',
    resolve_outdated_diff_discussions: false,
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    issues_access_level: 'enabled',
    repository_access_level: 'enabled',
    merge_requests_access_level: 'enabled',
    creator_id: owner?.id ?? 1,
    import_status: 'none',
    open_issues_count: openIssues,
    updated_at: r.updatedAt,
    public_jobs: true,
    shared_with_groups: [],
    only_allow_merge_if_pipeline_succeeds: false,
    request_access_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
  };
}

function commit(r: WorldRepo, sha: string, web: string): Record<string, unknown> {
  return {
    id: sha,
    short_id: sha.slice(0, 8),
    created_at: r.pushedAt,
    parent_ids: [],
    title: `Update ${r.name}`,
    message: `Update ${r.name}\n`,
    author_name: 'Fleet Bot',
    author_email: 'bot@example.test',
    authored_date: r.pushedAt,
    committer_name: 'Fleet Bot',
    committer_email: 'bot@example.test',
    committed_date: r.pushedAt,
    trailers: {},
    extended_trailers: {},
    web_url: `${web}/${r.fullName}/-/commit/${sha}`,
  };
}

export function branch(r: WorldRepo, name: string, sha: string, isProtected: boolean, web: string): Record<string, unknown> {
  return {
    name,
    commit: commit(r, sha, web),
    merged: false,
    protected: isProtected,
    developers_can_push: false,
    developers_can_merge: false,
    can_push: true,
    default: name === r.defaultBranch,
    web_url: `${web}/${r.fullName}/-/tree/${name}`,
  };
}

export function contributor(u: WorldAccount, commits: number): Record<string, unknown> {
  return { name: u.name, email: u.email, commits, additions: commits * 10, deletions: commits * 3 };
}

export function member(u: WorldAccount, permission: ForgePermission, web: string): Record<string, unknown> {
  return {
    ...basicUser(u, web),
    access_level: ACCESS_LEVEL[permission],
    created_at: u.createdAt,
    created_by: null,
    expires_at: null,
    group_saml_identity: null,
    membership_state: 'active',
  };
}

const timeStats = { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null };

export function issue(r: WorldRepo, item: WorldItem, author: WorldAccount, web: string, api: string): Record<string, unknown> {
  return {
    id: r.id * 10_000 + item.number,
    iid: item.number,
    project_id: r.id,
    title: item.title,
    description: item.body,
    state: item.state === 'open' ? 'opened' : 'closed',
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    closed_at: item.closedAt,
    closed_by: item.state === 'closed' ? basicUser(author, web) : null,
    labels: item.labels,
    milestone: null,
    assignees: [],
    author: basicUser(author, web),
    type: 'ISSUE',
    assignee: null,
    user_notes_count: item.number % 3,
    merge_requests_count: 0,
    upvotes: 0,
    downvotes: 0,
    due_date: null,
    confidential: false,
    discussion_locked: null,
    issue_type: 'issue',
    web_url: `${web}/${r.fullName}/-/issues/${item.number}`,
    time_stats: timeStats,
    task_completion_status: { count: 0, completed_count: 0 },
    has_tasks: false,
    _links: {
      self: `${api}/projects/${r.id}/issues/${item.number}`,
      notes: `${api}/projects/${r.id}/issues/${item.number}/notes`,
      award_emoji: `${api}/projects/${r.id}/issues/${item.number}/award_emoji`,
      project: `${api}/projects/${r.id}`,
      closed_as_duplicate_of: null,
    },
    references: { short: `#${item.number}`, relative: `#${item.number}`, full: `${r.fullName}#${item.number}` },
    severity: 'UNKNOWN',
    moved_to_id: null,
    service_desk_reply_to: null,
  };
}

export function mergeRequest(r: WorldRepo, mr: WorldPull, iid: number, author: WorldAccount, web: string): Record<string, unknown> {
  const state = mr.merged ? 'merged' : mr.state === 'open' ? 'opened' : 'closed';
  return {
    id: r.id * 10_000 + mr.number,
    iid,
    project_id: r.id,
    title: mr.draft ? `Draft: ${mr.title}` : mr.title,
    description: mr.body,
    state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_by: mr.merged ? basicUser(author, web) : null,
    merge_user: mr.merged ? basicUser(author, web) : null,
    merged_at: mr.mergedAt,
    closed_by: state === 'closed' ? basicUser(author, web) : null,
    closed_at: state === 'closed' ? mr.closedAt : null,
    target_branch: mr.base,
    source_branch: mr.head,
    user_notes_count: 0,
    upvotes: 0,
    downvotes: 0,
    author: basicUser(author, web),
    assignees: [],
    assignee: null,
    reviewers: [],
    source_project_id: r.id,
    target_project_id: r.id,
    labels: mr.labels,
    draft: mr.draft,
    work_in_progress: mr.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: state === 'opened' ? 'mergeable' : 'not_open',
    sha: mr.sha,
    merge_commit_sha: mr.merged ? mr.sha : null,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: false,
    prepared_at: mr.createdAt,
    reference: `!${iid}`,
    references: { short: `!${iid}`, relative: `!${iid}`, full: `${r.fullName}!${iid}` },
    web_url: `${web}/${r.fullName}/-/merge_requests/${iid}`,
    time_stats: timeStats,
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
  };
}

export function personalAccessToken(id: number, userId: number, scopes: string[], createdAt: string): Record<string, unknown> {
  return {
    id,
    name: `token-${id}`,
    revoked: false,
    created_at: createdAt,
    description: null,
    scopes,
    user_id: userId,
    last_used_at: createdAt,
    active: true,
    expires_at: '2099-01-01',
  };
}
