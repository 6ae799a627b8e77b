import type { ProviderKind } from '@gitfleet/tokens';
import type {
  Branch,
  Contributor,
  CredentialStatus,
  Issue,
  Member,
  PullRequest,
  RateLimitStatus,
  Repository,
  User,
} from './models.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  /** Items per page, 1..100 (default 100). */
  perPage?: number;
}

export type StateFilter = 'open' | 'closed' | 'all';

export interface StateListOptions extends ListOptions {
  /** Default `open`. On GitLab, `closed` pull requests include merged ones (as on GitHub). */
  state?: StateFilter;
}

/**
 * One interface over GitHub and GitLab. Lists are async iterables that fetch pages on demand:
 * `break` stops fetching. A repository is named by its full path (`owner/name`; GitLab `group/sub/project`).
 */
export interface ProviderClient {
  readonly provider: ProviderKind;
  /** API base URL in use. */
  readonly baseUrl: string;
  getAuthenticatedUser(options?: CallOptions): Promise<User>;
  /** Repositories of a user, an org (GitHub, private ones included when visible) or a GitLab group with its subgroups. */
  listRepositories(owner: string, options?: ListOptions): AsyncIterable<Repository>;
  getRepository(repo: string, options?: CallOptions): Promise<Repository>;
  listContributors(repo: string, options?: ListOptions): AsyncIterable<Contributor>;
  listBranches(repo: string, options?: ListOptions): AsyncIterable<Branch>;
  /** GitHub collaborators / GitLab members (inherited ones included). */
  listMembers(repo: string, options?: ListOptions): AsyncIterable<Member>;
  /** Issues only: GitHub's pull requests are left out. */
  listIssues(repo: string, options?: StateListOptions): AsyncIterable<Issue>;
  /** GitHub pull requests / GitLab merge requests. */
  listPullRequests(repo: string, options?: StateListOptions): AsyncIterable<PullRequest>;
  getRateLimit(options?: CallOptions): Promise<RateLimitStatus>;
  /** Whether the credential works, with its scopes. A rejected token gives `{ valid: false }`, not an error. */
  validateCredentials(options?: CallOptions): Promise<CredentialStatus>;
}
