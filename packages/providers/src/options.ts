import type { IdentityPool } from '@gitfleet/tokens';
import type { ProviderKind } from '@gitfleet/tokens';
import type { Dispatcher } from 'undici';
import { resolveBaseUrl } from './base-url.js';
import { InvalidOptionError } from './errors.js';
import type { ConditionalCache } from './http/conditional-cache.js';
import { createProxyDispatcher } from './http/dispatcher.js';
import { createMemoryCache } from './http/memory-cache.js';
import type { RequestEvent, RetryOptions, WaitEvent } from './http/request-engine.js';

export interface ClientOptions {
  /** Tokens by identity and budget: each request leases one (not together with `token`). */
  pool?: IdentityPool;
  /** One token for every request. Without `pool` and `token`, requests are anonymous. */
  token?: string;
  /** API base URL; default GITHUB_API_URL / GITLAB_API_URL, else the public API. */
  baseUrl?: string;
  /** Where GITHUB_API_URL / GITLAB_API_URL and the proxy variables are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Conditional-request cache (default: a new memory cache); `false` turns it off. */
  cache?: ConditionalCache | false;
  retry?: RetryOptions;
  /** Requests of this client in flight at once (default 10). */
  concurrency?: number;
  /** Pages of one listing fetched at once when pages are addressed by number (default 4). */
  pageWindow?: number;
  /** The most pages one listing follows (default 10,000); a server still linking a next page past it is a PaginationError. */
  maxPages?: number;
  /** Items per page (default 100, the providers' maximum). */
  perPage?: number;
  /** Per attempt (default 30 s); a timeout counts as a network error. */
  timeoutMs?: number;
  userAgent?: string;
  /**
   * undici dispatcher (connection pool) for every request, e.g. `new EnvHttpProxyAgent({ connections: 20 })`.
   * Default: an EnvHttpProxyAgent honouring HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
   */
  dispatcher?: Dispatcher;
  /** Called after every HTTP exchange (never with a token): for logs and benchmarks. */
  onRequest?: (event: RequestEvent) => void;
  /** Called before a request waits (rate-limit reset, Retry-After, retry backoff): what for and until when. */
  onWait?: (event: WaitEvent) => void;
}

export interface ResolvedOptions {
  provider: ProviderKind;
  pool: IdentityPool | undefined;
  token: string | undefined;
  baseUrl: string;
  cache: ConditionalCache | undefined;
  retry: Required<RetryOptions>;
  concurrency: number;
  pageWindow: number;
  maxPages: number;
  perPage: number;
  timeoutMs: number;
  userAgent: string;
  dispatcher: Dispatcher;
  onRequest: ((event: RequestEvent) => void) | undefined;
  onWait: ((event: WaitEvent) => void) | undefined;
}

const DEFAULT_RETRY = {
  retries: 3,
  minDelayMs: 250,
  maxDelayMs: 10_000,
  rateLimitRetries: 5,
  maxRateLimitWaitMs: 60_000,
} satisfies Required<RetryOptions>;

const DEFAULTS = { concurrency: 10, pageWindow: 4, maxPages: 10_000, perPage: 100, timeoutMs: 30_000, userAgent: 'gitfleet-providers' };

/** Validates client options once, at the boundary. */
export function resolveOptions(provider: ProviderKind, options: ClientOptions): ResolvedOptions {
  const fail = (message: string): never => {
    throw new InvalidOptionError(message, provider);
  };
  if (options.pool && options.token !== undefined) fail('pass either pool or token, not both');
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.trim() === '')) fail('token is empty');
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  for (const [name, value] of Object.entries(retry)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) fail(`retry.${name} must be a number >= 0`);
  }
  const int = (name: string, value: number, min: number, max = Infinity): number => {
    if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    provider,
    pool: options.pool,
    token: options.token?.trim(),
    baseUrl: resolveBaseUrl(provider, options.baseUrl, options.env),
    cache: options.cache === false ? undefined : (options.cache ?? createMemoryCache()),
    retry,
    concurrency: int('concurrency', options.concurrency ?? DEFAULTS.concurrency, 1),
    pageWindow: int('pageWindow', options.pageWindow ?? DEFAULTS.pageWindow, 1),
    maxPages: int('maxPages', options.maxPages ?? DEFAULTS.maxPages, 1),
    perPage: int('perPage', options.perPage ?? DEFAULTS.perPage, 1, 100),
    timeoutMs: int('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs, 1),
    userAgent: options.userAgent ?? DEFAULTS.userAgent,
    dispatcher: options.dispatcher ?? createProxyDispatcher(options.env),
    onRequest: options.onRequest,
    onWait: options.onWait,
  };
}
