import { describe, expect, it } from 'vitest';
import { MemoryStateStore, type ReserveResult } from '../src/index.js';

const ID = 'github:https://api.github.com:user:1';
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function reserve(store: MemoryStateStore, now = T0, resource = 'core', maxInFlight = 100) {
  return store.reserve({ identity: ID, resource, maxInFlight, now, ttlMs: 60_000 });
}

function id(result: ReserveResult): string {
  if (!result.ok) throw new Error(`expected a reservation, got ${result.reason}`);
  return result.reservationId;
}

describe('MemoryStateStore', () => {
  it('reserves until remaining minus reservations reaches 0, and reports when it resets', async () => {
    const store = new MemoryStateStore();
    await store.setBudget(ID, { resource: 'core', limit: 10, remaining: 2, resetAt: T0 + HOUR }, T0);
    id(await reserve(store));
    id(await reserve(store));
    expect(await reserve(store)).toEqual({ ok: false, reason: 'budget', retryAt: T0 + HOUR });
    expect(await store.read(ID, T0)).toMatchObject({ inFlight: 2, resources: [{ resource: 'core', remaining: 0, reserved: 2 }] });
  });

  it('restores the limit once the window has passed, and adopts the next window from headers', async () => {
    const store = new MemoryStateStore();
    await store.setBudget(ID, { resource: 'core', limit: 10, remaining: 0, resetAt: T0 + 1000 }, T0);
    expect((await reserve(store)).ok).toBe(false);
    const later = T0 + 2000;
    const r = id(await reserve(store, later));
    expect((await store.read(ID, later)).resources[0]).toMatchObject({ remaining: 9, resetAt: null });
    await store.settle({ reservationId: r, identity: ID, resource: 'core', now: later, consumed: true, budget: { resource: 'core', limit: 10, remaining: 9, resetAt: later + HOUR } });
    expect((await store.read(ID, later)).resources[0]).toMatchObject({ remaining: 9, resetAt: later + HOUR });
    // A header of the old window arriving late changes nothing.
    await store.setBudget(ID, { resource: 'core', limit: 10, remaining: 0, resetAt: T0 + 1000 }, later);
    expect((await store.read(ID, later)).resources[0]).toMatchObject({ remaining: 9 });
  });

  it('a budget drained without headers in an unknown window falls back to a single probe', async () => {
    const store = new MemoryStateStore();
    await store.setBudget(ID, { resource: 'core', limit: 1, remaining: 1, resetAt: T0 + 1000 }, T0);
    const now = T0 + 5000; // window passed: restored to 1, reset unknown
    const r = id(await reserve(store, now));
    expect(await reserve(store, now)).toEqual({ ok: false, reason: 'budget' });
    await store.settle({ reservationId: r, identity: ID, resource: 'core', now, consumed: true });
    id(await reserve(store, now)); // probe
    expect(await reserve(store, now)).toEqual({ ok: false, reason: 'probe' });
  });

  it('checks backoff and concurrency, and expires reservations never settled', async () => {
    const store = new MemoryStateStore();
    await store.setBudget(ID, { resource: 'core', limit: 100, remaining: 100, resetAt: T0 + HOUR }, T0);
    await store.backoff(ID, T0 + 500);
    await store.backoff(ID, T0 + 100); // the later backoff wins
    expect(await reserve(store)).toEqual({ ok: false, reason: 'backoff', retryAt: T0 + 500 });
    const now = T0 + 600;
    id(await reserve(store, now, 'core', 2));
    id(await reserve(store, now, 'search', 2));
    expect(await reserve(store, now, 'core', 2)).toEqual({ ok: false, reason: 'concurrency' });
    expect((await reserve(store, now + 60_000, 'core', 2)).ok).toBe(true);
  });

  it('a rate-limited settle exhausts the resource until then; a refund gives the unit back', async () => {
    const store = new MemoryStateStore();
    await store.setBudget(ID, { resource: 'core', limit: 10, remaining: 5, resetAt: T0 + HOUR }, T0);
    const a = id(await reserve(store));
    await store.settle({ reservationId: a, identity: ID, resource: 'core', now: T0, consumed: false });
    expect((await store.read(ID, T0)).resources[0]).toMatchObject({ remaining: 5, reserved: 0 });
    const b = id(await reserve(store));
    await store.settle({ reservationId: b, identity: ID, resource: 'core', now: T0, consumed: true, exhaustedUntil: T0 + 30_000 });
    expect(await reserve(store)).toEqual({ ok: false, reason: 'budget', retryAt: T0 + 30_000 });
    expect((await reserve(store, T0 + 30_000)).ok).toBe(true);
  });

  it('keeps invalid token keys', async () => {
    const store = new MemoryStateStore();
    await store.markInvalid('k1');
    expect(await store.invalidTokens(['k0', 'k1'])).toEqual(['k1']);
  });
});
