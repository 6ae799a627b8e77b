import { ChangeSignal, raceAbort } from './change-signal.js';
import { AbortError, IdentifyError, InvalidOptionError, NoValidTokenError, PoolExhaustedError } from './errors.js';
import { maskToken, sanitizeError, tokenKey } from './mask.js';
import { MemoryStateStore } from './memory-state-store.js';
import type { IdentityState, ReserveResult } from './state-store.js';
import { TokenLease } from './token-lease.js';
import type {
  AcquireOptions,
  Identify,
  IdentityInfo,
  IdentityPool,
  IdentityPoolOptions,
  IdentitySnapshot,
  Lease,
  LeaseOutcome,
  PoolSnapshot,
  ProviderKind,
  TokenSource,
  TokenStatus,
} from './types.js';

const DEFAULTS = {
  whenExhausted: 'wait',
  maxWaitMs: 15 * 60_000,
  concurrencyPerIdentity: 100,
  leaseTtlMs: 10 * 60_000,
  reidentifyAfterMs: 30_000,
} satisfies Omit<Required<IdentityPoolOptions>, 'sources' | 'identify' | 'state'>;

/** While waiting, state is read again at least this often (other processes may free budget). */
const POLL_MS = 1000;

/** API base URLs of tokens configured without one. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderKind, string>> = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com/api/v4',
};

interface TokenEntry {
  source: TokenSource;
  key: string;
  tokenId: string;
  baseUrl: string;
  status: TokenStatus;
  identity?: string;
  error?: Error;
  attemptAt: number;
  identifying?: Promise<void>;
}

interface IdentityEntry {
  identity: string;
  provider: ProviderKind;
  baseUrl: string;
  login?: string;
  scopes?: string[];
  tokens: TokenEntry[];
  next: number;
}

type Resolved = Required<Omit<IdentityPoolOptions, 'sources'>>;

/**
 * Creates a pool that hands out tokens by identity (user or app installation) and rate budget.
 * Tokens are identified lazily with `identify` on the first acquire().
 *
 * @example
 * import { createIdentityPool, tokenSourcesFromEnv } from '@gitfleet/tokens';
 * import { identifyGitHub } from '@gitfleet/providers';
 *
 * const pool = createIdentityPool({ sources: tokenSourcesFromEnv(), identify: identifyGitHub() });
 * const lease = await pool.acquire({ resource: 'core', signal });
 * try {
 *   const res = await fetch(url, { headers: { authorization: `Bearer ${lease.token}` } });
 *   lease.release({ type: 'success', budget: budgetFromHeaders(res.headers) });
 * } catch (error) {
 *   lease.release({ type: 'failed' });
 *   throw error;
 * }
 */
export function createIdentityPool(options: IdentityPoolOptions): IdentityPool {
  return new Pool(options);
}

class Pool implements IdentityPool {
  readonly #options: Resolved;
  readonly #tokens: TokenEntry[];
  readonly #identities = new Map<string, IdentityEntry>();
  readonly #settling = new Set<Promise<void>>();
  readonly #changes = new ChangeSignal();
  #storeError: Error | undefined;

  constructor(options: IdentityPoolOptions) {
    this.#options = validateOptions(options);
    const seen = new Set<string>();
    this.#tokens = [];
    for (const source of options.sources) {
      const baseUrl = normalizeBaseUrl(source.baseUrl ?? DEFAULT_BASE_URLS[source.provider]);
      const key = tokenKey(source.token);
      if (seen.has(`${source.provider} ${baseUrl} ${key}`)) continue;
      seen.add(`${source.provider} ${baseUrl} ${key}`);
      this.#tokens.push({ source, key, tokenId: maskToken(source.token), baseUrl, status: 'pending', attemptAt: 0 });
    }
  }

  async acquire(options: AcquireOptions): Promise<Lease> {
    const { resource, signal } = options;
    if (typeof resource !== 'string' || resource === '') throw new InvalidOptionError('acquire() needs a resource such as "core"');
    const provider = options.provider ?? (resource === 'gitlab' ? 'gitlab' : 'github');
    const baseUrl = options.baseUrl === undefined ? undefined : normalizeBaseUrl(options.baseUrl);
    const { maxWaitMs, whenExhausted } = this.#options;
    const deadline = Date.now() + maxWaitMs;
    let announced = 0;
    for (;;) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      await this.#flush();
      const candidates = await this.#candidates(provider, baseUrl, signal);
      const now = Date.now();
      const states = await Promise.all(candidates.map((c) => this.#options.state.read(c.identity, now)));
      const blocked: Exclude<ReserveResult, { ok: true }>[] = [];
      const order = rank(states, resource, this.#options.concurrencyPerIdentity);
      const preferred = candidates.findIndex((c) => c.identity === options.prefer);
      if (preferred >= 0) order.unshift(...order.splice(order.indexOf(preferred), 1));
      for (const index of order) {
        const lease = await this.#tryReserve(candidates[index]!, resource, signal);
        if (lease instanceof TokenLease) return lease;
        if (lease) blocked.push(lease);
      }
      if (blocked.length < candidates.length) continue; // an identity lost its last valid token meanwhile
      const after = Date.now();
      const busy = blocked.some((b) => b.retryAt === undefined);
      const retryAt = Math.min(...blocked.map((b) => b.retryAt ?? Infinity));
      if (!busy) {
        const why = blocked.every((b) => b.reason === 'backoff') ? 'secondary rate limit' : 'primary rate limit';
        if (whenExhausted === 'fail') throw new PoolExhaustedError(resource, retryAt, why);
        if (retryAt > deadline) throw new PoolExhaustedError(resource, retryAt, `${why}, reset is beyond maxWaitMs`);
      }
      if (after >= deadline) {
        throw new PoolExhaustedError(resource, Number.isFinite(retryAt) ? retryAt : after, `waited maxWaitMs (${maxWaitMs} ms)`);
      }
      if (!busy && retryAt > after && retryAt !== announced) {
        announced = retryAt;
        const reason = blocked.every((b) => b.reason === 'backoff') ? 'secondary-rate-limit' : 'rate-limit';
        options.onWait?.({ resource, reason, until: retryAt });
      }
      await this.#changes.wait(Math.max(1, Math.min(retryAt, after + POLL_MS, deadline) - after), signal);
    }
  }

  async snapshot(): Promise<PoolSnapshot> {
    await this.#flush();
    await this.#syncInvalid(this.#tokens);
    await Promise.all(this.#tokens.filter((t) => t.status === 'pending' || t.identifying !== undefined).map((t) => this.#identify(t)));
    const now = Date.now();
    const identities: IdentitySnapshot[] = [];
    for (const entry of this.#identities.values()) {
      const state = await this.#options.state.read(entry.identity, now);
      identities.push({
        identity: entry.identity,
        provider: entry.provider,
        baseUrl: entry.baseUrl,
        ...(entry.login === undefined ? {} : { login: entry.login }),
        ...(entry.scopes === undefined ? {} : { scopes: [...entry.scopes] }),
        inFlight: state.inFlight,
        ...(state.backoffUntil > now ? { backoffUntil: state.backoffUntil } : {}),
        tokens: entry.tokens.map((t) => t.tokenId),
        budgets: state.resources.map((r) => ({ ...r })),
      });
    }
    const tokens = this.#tokens.map((t) => ({
      tokenId: t.tokenId,
      provider: t.source.provider,
      baseUrl: t.baseUrl,
      ...(t.source.label === undefined ? {} : { label: t.source.label }),
      status: t.status,
      ...(t.identity === undefined ? {} : { identity: t.identity }),
      ...(t.error === undefined ? {} : { error: t.error.message }),
    }));
    return { identities, tokens, ...(this.#storeError ? { stateError: this.#storeError.message } : {}) };
  }

  /** Reserves on one identity; returns a lease, the reason it is blocked, or undefined to skip it. */
  async #tryReserve(
    entry: IdentityEntry,
    resource: string,
    signal: AbortSignal | undefined,
  ): Promise<TokenLease | Exclude<ReserveResult, { ok: true }> | undefined> {
    const { state, concurrencyPerIdentity, leaseTtlMs } = this.#options;
    const result = await state.reserve({
      identity: entry.identity,
      resource,
      maxInFlight: concurrencyPerIdentity,
      now: Date.now(),
      ttlMs: leaseTtlMs,
    });
    if (!result.ok) return result;
    const valid = entry.tokens.filter((t) => t.status === 'valid');
    const token = valid[entry.next++ % Math.max(1, valid.length)];
    if (!token || signal?.aborted) {
      // Every token of this identity turned invalid meanwhile, or the caller gave up: refund.
      this.#settle(async () => state.settle({ reservationId: result.reservationId, identity: entry.identity, resource, now: Date.now(), consumed: false }));
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      return undefined;
    }
    const fields = { token: token.source.token, identity: entry.identity, tokenId: token.tokenId, resource };
    return new TokenLease(fields, (outcome) => this.#release(token, entry.identity, resource, result.reservationId, outcome));
  }

  #release(token: TokenEntry, identity: string, resource: string, reservationId: string, outcome: LeaseOutcome): void {
    const { state } = this.#options;
    const now = Date.now();
    const settle = { reservationId, identity, resource, now };
    if (outcome.type === 'invalid-token') {
      token.status = 'invalid'; // at once, so the caller's next acquire() skips it
      this.#settle(async () => {
        await state.markInvalid(token.key);
        await state.settle({ ...settle, consumed: false });
      });
      return;
    }
    const budget = outcome.type === 'secondary-limit' ? undefined : outcome.budget;
    const withBudget = budget === undefined ? settle : { ...settle, budget };
    switch (outcome.type) {
      case 'success':
        this.#settle(async () => state.settle({ ...withBudget, consumed: true }));
        break;
      case 'rate-limited':
        this.#settle(async () => state.settle({ ...withBudget, consumed: true, exhaustedUntil: outcome.resetAt }));
        break;
      case 'secondary-limit':
        this.#settle(async () => {
          await state.backoff(identity, now + outcome.retryAfterMs);
          await state.settle({ ...settle, consumed: true });
        });
        break;
      case 'failed':
        this.#settle(async () => state.settle({ ...withBudget, consumed: false }));
        break;
    }
  }

  /** Runs a state update in the background; acquire() and snapshot() wait for those in flight. */
  #settle(update: () => Promise<void>): void {
    const done: Promise<void> = update()
      .catch((error: unknown) => {
        this.#storeError = sanitizeError(error, this.#secrets());
      })
      .finally(() => {
        this.#settling.delete(done);
        this.#changes.notify();
      });
    this.#settling.add(done);
  }

  async #flush(): Promise<void> {
    if (this.#settling.size > 0) await Promise.allSettled([...this.#settling]);
  }

  /** Identities usable for this provider/baseUrl, identifying tokens first when needed. */
  async #candidates(provider: ProviderKind, baseUrl: string | undefined, signal?: AbortSignal): Promise<IdentityEntry[]> {
    const matching = this.#tokens.filter((t) => t.source.provider === provider && (baseUrl === undefined || t.baseUrl === baseUrl));
    if (matching.length === 0) {
      throw new NoValidTokenError(`no ${provider} token configured${baseUrl === undefined ? '' : ` for ${baseUrl}`}`, { provider });
    }
    await this.#syncInvalid(matching);
    const now = Date.now();
    const due = matching.filter(
      (t) => t.status === 'pending' || (t.status === 'error' && now - t.attemptAt >= this.#options.reidentifyAfterMs),
    );
    const started = due.map((t) => this.#identify(t));
    if (!matching.some((t) => t.status === 'valid')) {
      const inFlight = matching.flatMap((t) => (t.identifying ? [t.identifying] : []));
      await raceAbort(Promise.all([...started, ...inFlight]), signal);
    }
    const identities = new Set(matching.flatMap((t) => (t.status === 'valid' && t.identity !== undefined ? [t.identity] : [])));
    if (identities.size > 0) return [...identities].map((id) => this.#identities.get(id)!);
    const failed = matching.find((t) => t.status === 'error');
    if (failed) {
      throw new IdentifyError(`could not identify any ${provider} token: ${failed.error?.message ?? 'unknown error'}`, {
        cause: failed.error,
        data: { provider },
      });
    }
    throw new NoValidTokenError(`every ${provider} token was rejected by the API (401)`, { provider });
  }

  /** Picks up tokens that another pool sharing the state store found invalid. */
  async #syncInvalid(tokens: TokenEntry[]): Promise<void> {
    const open = tokens.filter((t) => t.status !== 'invalid');
    if (open.length === 0) return;
    const invalid = new Set(await this.#options.state.invalidTokens(open.map((t) => t.key)));
    for (const t of open) if (invalid.has(t.key)) t.status = 'invalid';
  }

  /** Identifies one token (deduplicating concurrent calls). Never rejects: failures land in the entry. */
  #identify(token: TokenEntry): Promise<void> {
    token.identifying ??= (async () => {
      token.attemptAt = Date.now();
      try {
        const info = checkInfo(await this.#options.identify(token.source));
        for (const budget of info.budgets) await this.#options.state.setBudget(info.identity, budget, Date.now());
        this.#register(token, info);
      } catch (error) {
        if ((error as { code?: unknown } | undefined)?.code === 'GITFLEET_PROVIDER_AUTH') {
          token.status = 'invalid';
          delete token.error;
          await this.#options.state.markInvalid(token.key).catch(() => undefined);
        } else if (token.status !== 'valid') {
          token.status = 'error';
          token.error = sanitizeError(error, this.#secrets());
        }
      } finally {
        delete token.identifying;
        this.#changes.notify();
      }
    })();
    return token.identifying;
  }

  #register(token: TokenEntry, info: IdentityInfo): void {
    let entry = this.#identities.get(info.identity);
    if (!entry) {
      entry = { identity: info.identity, provider: token.source.provider, baseUrl: token.baseUrl, tokens: [], next: 0 };
      this.#identities.set(info.identity, entry);
    }
    if (info.login !== undefined) entry.login = info.login;
    if (info.scopes !== undefined) entry.scopes = [...info.scopes];
    if (!entry.tokens.includes(token)) entry.tokens.push(token);
    token.status = 'valid';
    token.identity = info.identity;
    delete token.error;
  }

  #secrets(): string[] {
    return this.#tokens.map((t) => t.source.token);
  }
}

/**
 * Order in which identities are tried: budget left (most first; untracked counts as unlimited;
 * ties go to the earlier reset, then the fewer leases), then unknown budgets, then blocked ones.
 */
function rank(states: IdentityState[], resource: string, maxInFlight: number): number[] {
  const keyed = states.map((state, index) => {
    const budget = state.resources.find((r) => r.resource === resource);
    const remaining = budget === undefined ? 0 : budget.status === 'untracked' ? Infinity : budget.remaining;
    const blocked = state.backoffUntil > 0 || state.inFlight >= maxInFlight || (budget !== undefined && remaining <= 0);
    const group = blocked ? 2 : budget === undefined ? 1 : 0;
    return { index, group, remaining, resetAt: budget?.resetAt ?? Infinity, inFlight: state.inFlight };
  });
  keyed.sort(
    (a, b) => a.group - b.group || b.remaining - a.remaining || a.resetAt - b.resetAt || a.inFlight - b.inFlight,
  );
  return keyed.map((k) => k.index);
}

function checkInfo(info: IdentityInfo): IdentityInfo {
  if (typeof info !== 'object' || typeof info.identity !== 'string' || info.identity === '' || !Array.isArray(info.budgets)) {
    throw new IdentifyError('identify() returned no identity');
  }
  return info;
}

function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

function validateOptions(options: IdentityPoolOptions): Resolved {
  if (typeof options !== 'object' || !Array.isArray(options.sources)) {
    throw new InvalidOptionError('createIdentityPool() needs sources: TokenSource[]');
  }
  if (typeof options.identify !== 'function') throw new InvalidOptionError('createIdentityPool() needs an identify function');
  options.sources.forEach((source, i) => {
    if (typeof source.token !== 'string' || source.token.trim() === '') throw new InvalidOptionError(`sources[${i}].token is empty`);
    if (source.provider !== 'github' && source.provider !== 'gitlab') {
      throw new InvalidOptionError(`sources[${i}].provider must be "github" or "gitlab"`);
    }
    if (source.baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(source.baseUrl)) {
      throw new InvalidOptionError(`sources[${i}].baseUrl must be an http(s) URL`);
    }
  });
  const resolved = {
    identify: options.identify as Identify,
    state: options.state ?? new MemoryStateStore(),
    whenExhausted: options.whenExhausted ?? DEFAULTS.whenExhausted,
    maxWaitMs: options.maxWaitMs ?? DEFAULTS.maxWaitMs,
    concurrencyPerIdentity: options.concurrencyPerIdentity ?? DEFAULTS.concurrencyPerIdentity,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULTS.leaseTtlMs,
    reidentifyAfterMs: options.reidentifyAfterMs ?? DEFAULTS.reidentifyAfterMs,
  } satisfies Resolved;
  if (resolved.whenExhausted !== 'wait' && resolved.whenExhausted !== 'fail') {
    throw new InvalidOptionError('whenExhausted must be "wait" or "fail"');
  }
  for (const name of ['maxWaitMs', 'leaseTtlMs', 'reidentifyAfterMs'] as const) {
    if (typeof resolved[name] !== 'number' || Number.isNaN(resolved[name]) || resolved[name] < 0) {
      throw new InvalidOptionError(`${name} must be a number >= 0`);
    }
  }
  if (!Number.isInteger(resolved.concurrencyPerIdentity) || resolved.concurrencyPerIdentity < 1) {
    throw new InvalidOptionError('concurrencyPerIdentity must be an integer >= 1');
  }
  return resolved;
}
