import { Octokit } from '@octokit/core';
import { interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { ProviderKind } from '@gitfleet/tokens';
import { isProviderError } from '../errors.js';
import { paginate } from '../http/paginate.js';
import { RequestEngine } from '../http/request-engine.js';
import type { Send } from '../http/request-engine.js';
import { isObject } from '../json.js';
import type { Json } from '../json.js';
import type { Branch, Contributor, CredentialStatus, Issue, Member, PullRequest, RateLimitStatus, Repository, User } from '../models.js';
import { resolveOptions } from '../options.js';
import type { ClientOptions, ResolvedOptions } from '../options.js';
import type { CallOptions, ListOptions, ProviderClient, StateListOptions } from '../provider-client.js';
import { ownerSegment, repoSegments } from '../repo-path.js';
import * as model from './github-models.js';

/**
 * Creates a GitHub REST client on @octokit/core (github.com or Enterprise `https://host/api/v3`).
 *
 * @example
 * import { createGitHubClient } from '@gitfleet/providers';
 *
 * const github = createGitHubClient({ token: process.env.GITHUB_TOKEN });
 * for await (const repo of github.listRepositories('octokit')) console.log(repo.fullName);
 * const open = github.listPullRequests('octokit/core.js', { state: 'open' });
 */
export function createGitHubClient(options: ClientOptions = {}): ProviderClient {
  return new GitHubClient(resolveOptions('github', options));
}

/** Internal: also used by identifyGitHub. */
export class GitHubClient implements ProviderClient {
  readonly provider: ProviderKind = 'github';
  readonly baseUrl: string;
  readonly engine: RequestEngine;
  readonly #o: ResolvedOptions;

  constructor(o: ResolvedOptions) {
    this.#o = o;
    this.baseUrl = o.baseUrl;
    const apiPath = new URL(o.baseUrl).pathname.replace(/\/$/, '');
    this.engine = new RequestEngine({
      provider: 'github',
      baseUrl: o.baseUrl,
      send: octokitSend(o.baseUrl, o.userAgent, o.dispatcher),
      pool: o.pool,
      token: o.token,
      cache: o.cache,
      retry: o.retry,
      concurrency: o.concurrency,
      timeoutMs: o.timeoutMs,
      onRequest: o.onRequest,
      onWait: o.onWait,
      // GitHub budgets REST per resource: search has its own (https://docs.github.com/rest/rate-limit).
      resourceOf: (url) => (new URL(url).pathname.slice(apiPath.length).startsWith('/search/') ? 'search' : 'core'),
      authHeaders: (token) => ({ authorization: `Bearer ${token}` }),
    });
  }

  async getAuthenticatedUser(options: CallOptions = {}): Promise<User> {
    return model.toUser(asObject((await this.engine.get('/user', options)).data));
  }

  async *listRepositories(owner: string, options: ListOptions = {}): AsyncGenerator<Repository> {
    const login = encodeURIComponent(ownerSegment('github', owner));
    const account = asObject((await this.engine.get(`/users/${login}`, options)).data);
    // The org endpoint lists the private repositories this identity can see; /users/{x}/repos never does.
    const path =
      account['type'] === 'Organization' ? `/orgs/${login}/repos?type=all` : `/users/${login}/repos?type=owner`;
    yield* this.#list(path, options, model.toRepository);
  }

  async getRepository(repo: string, options: CallOptions = {}): Promise<Repository> {
    return model.toRepository(asObject((await this.engine.get(this.#repoPath(repo), options)).data));
  }

  async *listContributors(repo: string, options: ListOptions = {}): AsyncGenerator<Contributor> {
    yield* this.#list(`${this.#repoPath(repo)}/contributors`, options, model.toContributor);
  }

  async *listBranches(repo: string, options: ListOptions = {}): AsyncGenerator<Branch> {
    yield* this.#list(`${this.#repoPath(repo)}/branches`, options, model.toBranch);
  }

  async *listMembers(repo: string, options: ListOptions = {}): AsyncGenerator<Member> {
    yield* this.#list(`${this.#repoPath(repo)}/collaborators?affiliation=all`, options, model.toMember);
  }

  async *listIssues(repo: string, options: StateListOptions = {}): AsyncGenerator<Issue> {
    const path = `${this.#repoPath(repo)}/issues?state=${state(options)}`;
    // The issues endpoint returns pull requests too; they carry a `pull_request` key.
    yield* this.#list(path, options, (raw) => (model.isPullRequestIssue(raw) ? undefined : model.toIssue(raw)));
  }

  async *listPullRequests(repo: string, options: StateListOptions = {}): AsyncGenerator<PullRequest> {
    yield* this.#list(`${this.#repoPath(repo)}/pulls?state=${state(options)}`, options, model.toPullRequest);
  }

  async getRateLimit(options: CallOptions = {}): Promise<RateLimitStatus> {
    // GET /rate_limit does not count against the primary limit.
    return model.toRateLimitStatus(asObject((await this.engine.get('/rate_limit', { ...options, cache: false })).data));
  }

  async validateCredentials(options: CallOptions = {}): Promise<CredentialStatus> {
    try {
      const response = await this.engine.get('/user', { ...options, cache: false });
      const scopes = parseScopes(response.headers['x-oauth-scopes']);
      const login = model.toUser(asObject(response.data)).login;
      return { provider: 'github', valid: true, login, kind: 'user', ...(scopes ? { scopes } : {}) };
    } catch (error) {
      if (!isProviderError(error)) throw error;
      if (error.code === 'GITFLEET_PROVIDER_AUTH') return { provider: 'github', valid: false };
      if (error.code !== 'GITFLEET_PROVIDER_FORBIDDEN') throw error;
      // App installation tokens cannot read /user ("Resource not accessible by integration").
      await this.engine.get('/rate_limit', { ...options, cache: false });
      return { provider: 'github', valid: true, kind: 'installation' };
    }
  }

  #repoPath(repo: string): string {
    return `/repos/${repoSegments('github', repo).map(encodeURIComponent).join('/')}`;
  }

  #list<T>(path: string, options: ListOptions, map: (raw: Json) => T | undefined): AsyncGenerator<T> {
    const perPage = options.perPage ?? this.#o.perPage;
    return paginate({
      engine: this.engine,
      path: `${path}${path.includes('?') ? '&' : '?'}per_page=${perPage}`,
      window: this.#o.pageWindow,
      maxPages: this.#o.maxPages,
      signal: options.signal,
      map: (data) => (Array.isArray(data) ? data.filter(isObject).flatMap((raw) => map(raw) ?? []) : []),
    });
  }
}

function state(options: StateListOptions): string {
  return options.state ?? 'open';
}

function asObject(data: unknown): Json {
  return isObject(data) ? data : {};
}

/** `X-OAuth-Scopes: repo, read:org` -> ['repo', 'read:org']; absent (fine-grained tokens) -> undefined. */
export function parseScopes(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  return header.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Sends through octokit; HTTP error statuses resolve (octokit throws RequestError for them, 304 included). */
function octokitSend(baseUrl: string, userAgent: string, dispatcher: Dispatcher): Send {
  const octokit = new Octokit({ baseUrl, userAgent, request: { fetch: undiciRequestFetch(dispatcher) } });
  return async ({ url, headers, signal }) => {
    try {
      const response = await octokit.request(`GET ${url}`, {
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', ...headers },
        // The body comes back as text (see undiciRequestFetch) and is parsed here with JSON.parse:
        // octokit's own parser (json-with-bigint) cost ~20 ms per 100-repository page (profiled).
        request: { signal, parseSuccessResponseBody: false },
      });
      const responseHeaders = stringHeaders(response.headers);
      return { status: response.status, headers: responseHeaders, data: parseBody(response.data, responseHeaders['content-type']) };
    } catch (error) {
      const response = (error as { response?: { status: number; headers: Record<string, unknown>; data: unknown } }).response;
      if (response && typeof response.status === 'number') {
        return { status: response.status, headers: stringHeaders(response.headers), data: response.data };
      }
      throw error;
    }
  };
}

/**
 * octokit's `request.fetch` on `undici.request`, which skips the WHATWG streams of `fetch`
 * (~1 ms per 600 KB page). Redirects are followed as `fetch` would. The response has what octokit
 * reads: status, url, headers, text(); `body` is the text itself, read in one piece.
 */
function undiciRequestFetch(dispatcher: Dispatcher): typeof globalThis.fetch {
  const agent = dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  const fetchLike = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null }) => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      body: init.body ?? null,
      signal: init.signal ?? undefined,
      dispatcher: agent,
    });
    const text = await response.body.text();
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    }
    return {
      status: response.statusCode,
      url,
      headers,
      body: text,
      text: () => Promise.resolve(text),
      json: () => Promise.resolve(JSON.parse(text) as unknown),
      arrayBuffer: () => Promise.resolve(new TextEncoder().encode(text).buffer),
    };
  };
  return fetchLike as unknown as typeof globalThis.fetch;
}

/** A successful body (text): JSON parsed when the content type says JSON. */
function parseBody(body: unknown, contentType: string | undefined): unknown {
  if (typeof body !== 'string') return body ?? '';
  if (!/[/+]json\b/i.test(contentType ?? '')) return body;
  return body === '' ? null : (JSON.parse(body) as unknown);
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = String(value);
  return out;
}
