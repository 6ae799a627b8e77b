import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { ProviderKind } from '@gitfleet/tokens';
import { isProviderError } from '../errors.js';
import { paginate } from '../http/paginate.js';
import { budgetFromHeaders } from '../http/rate-limit-headers.js';
import { RequestEngine } from '../http/request-engine.js';
import type { Send } from '../http/request-engine.js';
import { isObject, str, strings } from '../json.js';
import type { Json } from '../json.js';
import type { Branch, Contributor, CredentialStatus, Issue, Member, PullRequest, RateLimitStatus, Repository, User } from '../models.js';
import { resolveOptions } from '../options.js';
import type { ClientOptions, ResolvedOptions } from '../options.js';
import type { CallOptions, ListOptions, ProviderClient, StateListOptions } from '../provider-client.js';
import { ownerSegment, repoSegments } from '../repo-path.js';
import * as model from './gitlab-models.js';

/**
 * Creates a GitLab REST v4 client on undici (gitlab.com or self-managed `https://host/api/v4`).
 *
 * @example
 * import { createGitLabClient } from '@gitfleet/providers';
 *
 * const gitlab = createGitLabClient({ token: process.env.GITLAB_TOKEN });
 * for await (const project of gitlab.listRepositories('gitlab-org/ci-cd')) console.log(project.fullName);
 */
export function createGitLabClient(options: ClientOptions = {}): ProviderClient {
  return new GitLabClient(resolveOptions('gitlab', options));
}

/** Internal: also used by identifyGitLab. */
export class GitLabClient implements ProviderClient {
  readonly provider: ProviderKind = 'gitlab';
  readonly baseUrl: string;
  readonly engine: RequestEngine;
  readonly #o: ResolvedOptions;

  constructor(o: ResolvedOptions) {
    this.#o = o;
    this.baseUrl = o.baseUrl;
    this.engine = new RequestEngine({
      provider: 'gitlab',
      baseUrl: o.baseUrl,
      send: undiciSend(o.userAgent, o.dispatcher),
      pool: o.pool,
      token: o.token,
      cache: o.cache,
      retry: o.retry,
      concurrency: o.concurrency,
      timeoutMs: o.timeoutMs,
      onRequest: o.onRequest,
      onWait: o.onWait,
      resourceOf: () => 'gitlab',
      authHeaders: (token) => ({ authorization: `Bearer ${token}` }),
    });
  }

  async getAuthenticatedUser(options: CallOptions = {}): Promise<User> {
    return model.toUser(asObject((await this.engine.get('/user', options)).data));
  }

  async *listRepositories(owner: string, options: ListOptions = {}): AsyncGenerator<Repository> {
    const id = encodeURIComponent(ownerSegment('gitlab', owner));
    let path: string;
    try {
      await this.engine.get(`/groups/${id}?with_projects=false`, options);
      // Ordered by id so offset pagination stays stable while projects are added. GitLab offers no
      // keyset pagination here; above 10,000 projects it sends no page count and pages are fetched
      // a window ahead until the last one.
      path = `/groups/${id}/projects?include_subgroups=true&order_by=id&sort=asc`;
    } catch (error) {
      if (!isProviderError(error) || error.code !== 'GITFLEET_PROVIDER_NOT_FOUND') throw error;
      // Not a group: a user (a 404 from here names the missing owner). User projects offer keyset
      // pagination, which GitLab recommends for consecutive pages and which has no offset limit
      // (https://docs.gitlab.com/api/rest/#keyset-based-pagination).
      path = `/users/${id}/projects?pagination=keyset&order_by=id&sort=asc`;
    }
    yield* this.#list(path, options, model.toRepository);
  }

  async getRepository(repo: string, options: CallOptions = {}): Promise<Repository> {
    return model.toRepository(asObject((await this.engine.get(this.#projectPath(repo), options)).data));
  }

  async *listContributors(repo: string, options: ListOptions = {}): AsyncGenerator<Contributor> {
    yield* this.#list(`${this.#projectPath(repo)}/repository/contributors`, options, model.toContributor);
  }

  async *listBranches(repo: string, options: ListOptions = {}): AsyncGenerator<Branch> {
    yield* this.#list(`${this.#projectPath(repo)}/repository/branches`, options, model.toBranch);
  }

  async *listMembers(repo: string, options: ListOptions = {}): AsyncGenerator<Member> {
    // members/all includes members inherited from parent groups.
    yield* this.#list(`${this.#projectPath(repo)}/members/all`, options, model.toMember);
  }

  async *listIssues(repo: string, options: StateListOptions = {}): AsyncGenerator<Issue> {
    const states = { open: 'opened', closed: 'closed', all: 'all' } as const;
    yield* this.#list(`${this.#projectPath(repo)}/issues?state=${states[options.state ?? 'open']}`, options, model.toIssue);
  }

  async *listPullRequests(repo: string, options: StateListOptions = {}): AsyncGenerator<PullRequest> {
    const base = `${this.#projectPath(repo)}/merge_requests?state=`;
    const wanted = options.state ?? 'open';
    // GitHub's "closed" includes merged pull requests; GitLab keeps them apart.
    const states = wanted === 'open' ? ['opened'] : wanted === 'closed' ? ['closed', 'merged'] : ['all'];
    for (const state of states) yield* this.#list(`${base}${state}`, options, model.toPullRequest);
  }

  async getRateLimit(options: CallOptions = {}): Promise<RateLimitStatus> {
    // GitLab has no rate-limit endpoint: read RateLimit-* from a cheap call, uncached.
    const path = this.#o.token || this.#o.pool ? '/user' : '/projects?per_page=1&simple=true';
    const response = await this.engine.get(path, { ...options, cache: false });
    const budget = budgetFromHeaders('gitlab', response.headers, 'gitlab');
    const used = Number(response.headers['ratelimit-observed']);
    const login = path === '/user' ? str(asObject(response.data), 'username') : undefined;
    return {
      provider: 'gitlab',
      ...(login ? { login } : {}),
      resources: budget ? [{ ...budget, used: Number.isFinite(used) ? used : budget.limit - budget.remaining }] : [],
      raw: Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.startsWith('ratelimit-'))),
    };
  }

  async validateCredentials(options: CallOptions = {}): Promise<CredentialStatus> {
    let user: User;
    try {
      user = model.toUser(asObject((await this.engine.get('/user', { ...options, cache: false })).data));
    } catch (error) {
      if (isProviderError(error) && error.code === 'GITFLEET_PROVIDER_AUTH') return { provider: 'gitlab', valid: false };
      throw error;
    }
    try {
      // Personal, project and group access tokens describe themselves; OAuth tokens cannot.
      const self = asObject((await this.engine.get('/personal_access_tokens/self', { ...options, cache: false })).data);
      const scopes = strings(self['scopes']);
      return { provider: 'gitlab', valid: true, login: user.login, kind: 'user', scopes, expiresAt: str(self, 'expires_at') };
    } catch (error) {
      if (!isProviderError(error) || error.status === undefined || error.status >= 500) throw error;
      return { provider: 'gitlab', valid: true, login: user.login, kind: 'user' };
    }
  }

  /** `/projects/<url-encoded full path>` */
  #projectPath(repo: string): string {
    return `/projects/${encodeURIComponent(repoSegments('gitlab', repo).join('/'))}`;
  }

  #list<T>(path: string, options: ListOptions, map: (raw: Json) => T): AsyncGenerator<T> {
    const perPage = options.perPage ?? this.#o.perPage;
    return paginate({
      engine: this.engine,
      path: `${path}${path.includes('?') ? '&' : '?'}per_page=${perPage}`,
      window: this.#o.pageWindow,
      maxPages: this.#o.maxPages,
      signal: options.signal,
      map: (data) => (Array.isArray(data) ? data.filter(isObject).map(map) : []),
    });
  }
}

function asObject(data: unknown): Json {
  return isObject(data) ? data : {};
}

function undiciSend(userAgent: string, dispatcher: Dispatcher): Send {
  return async ({ url, headers, signal }) => {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': userAgent, ...headers },
      signal,
      dispatcher,
    });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const text = await response.body.text();
    let data: unknown = text;
    if (text && /json/i.test(out['content-type'] ?? '')) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    return { status: response.statusCode, headers: out, data };
  };
}
