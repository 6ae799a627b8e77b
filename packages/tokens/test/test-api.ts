import type { Budget, IdentityInfo, Lease, TokenSource } from '../src/index.js';

/** A token that looks like a real one: `ghp_` + 32 filler characters + a 4-character tail. */
export function fakeToken(tail: string, prefix = 'ghp_'): string {
  return `${prefix}${'x'.repeat(32)}${tail}`;
}

/**
 * A small model of a rate-limited API on the test's side of `identify`: identities with per-resource
 * budgets that requests really consume, tokens mapped to identities, and tokens the API rejects.
 */
export class TestApi {
  readonly budgets = new Map<string, Map<string, Budget>>();
  readonly tokens = new Map<string, string>();
  readonly rejected = new Set<string>();
  readonly unreachable = new Set<string>();
  identifyCalls = 0;
  /** Per identity, the number of requests served. */
  readonly served = new Map<string, number>();

  /** Registers an identity with a budget per resource; returns its tokens' sources. */
  user(identity: string, budgets: Record<string, { limit: number; remaining?: number; resetAt?: number }>, tokens: string[]): TokenSource[] {
    const map = new Map<string, Budget>();
    for (const [resource, b] of Object.entries(budgets)) {
      map.set(resource, { resource, limit: b.limit, remaining: b.remaining ?? b.limit, resetAt: b.resetAt ?? Date.now() + 3_600_000 });
    }
    this.budgets.set(identity, map);
    for (const token of tokens) this.tokens.set(token, identity);
    return tokens.map((token) => ({ token, provider: 'github' as const }));
  }

  identify = async (source: TokenSource): Promise<IdentityInfo> => {
    this.identifyCalls++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.unreachable.has(source.token)) {
      throw Object.assign(new Error(`connect ECONNREFUSED while using ${source.token}`), { code: 'ECONNREFUSED' });
    }
    const identity = this.tokens.get(source.token);
    if (!identity || this.rejected.has(source.token)) {
      throw Object.assign(new Error('Bad credentials'), { code: 'GITFLEET_PROVIDER_AUTH' });
    }
    return {
      identity,
      login: identity.split(':').pop()!,
      scopes: ['repo'],
      budgets: [...this.budgets.get(identity)!.values()].map((b) => ({ ...b })),
    };
  };

  /** Serves one request with the lease's token: consumes budget, returns the response's header budget. */
  request(lease: Lease): Budget | undefined {
    const identity = this.tokens.get(lease.token)!;
    const budget = this.budgets.get(identity)?.get(lease.resource);
    this.served.set(identity, (this.served.get(identity) ?? 0) + 1);
    if (!budget) return undefined;
    if (budget.resetAt <= Date.now()) Object.assign(budget, { remaining: budget.limit, resetAt: Date.now() + 3_600_000 });
    if (budget.remaining <= 0) throw new Error(`over the limit on ${identity}`);
    budget.remaining--;
    return { ...budget };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
