import { DEFAULT_BASE_URLS } from '@gitfleet/tokens';
import type { Budget, Identify, IdentityInfo, ProviderKind, TokenSource } from '@gitfleet/tokens';
import { InvalidOptionError, isProviderError } from './errors.js';
import { GitHubClient, parseScopes } from './github/github-client.js';
import { toRateLimitStatus } from './github/github-models.js';
import { GitLabClient } from './gitlab/gitlab-client.js';
import { createProxyDispatcher } from './http/dispatcher.js';
import { budgetFromHeaders } from './http/rate-limit-headers.js';
import { sha256 } from './http/request-engine.js';
import { isObject, num, str } from './json.js';
import { resolveOptions } from './options.js';
import type { ClientOptions } from './options.js';

/**
 * HTTP settings for identification requests. With a `cache` (default none), a repeated `GET /user`
 * is a conditional request that costs no quota when the answer is unchanged.
 */
export type IdentifyOptions = Pick<ClientOptions, 'retry' | 'timeoutMs' | 'dispatcher' | 'userAgent' | 'onRequest' | 'onWait' | 'cache'>;

/** A token's API base URL as the pool sees it: its own, else the public API (not the environment). */
const baseUrlOf = (source: TokenSource): string => (source.baseUrl ?? DEFAULT_BASE_URLS[source.provider]).replace(/\/+$/, '');
const fingerprint = (token: string): string => sha256(token).slice(0, 16);

/**
 * The pool's `identify` for GitHub tokens: `GET /user` -> `github:<baseUrl>:user:<id>`, budgets from
 * `GET /rate_limit` (free). App installation tokens cannot read /user (403): they get an identity of
 * their own, `github:<baseUrl>:token:<sha256 prefix>`. A rejected token throws AuthError
 * (`GITFLEET_PROVIDER_AUTH`), which the pool records as invalid.
 *
 * @example
 * const pool = createIdentityPool({ sources: tokenSourcesFromEnv(), identify: identifyGitHub() });
 * const github = createGitHubClient({ pool });
 */
export function identifyGitHub(options: IdentifyOptions = {}): Identify {
  options = withDispatcher(options);
  return async (source, signal) => {
    check(source, 'github');
    const baseUrl = baseUrlOf(source);
    const client = new GitHubClient(resolveOptions('github', { ...options, token: source.token, baseUrl, cache: options.cache ?? false }));
    const call = signal ? { signal } : {};
    let info: IdentityInfo;
    let fromHeaders: Budget | undefined;
    try {
      const response = await client.engine.get('/user', call);
      const user = isObject(response.data) ? response.data : {};
      const id = num(user, 'id');
      if (id === null) throw new InvalidOptionError(`GET ${baseUrl}/user returned no user id`, 'github');
      const scopes = parseScopes(response.headers['x-oauth-scopes']);
      const login = str(user, 'login');
      fromHeaders = budgetFromHeaders('github', response.headers, 'core');
      info = { identity: `github:${baseUrl}:user:${id}`, ...(login ? { login } : {}), ...(scopes ? { scopes } : {}), budgets: [] };
    } catch (error) {
      if (!isProviderError(error) || error.code !== 'GITFLEET_PROVIDER_FORBIDDEN') throw error;
      info = { identity: `github:${baseUrl}:token:${fingerprint(source.token)}`, budgets: [] };
    }
    try {
      const limits = await client.engine.get('/rate_limit', call);
      info.budgets = toRateLimitStatus(isObject(limits.data) ? limits.data : {}).resources.map(
        ({ resource, limit, remaining, resetAt }) => ({ resource, limit, remaining, resetAt }),
      );
    } catch (error) {
      // GitHub Enterprise with rate limiting off answers 404 here: no budgets to track.
      if (!isProviderError(error) || error.code !== 'GITFLEET_PROVIDER_NOT_FOUND') throw error;
      info.budgets = fromHeaders ? [fromHeaders] : [];
    }
    return info;
  };
}

/**
 * The pool's `identify` for GitLab tokens: `GET /user` -> `gitlab:<baseUrl>:user:<id>`, with the
 * `gitlab` budget from its RateLimit-* headers when the instance sends them.
 *
 * @example
 * const pool = createIdentityPool({ sources: tokenSourcesFromEnv(), identify: identifyGitLab() });
 * const gitlab = createGitLabClient({ pool });
 */
export function identifyGitLab(options: IdentifyOptions = {}): Identify {
  options = withDispatcher(options);
  return async (source, signal) => {
    check(source, 'gitlab');
    const baseUrl = baseUrlOf(source);
    const client = new GitLabClient(resolveOptions('gitlab', { ...options, token: source.token, baseUrl, cache: options.cache ?? false }));
    const response = await client.engine.get('/user', signal ? { signal } : {});
    const user = isObject(response.data) ? response.data : {};
    const id = num(user, 'id');
    if (id === null) throw new InvalidOptionError(`GET ${baseUrl}/user returned no user id`, 'gitlab');
    const login = str(user, 'username');
    const budget = budgetFromHeaders('gitlab', response.headers, 'gitlab');
    return { identity: `gitlab:${baseUrl}:user:${id}`, ...(login ? { login } : {}), budgets: budget ? [budget] : [] };
  };
}

/**
 * One `identify` for pools holding GitHub and GitLab tokens: dispatches on `source.provider`.
 *
 * @example
 * const pool = createIdentityPool({ sources: tokenSourcesFromEnv(), identify: identifyProvider() });
 */
export function identifyProvider(options: IdentifyOptions = {}): Identify {
  options = withDispatcher(options);
  const github = identifyGitHub(options);
  const gitlab = identifyGitLab(options);
  return async (source, signal) => (source.provider === 'gitlab' ? gitlab(source, signal) : github(source, signal));
}

/** One connection pool (proxy-aware, see createProxyDispatcher) for every identification of a pool. */
function withDispatcher(options: IdentifyOptions): IdentifyOptions {
  return options.dispatcher ? options : { ...options, dispatcher: createProxyDispatcher() };
}

function check(source: TokenSource, provider: ProviderKind): void {
  if (source.provider !== provider) {
    const name = provider === 'github' ? 'identifyGitHub' : 'identifyGitLab';
    throw new InvalidOptionError(`${name}() got a ${source.provider} token`, provider);
  }
}
