import type { Budget } from './types.js';

/**
 * Shared rate-limit state of an identity pool. Each method must be atomic on its own (one Redis
 * Lua script / MULTI each), so several pools, in one process or many, can share budgets without
 * overdrawing them. The store never sees a token: only identities and `tokenKey()` hashes.
 *
 * Budget model per (identity, resource): `remaining` is the server's last known remaining count
 * (the lowest seen in the current window), and every unsettled reservation counts against it, so
 * the units available are `remaining - reserved`. README.md describes a Redis implementation.
 */
export interface StateStore {
  /**
   * Atomically: drop expired reservations, restore a window whose reset passed, then check backoff,
   * budget and concurrency, and if all pass record a reservation (1 budget unit + 1 concurrency slot).
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Atomically: drop the reservation (if still there) and apply the outcome to the budget(s). */
  settle(request: SettleRequest): Promise<void>;
  /** Merges a budget learnt outside a lease (e.g. from `identify`); reservations are untouched. */
  setBudget(identity: string, budget: Budget, now: number): Promise<void>;
  /** Backs the identity off until `until` (epoch ms); keeps the later of two backoffs. */
  backoff(identity: string, until: number): Promise<void>;
  /** Marks a token (by `tokenKey()`) as rejected by the API, for every process. */
  markInvalid(tokenKey: string): Promise<void>;
  /** Which of these token keys are marked invalid. */
  invalidTokens(tokenKeys: readonly string[]): Promise<string[]>;
  /** The identity's current state (windows whose reset passed shown as restored). */
  read(identity: string, now: number): Promise<IdentityState>;
}

export interface ReserveRequest {
  identity: string;
  resource: string;
  /** Concurrency cap per identity. */
  maxInFlight: number;
  now: number;
  /** The reservation expires after this long when never settled (a crashed process). */
  ttlMs: number;
}

export type ReserveResult =
  | { ok: true; reservationId: string }
  | {
      ok: false;
      /**
       * backoff: secondary limit; budget: no units left; concurrency: maxInFlight leases out;
       * probe: the budget is unknown and one request is already out to learn it.
       */
      reason: 'backoff' | 'budget' | 'concurrency' | 'probe';
      /** When it may succeed (backoff end, budget reset), if known; else retry after a settle. */
      retryAt?: number;
    };

export interface SettleRequest {
  reservationId: string;
  identity: string;
  resource: string;
  now: number;
  /** Without a budget for `resource`: whether the request counted against it (false refunds it). */
  consumed: boolean;
  /** Rate-limit headers of the response, reconciled with the stored budget. */
  budget?: Budget;
  /** The primary limit was hit: `resource` has nothing left until then (epoch ms). */
  exhaustedUntil?: number;
}

export interface ResourceState {
  resource: string;
  /** tracked: a budget is known; untracked: the API sent no rate-limit headers for it. */
  status: 'tracked' | 'untracked';
  limit: number;
  /** Units available now: the server's remaining minus reservations in flight (never below 0). */
  remaining: number;
  /** Unsettled reservations. */
  reserved: number;
  /** End of the window (epoch ms); null after a reset until a response tells the new one. */
  resetAt: number | null;
}

export interface IdentityState {
  identity: string;
  /** Unsettled reservations over all resources (the concurrency in use). */
  inFlight: number;
  /** Epoch ms; 0 when not backed off. */
  backoffUntil: number;
  /** Resources with a known state; any other resource is unknown (first request probes it). */
  resources: ResourceState[];
}
