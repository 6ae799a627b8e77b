import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createIdentityPool,
  MemoryStateStore,
  type IdentityPoolOptions,
  type Lease,
  type PoolWaitEvent,
  type TokenSource,
} from '../src/index.js';
import { fakeToken, sleep, TestApi } from './test-api.js';

const ALICE = 'github:https://api.github.com:user:1';
const BOB = 'github:https://api.github.com:user:2';
const CAROL = 'github:https://api.github.com:user:3';

function threeUsers(api: TestApi, budget: number, resetAt?: number): TokenSource[] {
  const core = { limit: budget, ...(resetAt === undefined ? {} : { resetAt }) };
  return [
    ...api.user(ALICE, { core }, [fakeToken('a001')]),
    ...api.user(BOB, { core }, [fakeToken('b001')]),
    ...api.user(CAROL, { core }, [fakeToken('c001')]),
  ];
}

function pool(api: TestApi, sources: TokenSource[], options: Partial<IdentityPoolOptions> = {}) {
  return createIdentityPool({ sources, identify: api.identify, ...options });
}

async function budgetOf(p: ReturnType<typeof pool>, identity: string, resource = 'core') {
  const snap = await p.snapshot();
  return snap.identities.find((i) => i.identity === identity)?.budgets.find((b) => b.resource === resource);
}

describe('identification', () => {
  it('identifies lazily and once per token, and two tokens of one user share one identity and budget', async () => {
    const api = new TestApi();
    const sources = [...api.user(ALICE, { core: { limit: 10 } }, [fakeToken('a001'), fakeToken('a002')]), ...api.user(BOB, { core: { limit: 10 } }, [fakeToken('b001')])];
    const p = pool(api, sources);
    expect(api.identifyCalls).toBe(0);
    const leases = await Promise.all(Array.from({ length: 12 }, () => p.acquire({ resource: 'core' })));
    expect(api.identifyCalls).toBe(3);
    const snap = await p.snapshot();
    expect(snap.identities.map((i) => i.identity).sort()).toEqual([ALICE, BOB]);
    expect(snap.identities.find((i) => i.identity === ALICE)?.tokens).toEqual(['ghp_…a001', 'ghp_…a002']);
    // Both of Alice's tokens drew from one budget of 10; Bob's from his own.
    const byIdentity = (id: string) => leases.filter((l) => l.identity === id).length;
    expect(byIdentity(ALICE) + byIdentity(BOB)).toBe(12);
    expect(byIdentity(ALICE)).toBeLessThanOrEqual(10);
    expect(new Set(leases.filter((l) => l.identity === ALICE).map((l) => l.tokenId))).toEqual(new Set(['ghp_…a001', 'ghp_…a002']));
    expect((await budgetOf(p, ALICE))!.remaining + (await budgetOf(p, BOB))!.remaining).toBe(20 - 12);
  });

  it('marks a token invalid when identify reports a 401, and fails with NoValidTokenError when none is left', async () => {
    const api = new TestApi();
    const sources = threeUsers(api, 5);
    api.rejected.add(sources[0]!.token);
    const p = pool(api, sources);
    const lease = await p.acquire({ resource: 'core' });
    expect(lease.identity).not.toBe(ALICE);
    const snap = await p.snapshot();
    expect(snap.tokens.find((t) => t.tokenId === 'ghp_…a001')?.status).toBe('invalid');

    const allBad = new TestApi();
    const bad = threeUsers(allBad, 5);
    for (const s of bad) allBad.rejected.add(s.token);
    await expect(pool(allBad, bad).acquire({ resource: 'core' })).rejects.toMatchObject({
      name: 'NoValidTokenError',
      code: 'GITFLEET_TOKENS_NO_VALID_TOKEN',
    });
  });

  it('uses the tokens it could identify and reports IdentifyError only when none could be', async () => {
    const api = new TestApi();
    const sources = threeUsers(api, 5);
    api.unreachable.add(sources[0]!.token);
    api.unreachable.add(sources[1]!.token);
    const lease = await pool(api, sources).acquire({ resource: 'core' });
    expect(lease.identity).toBe(CAROL);

    const down = new TestApi();
    const downSources = threeUsers(down, 5);
    for (const s of downSources) down.unreachable.add(s.token);
    const p = pool(down, downSources, { reidentifyAfterMs: 0 });
    const error = await p.acquire({ resource: 'core' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'GITFLEET_TOKENS_IDENTIFY_FAILED' });
    // The cause is kept, but with the token masked.
    expect(String((error as Error).message)).toContain('ECONNREFUSED');
    expect(JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause))).not.toContain(downSources[0]!.token);
    // Once the API is reachable again the same pool recovers.
    down.unreachable.clear();
    await expect(p.acquire({ resource: 'core' })).resolves.toMatchObject({ resource: 'core' });
  });

  it('only hands out tokens of the provider (and base URL) asked for', async () => {
    const gitlab = fakeToken('g001', 'glpat-');
    const api = new TestApi();
    const sources: TokenSource[] = [
      ...api.user(ALICE, { core: { limit: 5 } }, [fakeToken('a001')]),
      { token: gitlab, provider: 'gitlab', baseUrl: 'https://gitlab.example.com/api/v4/' },
    ];
    api.user('gitlab:https://gitlab.example.com/api/v4:user:9', { gitlab: { limit: 5 } }, [gitlab]);
    const p = pool(api, sources);
    expect((await p.acquire({ resource: 'gitlab' })).tokenId).toBe('glpat-…g001');
    expect((await p.acquire({ resource: 'core' })).tokenId).toBe('ghp_…a001');
    await expect(p.acquire({ resource: 'gitlab', baseUrl: 'https://gitlab.com/api/v4' })).rejects.toMatchObject({
      code: 'GITFLEET_TOKENS_NO_VALID_TOKEN',
    });
    expect((await p.acquire({ resource: 'gitlab', baseUrl: 'https://gitlab.example.com/api/v4' })).tokenId).toBe('glpat-…g001');
  });
});

describe('reservations', () => {
  it('120 concurrent acquisitions over 3 x 50 all succeed and never drive an identity below 0', async () => {
    const api = new TestApi();
    const p = pool(api, threeUsers(api, 50));
    const leases = await Promise.all(Array.from({ length: 120 }, () => p.acquire({ resource: 'core' })));
    const counts = new Map<string, number>();
    for (const l of leases) counts.set(l.identity, (counts.get(l.identity) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeLessThanOrEqual(50);
    const snap = await p.snapshot();
    const budgets = snap.identities.map((i) => i.budgets.find((b) => b.resource === 'core')!);
    for (const b of budgets) expect(b.remaining).toBeGreaterThanOrEqual(0);
    expect(budgets.reduce((sum, b) => sum + b.remaining, 0)).toBe(30);
    expect(budgets.reduce((sum, b) => sum + b.reserved, 0)).toBe(120);
    // Every request really goes through the modelled API without exceeding a budget.
    for (const l of leases) l.release({ type: 'success', budget: api.request(l)! });
    const after = await p.snapshot();
    expect(after.identities.reduce((sum, i) => sum + i.budgets[0]!.remaining, 0)).toBe(30);
    expect(after.identities.every((i) => i.inFlight === 0)).toBe(true);
  });

  it("the 151st acquisition over 3 x 50 gets PoolExhaustedError in 'fail' mode", async () => {
    const api = new TestApi();
    const resetAt = Date.now() + 3_600_000;
    const p = pool(api, threeUsers(api, 50, resetAt), { whenExhausted: 'fail' });
    const results = await Promise.allSettled(Array.from({ length: 151 }, () => p.acquire({ resource: 'core' })));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(150);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({
      name: 'PoolExhaustedError',
      code: 'GITFLEET_TOKENS_EXHAUSTED',
      data: { resource: 'core', resetAt },
    });
  });

  it('picks the identity with the most budget left, then rotates as it drains', async () => {
    const api = new TestApi();
    const sources = [
      ...api.user(ALICE, { core: { limit: 100, remaining: 10 } }, [fakeToken('a001')]),
      ...api.user(BOB, { core: { limit: 100, remaining: 40 } }, [fakeToken('b001')]),
      ...api.user(CAROL, { core: { limit: 100, remaining: 25 } }, [fakeToken('c001')]),
    ];
    const p = pool(api, sources);
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      const lease = await p.acquire({ resource: 'core' });
      seen.push(lease.identity);
      lease.release({ type: 'success', budget: api.request(lease)! });
    }
    expect(seen[0]).toBe(BOB);
    // Bob is used until he has no more than Carol, then they alternate; Alice (10 left) is never needed.
    expect(seen.slice(0, 15).every((id) => id === BOB)).toBe(true);
    expect(seen).not.toContain(ALICE);
    expect(api.budgets.get(BOB)!.get('core')!.remaining).toBeGreaterThanOrEqual(api.budgets.get(CAROL)!.get('core')!.remaining - 1);
  });

  it('prefer: the preferred identity takes the request while it has budget, then the ranking decides', async () => {
    const api = new TestApi();
    const sources = [
      ...api.user(ALICE, { core: { limit: 100, remaining: 2 } }, [fakeToken('a001')]),
      ...api.user(BOB, { core: { limit: 100, remaining: 90 } }, [fakeToken('b001')]),
    ];
    const p = pool(api, sources);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const lease = await p.acquire({ resource: 'core', prefer: ALICE });
      seen.push(lease.identity);
      lease.release({ type: 'success', budget: api.request(lease)! });
    }
    // Alice has 2 units: both go to her although Bob has far more; then Bob.
    expect(seen).toEqual([ALICE, ALICE, BOB, BOB]);
    const unknown = await p.acquire({ resource: 'core', prefer: 'github:https://api.github.com:user:999' });
    expect(unknown.identity).toBe(BOB);
    unknown.release({ type: 'success' });
  });

  it('reconciles with response headers, ignoring a late response that carries an older count', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 100, remaining: 50 } }, [fakeToken('a001')]));
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => p.acquire({ resource: 'core' })));
    expect((await budgetOf(p, ALICE))!.remaining).toBe(47);
    const resetAt = api.budgets.get(ALICE)!.get('core')!.resetAt;
    // Another process used 10 meanwhile: the server says 39 after our second request.
    b!.release({ type: 'success', budget: { resource: 'core', limit: 100, remaining: 39, resetAt } });
    a!.release({ type: 'success', budget: { resource: 'core', limit: 100, remaining: 40, resetAt } }); // older count
    expect((await budgetOf(p, ALICE))).toMatchObject({ remaining: 38, reserved: 1 });
    c!.release({ type: 'failed' }); // refunded
    expect((await budgetOf(p, ALICE))).toMatchObject({ remaining: 39, reserved: 0 });
    // A success without headers still costs a unit.
    (await p.acquire({ resource: 'core' })).release({ type: 'success' });
    expect((await budgetOf(p, ALICE))!.remaining).toBe(38);
  });

  it('caps concurrent leases per identity', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 100 } }, [fakeToken('a001')]), { concurrencyPerIdentity: 2 });
    const first = await p.acquire({ resource: 'core' });
    await p.acquire({ resource: 'core' });
    let third: Lease | undefined;
    const pending = p.acquire({ resource: 'core' }).then((l) => (third = l));
    await sleep(100);
    expect(third).toBeUndefined();
    expect((await p.snapshot()).identities[0]!.inFlight).toBe(2);
    first.release({ type: 'success' });
    await pending;
    expect(third?.identity).toBe(ALICE);
  });

  it('frees the slot of a lease never released once leaseTtlMs passes', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 100 } }, [fakeToken('a001')]), { concurrencyPerIdentity: 1, leaseTtlMs: 150 });
    await p.acquire({ resource: 'core' }); // leaked
    await expect(p.acquire({ resource: 'core' })).resolves.toMatchObject({ identity: ALICE });
  });

  it('learns an unknown resource from one probe request before letting more through', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 100 } }, [fakeToken('a001')]));
    const probe = await p.acquire({ resource: 'search' });
    let second: Lease | undefined;
    const pending = p.acquire({ resource: 'search' }).then((l) => (second = l));
    await sleep(100);
    expect(second).toBeUndefined();
    probe.release({ type: 'success', budget: { resource: 'search', limit: 30, remaining: 29, resetAt: Date.now() + 60_000 } });
    await pending;
    expect(await budgetOf(p, ALICE, 'search')).toMatchObject({ status: 'tracked', limit: 30, remaining: 28, reserved: 1 });
  });

  it('treats a resource whose responses carry no rate-limit headers as untracked (no limit)', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 100 } }, [fakeToken('a001')]));
    (await p.acquire({ resource: 'code_search' })).release({ type: 'success' });
    const leases = await Promise.all(Array.from({ length: 20 }, () => p.acquire({ resource: 'code_search' })));
    expect(leases).toHaveLength(20);
    expect(await budgetOf(p, ALICE, 'code_search')).toMatchObject({ status: 'untracked', reserved: 20 });
  });

  it('shares budgets between pools through one state store (as two processes would through Redis)', async () => {
    const api = new TestApi();
    const sources = api.user(ALICE, { core: { limit: 100, remaining: 5 } }, [fakeToken('a001')]);
    const state = new MemoryStateStore();
    const one = pool(api, sources, { state, whenExhausted: 'fail' });
    const two = pool(api, sources, { state, whenExhausted: 'fail' });
    await Promise.all([1, 2, 3].map(() => one.acquire({ resource: 'core' })));
    await Promise.all([1, 2].map(() => two.acquire({ resource: 'core' })));
    await expect(two.acquire({ resource: 'core' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_EXHAUSTED' });
    await expect(one.acquire({ resource: 'core' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_EXHAUSTED' });
  });
});

describe('outcomes', () => {
  it('an invalid-token release marks the token; the next acquire moves to another identity', async () => {
    const api = new TestApi();
    const sources = threeUsers(api, 50);
    const p = pool(api, sources);
    const lease = await p.acquire({ resource: 'core' });
    lease.release({ type: 'invalid-token' });
    const next = await p.acquire({ resource: 'core' });
    expect(next.identity).not.toBe(lease.identity);
    const snap = await p.snapshot();
    expect(snap.tokens.filter((t) => t.status === 'invalid').map((t) => t.tokenId)).toEqual([lease.tokenId]);
    // The refused request did not cost budget.
    expect((await budgetOf(p, lease.identity))!.remaining).toBe(50);
  });

  it('a second token of the same identity takes over when the first is revoked', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 50 } }, [fakeToken('a001'), fakeToken('a002')]));
    const first = await p.acquire({ resource: 'core' });
    first.release({ type: 'invalid-token' });
    for (let i = 0; i < 3; i++) {
      const lease = await p.acquire({ resource: 'core' });
      expect(lease.identity).toBe(ALICE);
      expect(lease.tokenId).not.toBe(first.tokenId);
      lease.release({ type: 'success' });
    }
    (await p.acquire({ resource: 'core' })).release({ type: 'invalid-token' });
    await expect(p.acquire({ resource: 'core' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_NO_VALID_TOKEN' });
  });

  it('a rate-limited release exhausts the identity until resetAt', async () => {
    const api = new TestApi();
    const p = pool(api, threeUsers(api, 50).slice(0, 2), { whenExhausted: 'fail' });
    const resetAt = Date.now() + 600_000;
    const a = await p.acquire({ resource: 'core' });
    a.release({ type: 'rate-limited', resetAt });
    const b = await p.acquire({ resource: 'core' });
    expect(b.identity).not.toBe(a.identity);
    b.release({ type: 'rate-limited', resetAt: resetAt + 1000 });
    await expect(p.acquire({ resource: 'core' })).rejects.toMatchObject({ data: { resource: 'core', resetAt } });
  });

  it('a secondary limit backs the identity off for retryAfterMs', async () => {
    const api = new TestApi();
    const p = pool(api, threeUsers(api, 50).slice(0, 2));
    const a = await p.acquire({ resource: 'core' });
    a.release({ type: 'secondary-limit', retryAfterMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      const lease = await p.acquire({ resource: 'core' });
      expect(lease.identity).not.toBe(a.identity);
      lease.release({ type: 'success' });
    }
    const snap = await p.snapshot();
    expect(snap.identities.find((i) => i.identity === a.identity)?.backoffUntil).toBeGreaterThan(Date.now());

    const single = pool(api, threeUsers(api, 50).slice(0, 1));
    const started = Date.now();
    (await single.acquire({ resource: 'core' })).release({ type: 'secondary-limit', retryAfterMs: 300 });
    await single.acquire({ resource: 'core' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('release() twice counts once; a malformed outcome throws', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 50 } }, [fakeToken('a001')]));
    const lease = await p.acquire({ resource: 'core' });
    expect(() => lease.release({ type: 'nope' } as never)).toThrow(expect.objectContaining({ code: 'GITFLEET_TOKENS_INVALID_OPTION' }) as Error);
    lease.release({ type: 'success' });
    lease.release({ type: 'success' });
    expect(await budgetOf(p, ALICE)).toMatchObject({ remaining: 49, reserved: 0 });
  });
});

describe('when every identity is exhausted', () => {
  it("'wait' resolves after the earliest reset, and the new window restores the limit", async () => {
    const api = new TestApi();
    const sources = [
      ...api.user(ALICE, { core: { limit: 3, remaining: 0, resetAt: Date.now() + 400 } }, [fakeToken('a001')]),
      ...api.user(BOB, { core: { limit: 3, remaining: 0, resetAt: Date.now() + 60_000 } }, [fakeToken('b001')]),
    ];
    const p = pool(api, sources);
    const started = Date.now();
    const leases = await Promise.all([1, 2, 3].map(() => p.acquire({ resource: 'core' })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(leases.every((l) => l.identity === ALICE)).toBe(true);
    expect(await budgetOf(p, ALICE)).toMatchObject({ limit: 3, remaining: 0, reserved: 3 });
  });

  it('onWait hears once what acquire() waits for and until when', async () => {
    const api = new TestApi();
    const resetAt = Date.now() + 400;
    const sources = [
      ...api.user(ALICE, { core: { limit: 3, remaining: 0, resetAt } }, [fakeToken('a001')]),
      ...api.user(BOB, { core: { limit: 3, remaining: 0, resetAt: Date.now() + 60_000 } }, [fakeToken('b001')]),
    ];
    const events: PoolWaitEvent[] = [];
    const lease = await pool(api, sources).acquire({ resource: 'core', onWait: (e) => events.push(e) });
    expect(lease.identity).toBe(ALICE);
    expect(events).toEqual([{ resource: 'core', reason: 'rate-limit', until: resetAt }]);

    const backedOff = pool(api, threeUsers(api, 50).slice(0, 1));
    (await backedOff.acquire({ resource: 'core' })).release({ type: 'secondary-limit', retryAfterMs: 300 });
    const waits: PoolWaitEvent[] = [];
    await backedOff.acquire({ resource: 'core', onWait: (e) => waits.push(e) });
    expect(waits).toEqual([expect.objectContaining({ resource: 'core', reason: 'secondary-rate-limit' })]);
  });

  it('gives up with PoolExhaustedError at once when the next reset is beyond maxWaitMs', async () => {
    const api = new TestApi();
    const resetAt = Date.now() + 3_600_000;
    const p = pool(api, api.user(ALICE, { core: { limit: 3, remaining: 0, resetAt } }, [fakeToken('a001')]), { maxWaitMs: 60_000 });
    await expect(p.acquire({ resource: 'core' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_EXHAUSTED', data: { resetAt } });
  });

  it('stops waiting for a busy identity after maxWaitMs', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 50 } }, [fakeToken('a001')]), { concurrencyPerIdentity: 1, maxWaitMs: 200 });
    await p.acquire({ resource: 'core' });
    await expect(p.acquire({ resource: 'core' })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_EXHAUSTED' });
  });

  it('honours the AbortSignal while waiting', async () => {
    const api = new TestApi();
    const p = pool(api, api.user(ALICE, { core: { limit: 3, remaining: 0, resetAt: Date.now() + 600_000 } }, [fakeToken('a001')]));
    const controller = new AbortController();
    const pending = p.acquire({ resource: 'core', signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'GITFLEET_TOKENS_ABORTED' });
    await expect(p.acquire({ resource: 'core', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'GITFLEET_TOKENS_ABORTED' });
    // Nothing stays reserved by the aborted callers.
    expect(await budgetOf(p, ALICE)).toMatchObject({ reserved: 0 });
  });
});

describe('secrets', () => {
  it('never shows a token in leases, snapshots or errors', async () => {
    const api = new TestApi();
    const sources = threeUsers(api, 1);
    api.unreachable.add(sources[2]!.token); // its error message contains the token
    const p = pool(api, sources, { whenExhausted: 'fail' });
    const lease = await p.acquire({ resource: 'core' });
    await p.acquire({ resource: 'core' });
    const error = await p.acquire({ resource: 'core' }).catch((e: unknown) => e);
    const snap = await p.snapshot();
    expect(snap.tokens.find((t) => t.status === 'error')?.error).toContain('ghp_…c001');
    const outputs = [
      JSON.stringify(lease),
      inspect(lease, { depth: 5, showHidden: true }),
      `${String(lease)}`,
      JSON.stringify(snap),
      inspect(snap, { depth: 10 }),
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
      String(error),
    ];
    for (const out of outputs) for (const s of sources) expect(out).not.toContain(s.token);
    expect(lease.token).toBe(sources.find((s) => s.token.endsWith(lease.tokenId.slice(-4)))!.token);
  });

  it('rejects bad options with InvalidOptionError', () => {
    const identify = new TestApi().identify;
    expect(() => createIdentityPool({ sources: [{ token: '', provider: 'github' }], identify })).toThrow(/sources\[0\]\.token/);
    expect(() => createIdentityPool({ sources: [], identify, concurrencyPerIdentity: 0 })).toThrow(/concurrencyPerIdentity/);
    expect(() => createIdentityPool({ sources: [], identify, whenExhausted: 'later' as never })).toThrow(/whenExhausted/);
  });
});
