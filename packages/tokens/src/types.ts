import type { ResourceState, StateStore } from './state-store.js';

export type ProviderKind = 'github' | 'gitlab';

/** One configured token. `baseUrl` = API base URL (default: public github.com / gitlab.com). */
export interface TokenSource {
  token: string;
  provider: ProviderKind;
  baseUrl?: string;
  label?: string;
}

/** A rate budget for one resource, from the API (GitHub: core, search, graphql, ...; GitLab: 'gitlab'). */
export interface Budget {
  resource: string;
  limit: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
}

/**
 * What the API says about a token. `identity` is stable per user / app installation, e.g.
 * `github:https://api.github.com:user:583231`: two tokens of one user share one identity and one budget.
 */
export interface IdentityInfo {
  identity: string;
  login?: string;
  budgets: Budget[];
  scopes?: string[];
}

/**
 * Supplied by @gitfleet/providers (`identifyGitHub` / `identifyGitLab`). Throws an error with
 * `code === 'GITFLEET_PROVIDER_AUTH'` when the token is invalid (401): the pool then marks it invalid.
 */
export type Identify = (source: TokenSource, signal?: AbortSignal) => Promise<IdentityInfo>;

export interface IdentityPoolOptions {
  sources: TokenSource[];
  identify: Identify;
  /** When every identity is out of budget: wait for the earliest reset (default) or throw at once. */
  whenExhausted?: 'wait' | 'fail';
  /** Longest wait in acquire() (default 15 min); beyond it -> PoolExhaustedError. */
  maxWaitMs?: number;
  /** Concurrent leases per identity (default 100, GitHub's documented cap on concurrent requests). */
  concurrencyPerIdentity?: number;
  /** Shared budget state (default: a new MemoryStateStore). */
  state?: StateStore;
  /** A lease not released after this long stops counting against concurrency and budget (default 10 min). */
  leaseTtlMs?: number;
  /** How soon a token whose identification failed (network, 5xx) is tried again (default 30 s). */
  reidentifyAfterMs?: number;
}

export interface AcquireOptions {
  /** Rate-limit resource: GitHub `core`, `search`, `graphql`, ...; GitLab `gitlab`. */
  resource: string;
  signal?: AbortSignal;
  /** Only tokens of this provider (default: `gitlab` for resource `gitlab`, else `github`). */
  provider?: ProviderKind;
  /** Only tokens of this API base URL (default: any). Compared without a trailing slash. */
  baseUrl?: string;
  /**
   * An identity to use while it can take the request (budget left, not backed off, below the
   * concurrency cap), e.g. the one holding a cached validator for the URL; else the usual ranking.
   */
  prefer?: string;
  /** Called before acquire() waits for a known time: an earliest reset or the end of a backoff. */
  onWait?: (event: PoolWaitEvent) => void;
}

/** acquire() is about to wait until `until` (epoch ms) because every identity is limited for `resource`. */
export interface PoolWaitEvent {
  resource: string;
  /** `rate-limit`: every identity is out of budget; `secondary-rate-limit`: every one is backed off. */
  reason: 'rate-limit' | 'secondary-rate-limit';
  until: number;
}

export interface IdentityPool {
  /**
   * Resolves when an identity with budget for `resource` is free; reserves 1 unit of budget and 1
   * concurrency slot. Identifies tokens lazily (first call), concurrently, deduplicating identities.
   */
  acquire(options: AcquireOptions): Promise<Lease>;
  /** Masked view of identities, tokens (valid/invalid), budgets, in-flight counts, backoffs. */
  snapshot(): Promise<PoolSnapshot>;
}

export interface Lease {
  /** The secret, for the Authorization header only. Not enumerable: never in JSON or inspect output. */
  readonly token: string;
  readonly identity: string;
  /** Masked fingerprint such as `ghp_…a1b2`, safe to log. */
  readonly tokenId: string;
  readonly resource: string;
  /** Exactly once per lease: frees the concurrency slot and updates the budget (later calls are ignored). */
  release(outcome: LeaseOutcome): void;
}

export type LeaseOutcome =
  | { type: 'success'; budget?: Budget }
  | { type: 'invalid-token' }
  | { type: 'rate-limited'; budget?: Budget; resetAt: number }
  | { type: 'secondary-limit'; retryAfterMs: number }
  | { type: 'failed'; budget?: Budget };

export type TokenStatus = 'pending' | 'valid' | 'invalid' | 'error';

export interface TokenSnapshot {
  tokenId: string;
  provider: ProviderKind;
  baseUrl: string;
  label?: string;
  status: TokenStatus;
  identity?: string;
  /** Why identification failed (status `error`), redacted. */
  error?: string;
}

/** A budget as snapshot() shows it: the state store's view of one resource. */
export type BudgetSnapshot = ResourceState;

export interface IdentitySnapshot {
  identity: string;
  provider: ProviderKind;
  baseUrl: string;
  login?: string;
  scopes?: string[];
  inFlight: number;
  /** Epoch ms until which a secondary limit backs this identity off (absent when not backed off). */
  backoffUntil?: number;
  tokens: string[];
  budgets: BudgetSnapshot[];
}

export interface PoolSnapshot {
  identities: IdentitySnapshot[];
  tokens: TokenSnapshot[];
  /** The last error of the state store while settling a lease in the background, redacted. */
  stateError?: string;
}
