import { randomUUID } from 'node:crypto';
import type {
  IdentityState,
  ReserveRequest,
  ReserveResult,
  ResourceState,
  SettleRequest,
  StateStore,
} from './state-store.js';
import type { Budget } from './types.js';

/** Reset times within this distance belong to one window (headers carry whole seconds). */
const WINDOW_SLACK_MS = 1000;
/** A primary limit whose reset already passed by our clock (skew) still blocks this long. */
const MIN_EXHAUSTED_MS = 1000;

/** `remaining: null` = untracked (the API sends no rate-limit headers for this resource). */
interface ResourceRecord {
  limit: number;
  remaining: number | null;
  resetAt: number | null;
}

interface IdentityRecord {
  backoffUntil: number;
  resources: Map<string, ResourceRecord>;
  reservations: Map<string, { resource: string; expiresAt: number }>;
}

/**
 * The default {@link StateStore}: budgets of one process, in memory. Every method runs to completion
 * without awaiting, so each is atomic under concurrent callers.
 *
 * @example
 * const state = new MemoryStateStore();
 * const github = createIdentityPool({ sources, identify, state });
 * const graphql = createIdentityPool({ sources, identify, state }); // shares budgets with `github`
 */
export class MemoryStateStore implements StateStore {
  readonly #identities = new Map<string, IdentityRecord>();
  readonly #invalid = new Set<string>();

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const { identity, resource, now } = request;
    const record = this.#record(identity, now);
    if (record.backoffUntil > now) return { ok: false, reason: 'backoff', retryAt: record.backoffUntil };
    const reserved = countReserved(record, resource);
    const budget = current(record, resource, reserved, now);
    if (budget === undefined) {
      // Unknown budget: let one request through to learn it from the response headers.
      if (reserved > 0) return { ok: false, reason: 'probe' };
    } else if (budget.remaining !== null && budget.remaining - reserved <= 0) {
      return budget.resetAt === null ? { ok: false, reason: 'budget' } : { ok: false, reason: 'budget', retryAt: budget.resetAt };
    }
    if (record.reservations.size >= request.maxInFlight) return { ok: false, reason: 'concurrency' };
    const reservationId = randomUUID();
    record.reservations.set(reservationId, { resource, expiresAt: now + request.ttlMs });
    return { ok: true, reservationId };
  }

  async settle(request: SettleRequest): Promise<void> {
    const { resource, now, budget } = request;
    const record = this.#record(request.identity, now);
    record.reservations.delete(request.reservationId);
    if (budget) mergeInto(record, budget, now);
    if (request.exhaustedUntil !== undefined) {
      record.resources.set(resource, {
        limit: (budget?.resource === resource ? budget.limit : record.resources.get(resource)?.limit) ?? 0,
        remaining: 0,
        resetAt: Math.max(request.exhaustedUntil, now + MIN_EXHAUSTED_MS),
      });
    } else if (budget?.resource !== resource && request.consumed) {
      const known = current(record, resource, countReserved(record, resource), now);
      if (known === undefined) record.resources.set(resource, { limit: 0, remaining: null, resetAt: null });
      else if (known.remaining !== null) known.remaining = Math.max(0, known.remaining - 1);
    }
  }

  async setBudget(identity: string, budget: Budget, now: number): Promise<void> {
    mergeInto(this.#record(identity, now), budget, now);
  }

  async backoff(identity: string, until: number): Promise<void> {
    const record = this.#record(identity, 0);
    record.backoffUntil = Math.max(record.backoffUntil, until);
  }

  async markInvalid(tokenKey: string): Promise<void> {
    this.#invalid.add(tokenKey);
  }

  async invalidTokens(tokenKeys: readonly string[]): Promise<string[]> {
    return tokenKeys.filter((key) => this.#invalid.has(key));
  }

  async read(identity: string, now: number): Promise<IdentityState> {
    const record = this.#record(identity, now);
    const resources: ResourceState[] = [];
    for (const name of [...record.resources.keys()].sort()) {
      const reserved = countReserved(record, name);
      const budget = current(record, name, reserved, now);
      if (!budget) continue;
      resources.push({
        resource: name,
        status: budget.remaining === null ? 'untracked' : 'tracked',
        limit: budget.limit,
        remaining: budget.remaining === null ? 0 : Math.max(0, budget.remaining - reserved),
        reserved,
        resetAt: budget.resetAt,
      });
    }
    return {
      identity,
      inFlight: record.reservations.size,
      backoffUntil: record.backoffUntil > now ? record.backoffUntil : 0,
      resources,
    };
  }

  /** The identity's record, created on first use, with expired reservations dropped. */
  #record(identity: string, now: number): IdentityRecord {
    let record = this.#identities.get(identity);
    if (!record) {
      record = { backoffUntil: 0, resources: new Map(), reservations: new Map() };
      this.#identities.set(identity, record);
    }
    for (const [id, reservation] of record.reservations) if (reservation.expiresAt <= now) record.reservations.delete(id);
    return record;
  }
}

function countReserved(record: IdentityRecord, resource: string): number {
  let count = 0;
  for (const reservation of record.reservations.values()) if (reservation.resource === resource) count++;
  return count;
}

/**
 * The resource's record for the current window: a window whose reset passed is restored to its limit
 * (reset time unknown until the next response). A budget drained without any header telling the new
 * window, with nothing in flight to tell it, becomes unknown again so one request can probe it.
 */
function current(record: IdentityRecord, resource: string, reserved: number, now: number): ResourceRecord | undefined {
  const budget = record.resources.get(resource);
  if (!budget || budget.remaining === null) return budget;
  if (budget.resetAt !== null && budget.resetAt <= now) {
    budget.remaining = budget.limit;
    budget.resetAt = null;
  }
  if (budget.resetAt === null && budget.remaining - reserved <= 0 && reserved === 0) {
    record.resources.delete(resource);
    return undefined;
  }
  return budget;
}

/**
 * Reconciles a budget from the API with the stored one. Within one window the server's count only
 * goes down, so the lowest `remaining` wins: a late response carrying an older, higher count is ignored.
 * A later window replaces the record; an earlier or already finished one is ignored.
 */
function mergeInto(record: IdentityRecord, budget: Budget, now: number): void {
  const stored = record.resources.get(budget.resource);
  if (budget.resetAt <= now) {
    if (!stored) record.resources.set(budget.resource, { limit: budget.limit, remaining: budget.limit, resetAt: null });
    return;
  }
  const fresh = { limit: budget.limit, remaining: Math.max(0, budget.remaining), resetAt: budget.resetAt };
  if (!stored || stored.remaining === null || stored.resetAt === null || budget.resetAt > stored.resetAt + WINDOW_SLACK_MS) {
    record.resources.set(budget.resource, fresh);
  } else if (budget.resetAt >= stored.resetAt - WINDOW_SLACK_MS) {
    stored.limit = budget.limit;
    stored.remaining = Math.min(stored.remaining, fresh.remaining);
    stored.resetAt = Math.max(stored.resetAt, budget.resetAt);
  }
}
