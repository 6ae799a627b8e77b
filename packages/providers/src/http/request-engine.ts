import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import type { IdentityPool, Lease, LeaseOutcome, PoolWaitEvent, ProviderKind } from '@gitfleet/tokens';
import {
  AuthError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  ProviderError,
  RateLimitError,
  SecondaryRateLimitError,
  ServerError,
  ValidationError,
} from '../errors.js';
import type { ProviderErrorOptions } from '../errors.js';
import { apiMessage, classify } from './classify.js';
import { CACHED_HEADERS, HOLDER_HEADER } from './conditional-cache.js';
import type { CachedResponse, ConditionalCache } from './conditional-cache.js';
import { budgetFromHeaders } from './rate-limit-headers.js';
import { sanitizeCause, scrub } from './sanitize.js';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** Any HTTP status resolves; only a missing response (network, abort) rejects. */
export interface SendResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  data: unknown;
}

export type Send = (request: SendRequest) => Promise<SendResponse>;

export interface RetryOptions {
  /** Retries after a 5xx or a network error, with jittered exponential backoff (default 3). */
  retries?: number;
  /** First backoff delay (default 250 ms); doubles per retry. */
  minDelayMs?: number;
  /** Backoff cap (default 10 s). */
  maxDelayMs?: number;
  /** Retries after a rate-limit answer (default 5). With a pool, re-acquires instead of waiting itself. */
  rateLimitRetries?: number;
  /** Without a pool: longest Retry-After / reset wait before throwing RateLimitError instead (default 60 s). */
  maxRateLimitWaitMs?: number;
}

/** One finished HTTP exchange, for logs and benchmarks. Never carries a token. */
export interface RequestEvent {
  provider: ProviderKind;
  url: string;
  /** 0 when no response arrived. */
  status: number;
  /** 1-based attempt number of this logical request. */
  attempt: number;
  durationMs: number;
  /** A 304 answered from the conditional cache. */
  fromCache: boolean;
  identity?: string;
  tokenId?: string;
  requestId?: string;
}

/** Why a request waits before its next attempt. */
export type WaitReason = 'rate-limit' | 'secondary-rate-limit' | 'retry';

/**
 * A request is about to wait: for a rate-limit reset (`rate-limit`, also while a pool waits for
 * its earliest reset), a `Retry-After` (`secondary-rate-limit`), or a backoff before retrying a
 * 5xx or network error (`retry`). For progress lines; never carries a token.
 */
export interface WaitEvent {
  provider: ProviderKind;
  reason: WaitReason;
  /** Rate-limit resource: GitHub `core`, `search`; GitLab `gitlab`. */
  resource: string;
  /** When the wait ends (epoch ms). */
  until: number;
  /** The request that waits. */
  url: string;
}

export interface GetOptions {
  signal?: AbortSignal | undefined;
  /** `false`: neither send validators nor store the response (e.g. to read fresh rate-limit headers). */
  cache?: boolean;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  url: string;
  fromCache: boolean;
}

export interface EngineOptions {
  provider: ProviderKind;
  baseUrl: string;
  send: Send;
  pool: IdentityPool | undefined;
  token: string | undefined;
  cache: ConditionalCache | undefined;
  retry: Required<RetryOptions>;
  concurrency: number;
  timeoutMs: number;
  resourceOf: (url: string) => string;
  authHeaders: (token: string) => Record<string, string>;
  onRequest: ((event: RequestEvent) => void) | undefined;
  onWait: ((event: WaitEvent) => void) | undefined;
}

type Step<T> = { done: ApiResponse<T> } | { waitMs: number; reason: WaitReason } | { again: true };

interface Counters {
  attempt: number;
  failures: number;
  rateLimits: number;
  auth: number;
}

/** Caps re-acquisitions after 401s with a pool (the pool itself ends with NoValidTokenError). */
const MAX_AUTH_ROTATIONS = 50;

/**
 * GET with everything around it: lease/token, conditional cache, retries with backoff, rate-limit
 * handling, typed errors. Shared by the GitHub and GitLab clients, which supply `send`.
 */
export class RequestEngine {
  readonly #o: EngineOptions;
  readonly #limit: LimitFunction;

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#limit = pLimit(options.concurrency);
  }

  get baseUrl(): string {
    return this.#o.baseUrl;
  }

  get provider(): ProviderKind {
    return this.#o.provider;
  }

  /** GETs a path below the base URL (or an absolute URL from a Link header). */
  async get<T = unknown>(pathOrUrl: string, options: GetOptions = {}): Promise<ApiResponse<T>> {
    const { signal } = options;
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.#o.baseUrl}${pathOrUrl}`;
    const counters: Counters = { attempt: 0, failures: 0, rateLimits: 0, auth: 0 };
    const useCache = options.cache !== false;
    for (;;) {
      signal?.throwIfAborted();
      const step = await this.#limit(async () => this.#attempt<T>(url, counters, signal, useCache));
      if ('done' in step) return step.done;
      if ('waitMs' in step) {
        const o = this.#o;
        o.onWait?.({ provider: o.provider, reason: step.reason, resource: o.resourceOf(url), until: Date.now() + step.waitMs, url });
        await sleep(step.waitMs, undefined, signal ? { signal } : undefined);
      }
    }
  }

  async #attempt<T>(url: string, counters: Counters, signal: AbortSignal | undefined, useCache: boolean): Promise<Step<T>> {
    const o = this.#o;
    signal?.throwIfAborted();
    counters.attempt += 1;
    const resource = o.resourceOf(url);
    // With a pool, one entry per URL records the identity whose answer it holds: the request goes to
    // that identity while it has budget, so a repeated listing revalidates for free; validators and
    // stored bodies are never used for another identity.
    let cacheKey: string | undefined;
    let cached: CachedResponse | undefined;
    if (o.cache && useCache) {
      cacheKey = sha256(`${o.pool ? 'pool' : o.token ? `token:${sha256(o.token)}` : 'anonymous'}\n${url}`);
      cached = await o.cache.get(cacheKey).catch(() => undefined);
    }
    const holder = o.pool ? cached?.headers[HOLDER_HEADER] : undefined;
    const lease = o.pool ? await this.#acquire(resource, signal, url, holder) : undefined;
    if (lease && holder !== lease.identity) cached = undefined;
    const token = lease?.token ?? o.token;
    const secrets = token ? [token] : [];
    let released = false;
    const release = (outcome: LeaseOutcome): void => {
      if (lease && !released) lease.release(outcome);
      released = true;
    };
    const started = performance.now();
    const event = (status: number, fromCache: boolean, requestId?: string): void =>
      o.onRequest?.({
        provider: o.provider,
        url,
        status,
        attempt: counters.attempt,
        durationMs: performance.now() - started,
        fromCache,
        ...(lease ? { identity: lease.identity, tokenId: lease.tokenId } : {}),
        ...(requestId ? { requestId } : {}),
      });

    try {
      const headers: Record<string, string> = token ? o.authHeaders(token) : {};
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      else if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;

      const timeout = AbortSignal.timeout(o.timeoutMs);
      let response: SendResponse;
      try {
        response = await o.send({ url, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (error) {
        release({ type: 'failed' });
        event(0, false);
        signal?.throwIfAborted();
        const cause = timeout.aborted ? new Error(`no response within ${o.timeoutMs} ms`) : sanitizeCause(error, secrets);
        if (counters.failures++ < o.retry.retries) return { waitMs: this.#backoff(counters.failures), reason: 'retry' };
        throw new NetworkError(`${o.provider}: GET ${url} failed: ${cause.message}`, {
          provider: o.provider,
          request: `GET ${url}`,
          cause,
        });
      }

      const { status, headers: resHeaders, data } = response;
      const budget = budgetFromHeaders(o.provider, resHeaders, resource);
      const requestId = resHeaders[o.provider === 'github' ? 'x-github-request-id' : 'x-request-id'];
      const verdict = classify(o.provider, status, resHeaders, data);
      const info: ProviderErrorOptions = {
        provider: o.provider,
        status,
        request: `GET ${url}`,
        ...(requestId ? { requestId } : {}),
      };
      const detail = (): string => {
        const text = scrub(apiMessage(data), secrets);
        return `${o.provider} ${status} for GET ${url}${text ? `: ${text}` : ''}`;
      };
      const withBudget = budget ? { budget } : {};

      switch (verdict.kind) {
        case 'ok': {
          release({ type: 'success', ...withBudget });
          event(status, false, requestId);
          const etag = resHeaders['etag'];
          const lastModified = resHeaders['last-modified'];
          if (cacheKey && (etag || lastModified)) {
            await o
              .cache!.set(cacheKey, {
                ...(etag ? { etag } : {}),
                ...(lastModified ? { lastModified } : {}),
                headers: { ...pick(resHeaders, CACHED_HEADERS), ...(lease ? { [HOLDER_HEADER]: lease.identity } : {}) },
                data,
                storedAt: Date.now(),
              })
              .catch(() => undefined); // a cache that cannot write only costs quota
          }
          return { done: { status, headers: resHeaders, data: data as T, url, fromCache: false } };
        }
        case 'not-modified': {
          release({ type: 'success', ...withBudget });
          event(status, true, requestId);
          if (!cached) throw new ProviderError('GITFLEET_PROVIDER_BAD_RESPONSE', `${detail()} (304 without a cached response)`, info);
          const { [HOLDER_HEADER]: _holder, ...stored } = cached.headers;
          return { done: { status: 200, headers: { ...resHeaders, ...stored }, data: cached.data as T, url, fromCache: true } };
        }
        case 'auth':
          event(status, false, requestId);
          if (lease) {
            release({ type: 'invalid-token' });
            if (counters.auth++ < MAX_AUTH_ROTATIONS) return { again: true };
          }
          throw new AuthError(detail(), info);
        case 'primary': {
          event(status, false, requestId);
          const options = { ...info, resetAt: verdict.resetAt, retryAfter: verdict.waitMs };
          if (lease) {
            release({ type: 'rate-limited', resetAt: verdict.resetAt, ...withBudget });
            if (counters.rateLimits++ < o.retry.rateLimitRetries * 4) return { again: true };
          } else if (counters.rateLimits++ < o.retry.rateLimitRetries && verdict.waitMs <= o.retry.maxRateLimitWaitMs) {
            return { waitMs: verdict.waitMs + 1000, reason: 'rate-limit' }; // reset times are whole seconds
          }
          throw new RateLimitError(detail(), options);
        }
        case 'secondary': {
          event(status, false, requestId);
          const options = { ...info, resetAt: Date.now() + verdict.waitMs, retryAfter: verdict.waitMs };
          // The request waits Retry-After even when other identities have budget (GitHub: "wait
          // before retrying"); with a pool its identity is backed off as long.
          if (lease) {
            release({ type: 'secondary-limit', retryAfterMs: verdict.waitMs });
            if (counters.rateLimits++ < o.retry.rateLimitRetries) return { waitMs: verdict.waitMs, reason: 'secondary-rate-limit' };
          } else if (counters.rateLimits++ < o.retry.rateLimitRetries && verdict.waitMs <= o.retry.maxRateLimitWaitMs) {
            return { waitMs: verdict.waitMs, reason: 'secondary-rate-limit' };
          }
          throw new SecondaryRateLimitError(detail(), options);
        }
        case 'server':
          release({ type: 'failed', ...withBudget });
          event(status, false, requestId);
          if (counters.failures++ < o.retry.retries) return { waitMs: this.#backoff(counters.failures), reason: 'retry' };
          throw new ServerError(detail(), info);
        case 'client':
          release({ type: 'success', ...withBudget });
          event(status, false, requestId);
          throw clientError(status, detail(), info);
      }
    } finally {
      // Anything thrown above before a verdict (cache, abort) still frees the lease.
      release({ type: 'failed' });
    }
  }

  async #acquire(resource: string, signal: AbortSignal | undefined, url: string, prefer: string | undefined): Promise<Lease> {
    const o = this.#o;
    const onWait = o.onWait
      ? (event: PoolWaitEvent) => o.onWait?.({ provider: o.provider, reason: event.reason, resource, until: event.until, url })
      : undefined;
    try {
      return await o.pool!.acquire({
        resource,
        provider: o.provider,
        baseUrl: o.baseUrl,
        ...(prefer ? { prefer } : {}),
        ...(onWait ? { onWait } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      signal?.throwIfAborted();
      const code = (error as { code?: unknown }).code;
      const cause = sanitizeCause(error, []);
      const info = { provider: o.provider, cause };
      if (code === 'GITFLEET_TOKENS_EXHAUSTED') {
        const resetAt = Number((error as { data?: { resetAt?: unknown } }).data?.resetAt);
        throw new RateLimitError(`${o.provider}: ${cause.message}`, {
          ...info,
          resetAt,
          retryAfter: Number.isFinite(resetAt) ? Math.max(0, resetAt - Date.now()) : Number.NaN,
        });
      }
      if (code === 'GITFLEET_TOKENS_NO_VALID_TOKEN') throw new AuthError(`${o.provider}: ${cause.message}`, info);
      if (code === 'GITFLEET_TOKENS_IDENTIFY_FAILED') throw new NetworkError(`${o.provider}: ${cause.message}`, info);
      throw error;
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random. */
  #backoff(failures: number): number {
    const { minDelayMs, maxDelayMs } = this.#o.retry;
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** (failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }
}

function clientError(status: number, message: string, info: ProviderErrorOptions): ProviderError {
  if (status === 404 || status === 410) return new NotFoundError(message, info);
  if (status === 422 || status === 400) return new ValidationError(message, info);
  if (status === 403) return new ForbiddenError(message, info);
  return new ProviderError('GITFLEET_PROVIDER_HTTP', message, info);
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
