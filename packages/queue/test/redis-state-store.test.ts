import { Redis } from 'ioredis';
import { MemoryStateStore, type StateStore } from '@gitfleet/tokens';
import { mulberry32, startRedis, type RedisServer } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStateStore } from '../src/index.js';

// The Redis store against the in-memory one of @gitfleet/tokens (the reference): the same random
// sequences of operations give the same answers and the same state, step by step; and concurrent
// reservations from many connections never overdraw a budget.

const T0 = 1_700_000_000_000;
const IDENTITIES = ['github:https://api.github.com:user:1', 'github:https://api.github.com:user:2'];
const RESOURCES = ['core', 'search'];

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis({ persistent: false });
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** Reservation ids differ between stores: each store's own ids, by position. */
type Held = { identity: string; resource: string; ids: [string, string] }[];

async function step(stores: [StateStore, StateStore], random: () => number, now: number, held: Held): Promise<unknown[]> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const identity = pick(IDENTITIES);
  const resource = pick(RESOURCES);
  const op = random();
  const both = async <T>(fn: (store: StateStore, i: 0 | 1) => Promise<T>): Promise<[T, T]> => [await fn(stores[0], 0), await fn(stores[1], 1)];
  const budget = () => ({ resource, limit: 10, remaining: Math.floor(random() * 12) - 1, resetAt: now + Math.floor(random() * 8000) - 2000 });
  if (op < 0.35) {
    const request = { identity, resource, maxInFlight: 4, now, ttlMs: Math.floor(random() * 5000) + 200 };
    const [a, b] = await both((s) => s.reserve(request));
    if (a.ok && b.ok) held.push({ identity, resource, ids: [a.reservationId, b.reservationId] });
    const strip = (r: typeof a) => (r.ok ? { ok: true } : r);
    return ['reserve', strip(a), strip(b)];
  }
  if (op < 0.6 && held.length > 0) {
    const lease = held.splice(Math.floor(random() * held.length), 1)[0]!;
    const kind = random();
    const extra = kind < 0.4 ? { budget: { ...budget(), resource: lease.resource } } : kind < 0.5 ? { exhaustedUntil: now + 3000 } : kind < 0.6 ? { budget: { ...budget(), resource: 'graphql' } } : {};
    const consumed = random() < 0.7;
    await both((s, i) => s.settle({ reservationId: lease.ids[i], identity: lease.identity, resource: lease.resource, now, consumed, ...extra }));
    return ['settle'];
  }
  if (op < 0.75) {
    const b = budget();
    await both((s) => s.setBudget(identity, b, now));
    return ['setBudget'];
  }
  if (op < 0.8) {
    const until = now + Math.floor(random() * 3000);
    await both((s) => s.backoff(identity, until));
    return ['backoff'];
  }
  if (op < 0.85) {
    const key = `k${String(Math.floor(random() * 4))}`;
    await both((s) => s.markInvalid(key));
    const [a, b] = await both((s) => s.invalidTokens(['k0', 'k1', 'k2', 'k3', 'k9']));
    return ['invalid', a, b];
  }
  const [a, b] = await both((s) => s.read(identity, now));
  return ['read', a, b];
}

describe('createRedisStateStore', () => {
  it('answers like MemoryStateStore on random sequences of every operation, and ends in the same state', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const random = mulberry32(seed);
      const stores: [StateStore, StateStore] = [new MemoryStateStore(), createRedisStateStore(redis, { prefix: `diff${String(seed)}` })];
      const held: Held = [];
      let now = T0;
      for (let i = 0; i < 150; i++) {
        now += Math.floor(random() * 400);
        const [name, a, b] = await step(stores, random, now, held);
        if (a !== undefined) expect(b, `seed ${String(seed)} step ${String(i)} ${String(name)}`).toEqual(a);
      }
      for (const identity of IDENTITIES) expect(await stores[1].read(identity, now)).toEqual(await stores[0].read(identity, now));
    }
  });

  it('8 connections reserving at once never hand out more than the budget', async () => {
    const identity = IDENTITIES[0]!;
    const connections = Array.from({ length: 8 }, () => new Redis(server.url));
    try {
      const stores = connections.map((c) => createRedisStateStore(c, { prefix: 'race' }));
      await stores[0]!.setBudget(identity, { resource: 'core', limit: 50, remaining: 50, resetAt: Date.now() + 3_600_000 }, Date.now());
      const results = await Promise.all(
        Array.from({ length: 400 }, (_, i) => stores[i % stores.length]!.reserve({ identity, resource: 'core', maxInFlight: 1000, now: Date.now(), ttlMs: 60_000 })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'budget')).toBe(true);
      expect(await stores[3]!.read(identity, Date.now())).toMatchObject({ inFlight: 50, resources: [{ resource: 'core', remaining: 0, reserved: 50 }] });
    } finally {
      for (const c of connections) c.disconnect();
    }
  });
});
