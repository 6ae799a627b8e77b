// Payload builders shaped like the GitHub REST OpenAPI schemas (simple-user, minimal-repository,
// full-repository, issue, pull-request-simple, contributor, short-branch, collaborator,
// rate-limit-overview). See https://github.com/github/rest-api-description.
import type { ForgePermission } from './types.js';
import type { WorldAccount, WorldItem, WorldPull, WorldRepo } from './world.js';

export interface GitHubUrls {
  /** API base, e.g. http://127.0.0.1:PORT/api/v3 */
  api: string;
  /** Web base, e.g. http://127.0.0.1:PORT */
  web: string;
}

const nodeId = (kind: string, id: number): string => Buffer.from(`0:${kind}${id}`).toString('base64');

export function simpleUser(u: WorldAccount, urls: GitHubUrls): Record<string, unknown> {
  const api = `${urls.api}/users/${u.login}`;
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type, u.id),
    avatar_url: `${urls.web}/avatars/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function publicUser(u: WorldAccount, publicRepos: number, urls: GitHubUrls): Record<string, unknown> {
  return {
    ...simpleUser(u, urls),
    name: u.name,
    company: null,
    blog: '',
    location: null,
    email: u.type === 'User' ? u.email : null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: u.createdAt,
    updated_at: u.createdAt,
  };
}

export function privateUser(u: WorldAccount, publicRepos: number, privateRepos: number, urls: GitHubUrls): Record<string, unknown> {
  return {
    ...publicUser(u, publicRepos, urls),
    private_gists: 0,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, private_repos: 10000, collaborators: 0 },
  };
}

export function organization(o: WorldAccount, publicRepos: number, urls: GitHubUrls): Record<string, unknown> {
  const api = `${urls.api}/orgs/${o.login}`;
  return {
    login: o.login,
    id: o.id,
    node_id: nodeId('Organization', o.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `${urls.web}/avatars/u/${o.id}?v=4`,
    description: null,
    name: o.name,
    company: null,
    blog: '',
    location: null,
    email: null,
    twitter_username: null,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${urls.web}/${o.login}`,
    created_at: o.createdAt,
    updated_at: o.createdAt,
    archived_at: null,
    type: 'Organization',
  };
}

const PERMISSION_ORDER: ForgePermission[] = ['read', 'triage', 'write', 'maintain', 'admin'];

export function permissionFlags(permission: ForgePermission): Record<string, boolean> {
  const level = PERMISSION_ORDER.indexOf(permission);
  return { admin: level >= 4, maintain: level >= 3, push: level >= 2, triage: level >= 1, pull: true };
}

export function minimalRepository(
  r: WorldRepo,
  owner: WorldAccount,
  permission: ForgePermission,
  urls: GitHubUrls,
): Record<string, unknown> {
  const api = `${urls.api}/repos/${r.fullName}`;
  const host = new URL(urls.web).host;
  const open = r.issues.filter((i) => i.state === 'open').length + r.pulls.filter((p) => p.state === 'open').length;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: r.fullName,
    private: r.private,
    owner: simpleUser(owner, urls),
    html_url: `${urls.web}/${r.fullName}`,
    description: r.description,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    git_url: `git://${host}/${r.fullName}.git`,
    ssh_url: `git@${host}:${r.fullName}.git`,
    clone_url: `${urls.web}/${r.fullName}.git`,
    svn_url: `${urls.web}/${r.fullName}`,
    mirror_url: null,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    stargazers_count: r.contributors.length,
    watchers_count: r.contributors.length,
    size: 100 + r.id % 1000,
    default_branch: r.defaultBranch,
    open_issues_count: open,
    is_template: false,
    topics: ['gitfleet'],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: r.private ? 'private' : 'public',
    pushed_at: r.pushedAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    permissions: permissionFlags(permission),
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: open,
    watchers: r.contributors.length,
  };
}

export function fullRepository(
  r: WorldRepo,
  owner: WorldAccount,
  permission: ForgePermission,
  urls: GitHubUrls,
): Record<string, unknown> {
  const minimal = minimalRepository(r, owner, permission, urls);
  return {
    ...minimal,
    ...(owner.type === 'Organization' ? { organization: minimal['owner'] } : {}),
    network_count: 0,
    subscribers_count: r.contributors.length,
    temp_clone_token: null,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    security_and_analysis: null,
  };
}

const label = (name: string, r: WorldRepo, urls: GitHubUrls): Record<string, unknown> => ({
  id: 200 + name.length,
  node_id: nodeId('Label', 200 + name.length),
  url: `${urls.api}/repos/${r.fullName}/labels/${name}`,
  name,
  description: null,
  color: 'd73a4a',
  default: true,
});

export function issue(
  r: WorldRepo,
  item: WorldItem,
  author: WorldAccount,
  urls: GitHubUrls,
  pull?: WorldPull,
): Record<string, unknown> {
  const api = `${urls.api}/repos/${r.fullName}/issues/${item.number}`;
  const html = `${urls.web}/${r.fullName}/${pull ? 'pull' : 'issues'}/${item.number}`;
  return {
    id: r.id * 10_000 + item.number,
    node_id: nodeId('Issue', r.id * 10_000 + item.number),
    url: api,
    repository_url: `${urls.api}/repos/${r.fullName}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: html,
    number: item.number,
    state: item.state,
    state_reason: item.state === 'closed' ? 'completed' : null,
    title: item.title,
    body: item.body,
    user: simpleUser(author, urls),
    labels: item.labels.map((name) => label(name, r, urls)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: item.number % 3,
    ...(pull
      ? {
          pull_request: {
            url: `${urls.api}/repos/${r.fullName}/pulls/${item.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: pull.mergedAt,
          },
          draft: pull.draft,
        }
      : {}),
    closed_at: item.closedAt,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    author_association: 'MEMBER',
    reactions: {
      url: `${api}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
  };
}

export function pullRequestSimple(
  r: WorldRepo,
  pull: WorldPull,
  author: WorldAccount,
  owner: WorldAccount,
  repoPayload: Record<string, unknown>,
  urls: GitHubUrls,
): Record<string, unknown> {
  const api = `${urls.api}/repos/${r.fullName}/pulls/${pull.number}`;
  const html = `${urls.web}/${r.fullName}/pull/${pull.number}`;
  const ref = (name: string, sha: string): Record<string, unknown> => ({
    label: `${r.owner}:${name}`,
    ref: name,
    repo: repoPayload,
    sha,
    user: simpleUser(owner, urls),
  });
  return {
    url: api,
    id: r.id * 10_000 + pull.number,
    node_id: nodeId('PullRequest', r.id * 10_000 + pull.number),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${urls.api}/repos/${r.fullName}/issues/${pull.number}`,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${urls.api}/repos/${r.fullName}/pulls/comments{/number}`,
    comments_url: `${urls.api}/repos/${r.fullName}/issues/${pull.number}/comments`,
    statuses_url: `${urls.api}/repos/${r.fullName}/statuses/${pull.sha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: simpleUser(author, urls),
    body: pull.body,
    labels: pull.labels.map((name) => label(name, r, urls)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.merged ? pull.sha : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: ref(pull.head, pull.sha),
    base: ref(pull.base, r.branches[0]?.sha ?? pull.sha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: `${urls.api}/repos/${r.fullName}/issues/${pull.number}` },
      comments: { href: `${urls.api}/repos/${r.fullName}/issues/${pull.number}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${urls.api}/repos/${r.fullName}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${urls.api}/repos/${r.fullName}/statuses/${pull.sha}` },
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: pull.draft,
  };
}

export function contributor(u: WorldAccount, contributions: number, urls: GitHubUrls): Record<string, unknown> {
  return { ...simpleUser(u, urls), contributions };
}

export function shortBranch(r: WorldRepo, name: string, sha: string, isProtected: boolean, urls: GitHubUrls): Record<string, unknown> {
  return {
    name,
    commit: { sha, url: `${urls.api}/repos/${r.fullName}/commits/${sha}` },
    protected: isProtected,
    ...(isProtected
      ? {
          protection: { enabled: true, required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] } },
          protection_url: `${urls.api}/repos/${r.fullName}/branches/${name}/protection`,
        }
      : {}),
  };
}

export function collaborator(u: WorldAccount, permission: ForgePermission, urls: GitHubUrls): Record<string, unknown> {
  return { ...simpleUser(u, urls), permissions: permissionFlags(permission), role_name: permission };
}
