import type { Budget, ProviderKind } from '@gitfleet/tokens';

/** Fields every model has: where it came from and the provider's payload, unchanged. */
export interface ProviderModel {
  provider: ProviderKind;
  /** The provider's JSON for this object, as received. */
  raw: Record<string, unknown>;
}

export interface User extends ProviderModel {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
  webUrl: string | null;
  /** GitHub `type` (User, Organization, Bot); GitLab users are `User`. */
  type: 'User' | 'Organization' | 'Bot';
}

/** A GitHub repository or a GitLab project. */
export interface Repository extends ProviderModel {
  id: number;
  name: string;
  /** `owner/name`; on GitLab the full path, `group/subgroup/project`. */
  fullName: string;
  /** Login of the user or org, or the full path of the GitLab namespace. */
  owner: string;
  description: string | null;
  defaultBranch: string | null;
  private: boolean;
  visibility: 'public' | 'private' | 'internal';
  fork: boolean;
  archived: boolean;
  cloneUrl: string;
  sshUrl: string | null;
  webUrl: string;
  /** GitHub only; null on GitLab. */
  language: string | null;
  stars: number;
  forks: number;
  /**
   * Size in KiB as GitHub reports it (`size`); null on GitLab, whose listings give sizes only to
   * project members. A hint: work on a fleet starts with the largest.
   */
  sizeKb: number | null;
  /** GitHub counts open issues + open PRs; GitLab open issues only. */
  openIssues: number | null;
  topics: string[];
  createdAt: string;
  updatedAt: string | null;
  pushedAt: string | null;
}

export interface Contributor extends ProviderModel {
  /** GitHub login; null on GitLab (which reports name + email). */
  login: string | null;
  id: number | null;
  name: string | null;
  email: string | null;
  contributions: number;
  avatarUrl: string | null;
}

export interface Branch extends ProviderModel {
  name: string;
  commitSha: string;
  protected: boolean;
}

/** Access, normalized to GitHub's ladder; GitLab 10/15 -> read, 20 -> triage, 30 -> write, 40 -> maintain, 50 -> admin. */
export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** A GitHub collaborator or a GitLab project member. */
export interface Member extends ProviderModel {
  id: number;
  login: string;
  name: string | null;
  avatarUrl: string | null;
  permission: Permission;
}

export type ItemState = 'open' | 'closed';

export interface Issue extends ProviderModel {
  id: number;
  /** GitHub `number`, GitLab `iid`. */
  number: number;
  title: string;
  body: string | null;
  state: ItemState;
  author: string | null;
  labels: string[];
  assignees: string[];
  comments: number;
  webUrl: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** A GitHub pull request or a GitLab merge request. */
export interface PullRequest extends ProviderModel {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  author: string | null;
  labels: string[];
  sourceBranch: string;
  targetBranch: string;
  webUrl: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
}

/** Budgets per resource (GitHub: core, search, graphql, ...; GitLab: `gitlab`, when the API sends them). */
export interface RateLimitStatus {
  provider: ProviderKind;
  /** The user the budgets belong to, when the call that read them names it (GitLab reads them from `GET /user`). */
  login?: string;
  resources: Array<Budget & { used: number }>;
  raw: Record<string, unknown>;
}

export interface CredentialStatus {
  provider: ProviderKind;
  valid: boolean;
  login?: string;
  /** GitHub `X-OAuth-Scopes` (classic tokens; fine-grained tokens send none); GitLab token scopes. */
  scopes?: string[];
  /** GitLab token expiry (ISO date) when known. */
  expiresAt?: string | null;
  /** `user` token, or a GitHub App `installation` token (which cannot read `/user`). */
  kind?: 'user' | 'installation';
}
