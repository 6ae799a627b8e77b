import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Budget, IdentityState, ReserveRequest, ReserveResult, ResourceState, SettleRequest, StateStore } from '@gitfleet/tokens';

/** Keys of an identity live this long after its last change (budgets of a forgotten identity go away). */
const KEY_TTL_MS = 7 * 24 * 3600 * 1000;

// One Lua script per StateStore method: Redis runs each atomically, so every process sharing the
// store sees one budget per identity. The rules are MemoryStateStore's (@gitfleet/tokens), step by
// step: expired reservations dropped, a passed window restored, the lowest `remaining` of a window
// kept, one probe for an unknown budget.
//
// KEYS[1]: hash of the identity: `backoff`, and per resource `l:<res>` (limit), `r:<res>`
// (remaining, 'u' when untracked), `t:<res>` (reset, '' when unknown).
// KEYS[2]: sorted set of reservations, member `<id>|<resource>`, score = expiry (epoch ms).
const COMMON = `
local budget, leases = KEYS[1], KEYS[2]
local WINDOW_SLACK_MS, MIN_EXHAUSTED_MS = 1000, 1000

local function drop_expired(now)
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
end

local function count_reserved(res)
  local n = 0
  local suffix = '|' .. res
  for _, member in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
    if string.sub(member, -#suffix) == suffix then n = n + 1 end
  end
  return n
end

local function put(res, limit, remaining, reset)
  redis.call('HSET', budget, 'l:' .. res, limit, 'r:' .. res, remaining, 't:' .. res, reset)
end

-- The record of the current window, or nil (unknown). May restore or forget it, as MemoryStateStore's current().
local function current(res, reserved, now)
  local limit = redis.call('HGET', budget, 'l:' .. res)
  if not limit then return nil end
  local remaining = redis.call('HGET', budget, 'r:' .. res)
  local reset = redis.call('HGET', budget, 't:' .. res)
  if remaining == 'u' then return { limit = tonumber(limit), untracked = true, reset = reset } end
  limit, remaining = tonumber(limit), tonumber(remaining)
  if reset ~= '' and tonumber(reset) <= now then
    remaining, reset = limit, ''
    put(res, limit, remaining, reset)
  end
  if reset == '' and remaining - reserved <= 0 and reserved == 0 then
    redis.call('HDEL', budget, 'l:' .. res, 'r:' .. res, 't:' .. res)
    return nil
  end
  return { limit = limit, remaining = remaining, reset = reset }
end

local function merge(res, limit, remaining, reset, now)
  local stored_limit = redis.call('HGET', budget, 'l:' .. res)
  if reset <= now then
    if not stored_limit then put(res, limit, limit, '') end
    return
  end
  local fresh = math.max(0, remaining)
  local stored_remaining = redis.call('HGET', budget, 'r:' .. res)
  local stored_reset = redis.call('HGET', budget, 't:' .. res)
  if (not stored_limit) or stored_remaining == 'u' or stored_reset == '' or reset > tonumber(stored_reset) + WINDOW_SLACK_MS then
    put(res, limit, fresh, reset)
  elseif reset >= tonumber(stored_reset) - WINDOW_SLACK_MS then
    put(res, limit, math.min(tonumber(stored_remaining), fresh), math.max(tonumber(stored_reset), reset))
  end
end

local function touch()
  redis.call('PEXPIRE', budget, ${KEY_TTL_MS})
  redis.call('PEXPIRE', leases, ${KEY_TTL_MS})
end
`;

/** ARGV: resource, maxInFlight, now, ttlMs, reservationId. */
const RESERVE = `${COMMON}
local res, max_in_flight, now, ttl, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
drop_expired(now)
local backoff = tonumber(redis.call('HGET', budget, 'backoff') or '0')
if backoff > now then return { 'backoff', backoff } end
local reserved = count_reserved(res)
local b = current(res, reserved, now)
if not b then
  if reserved > 0 then return { 'probe' } end
elseif (not b.untracked) and b.remaining - reserved <= 0 then
  if b.reset == '' then return { 'budget' } end
  return { 'budget', tonumber(b.reset) }
end
if redis.call('ZCARD', leases) >= max_in_flight then return { 'concurrency' } end
redis.call('ZADD', leases, now + ttl, id .. '|' .. res)
touch()
return { 'ok' }`;

/** ARGV: reservationId, resource, now, consumed (1/0), exhaustedUntil ('' none), then budget resource, limit, remaining, resetAt (or nothing). */
const SETTLE = `${COMMON}
local id, res, now, consumed, exhausted = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5]
local has_budget = ARGV[6] ~= nil
local b_res, b_limit, b_remaining, b_reset = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
drop_expired(now)
redis.call('ZREM', leases, id .. '|' .. res)
if has_budget then merge(b_res, b_limit, b_remaining, b_reset, now) end
if exhausted ~= '' then
  local limit = 0
  if has_budget and b_res == res then limit = b_limit
  else limit = tonumber(redis.call('HGET', budget, 'l:' .. res) or '0') end
  put(res, limit, 0, math.max(tonumber(exhausted), now + MIN_EXHAUSTED_MS))
elseif ((not has_budget) or b_res ~= res) and consumed then
  local known = current(res, count_reserved(res), now)
  if not known then put(res, 0, 'u', '')
  elseif not known.untracked then redis.call('HSET', budget, 'r:' .. res, math.max(0, known.remaining - 1)) end
end
touch()
return 1`;

/** ARGV: now, resource, limit, remaining, resetAt. */
const SET_BUDGET = `${COMMON}
local now = tonumber(ARGV[1])
drop_expired(now)
merge(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), now)
touch()
return 1`;

/** ARGV: until. */
const BACKOFF = `${COMMON}
local till = tonumber(ARGV[1])
local backoff = tonumber(redis.call('HGET', budget, 'backoff') or '0')
if till > backoff then redis.call('HSET', budget, 'backoff', till) end
touch()
return 1`;

/** ARGV: now. Returns inFlight, backoffUntil, then per resource {name, status, limit, remaining, reserved, resetAt or -1}. */
const READ = `${COMMON}
local now = tonumber(ARGV[1])
drop_expired(now)
local names = {}
for _, field in ipairs(redis.call('HKEYS', budget)) do
  if string.sub(field, 1, 2) == 'l:' then table.insert(names, string.sub(field, 3)) end
end
table.sort(names)
local out = {}
for _, res in ipairs(names) do
  local reserved = count_reserved(res)
  local b = current(res, reserved, now)
  if b then
    local reset = -1
    if b.reset ~= '' then reset = tonumber(b.reset) end
    if b.untracked then
      table.insert(out, { res, 'untracked', b.limit, 0, reserved, reset })
    else
      table.insert(out, { res, 'tracked', b.limit, math.max(0, b.remaining - reserved), reserved, reset })
    end
  end
end
local backoff = tonumber(redis.call('HGET', budget, 'backoff') or '0')
if backoff <= now then backoff = 0 end
return { redis.call('ZCARD', leases), backoff, out }`;

type Reply = [string, number?];

interface StateCommands {
  gitfleetReserve(budget: string, leases: string, ...args: (string | number)[]): Promise<Reply>;
  gitfleetSettle(budget: string, leases: string, ...args: (string | number)[]): Promise<number>;
  gitfleetSetBudget(budget: string, leases: string, ...args: (string | number)[]): Promise<number>;
  gitfleetBackoff(budget: string, leases: string, ...args: (string | number)[]): Promise<number>;
  gitfleetRead(budget: string, leases: string, now: number): Promise<[number, number, [string, 'tracked' | 'untracked', number, number, number, number][]]>;
}

export interface RedisStateStoreOptions {
  /** Key prefix (default `gitfleet:tokens`). */
  prefix?: string;
}

/**
 * The identity pool's `StateStore` (`@gitfleet/tokens`) on Redis: every method is one Lua script,
 * so reservations and reconciliations are atomic across all the processes that share the Redis.
 * Give it to `createSession({ state })` (or `createIdentityPool({ state })`) in each process, and
 * they spend one budget per identity. The store never sees a token: only identities and token-key hashes.
 *
 * @example
 * ```ts
 * const redis = new Redis('redis://127.0.0.1:6379');
 * const session = createSession({ state: createRedisStateStore(redis) });
 * ```
 */
export function createRedisStateStore(redis: Redis, options: RedisStateStoreOptions = {}): StateStore {
  return new RedisStateStore(redis, options.prefix ?? 'gitfleet:tokens');
}

class RedisStateStore implements StateStore {
  private readonly commands: StateCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    const define = (name: keyof StateCommands, lua: string): void => {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 2, lua });
    };
    define('gitfleetReserve', RESERVE);
    define('gitfleetSettle', SETTLE);
    define('gitfleetSetBudget', SET_BUDGET);
    define('gitfleetBackoff', BACKOFF);
    define('gitfleetRead', READ);
    this.commands = redis as unknown as StateCommands;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const reservationId = randomUUID();
    const [budget, leases] = this.keys(request.identity);
    const [verdict, retryAt] = await this.commands.gitfleetReserve(budget, leases, request.resource, request.maxInFlight, request.now, request.ttlMs, reservationId);
    if (verdict === 'ok') return { ok: true, reservationId };
    const reason = verdict as Extract<ReserveResult, { ok: false }>['reason'];
    return retryAt === undefined ? { ok: false, reason } : { ok: false, reason, retryAt };
  }

  async settle(request: SettleRequest): Promise<void> {
    const [budget, leases] = this.keys(request.identity);
    const args: (string | number)[] = [request.reservationId, request.resource, request.now, request.consumed ? '1' : '0', request.exhaustedUntil ?? ''];
    if (request.budget) args.push(request.budget.resource, request.budget.limit, request.budget.remaining, request.budget.resetAt);
    await this.commands.gitfleetSettle(budget, leases, ...args);
  }

  async setBudget(identity: string, budget: Budget, now: number): Promise<void> {
    const [hash, leases] = this.keys(identity);
    await this.commands.gitfleetSetBudget(hash, leases, now, budget.resource, budget.limit, budget.remaining, budget.resetAt);
  }

  async backoff(identity: string, until: number): Promise<void> {
    const [hash, leases] = this.keys(identity);
    await this.commands.gitfleetBackoff(hash, leases, until);
  }

  async markInvalid(tokenKey: string): Promise<void> {
    await (this.commands as unknown as Redis).sadd(`${this.prefix}:invalid`, tokenKey);
  }

  async invalidTokens(tokenKeys: readonly string[]): Promise<string[]> {
    if (tokenKeys.length === 0) return [];
    const flags = await (this.commands as unknown as Redis).smismember(`${this.prefix}:invalid`, ...tokenKeys);
    return tokenKeys.filter((_, i) => flags[i] === 1);
  }

  async read(identity: string, now: number): Promise<IdentityState> {
    const [hash, leases] = this.keys(identity);
    const [inFlight, backoffUntil, rows] = await this.commands.gitfleetRead(hash, leases, now);
    const resources: ResourceState[] = rows.map(([resource, status, limit, remaining, reserved, resetAt]) => ({
      resource,
      status,
      limit,
      remaining,
      reserved,
      resetAt: resetAt === -1 ? null : resetAt,
    }));
    return { identity, inFlight, backoffUntil, resources };
  }

  /** The identity's keys, in one cluster slot (`{identity}` hash tag). */
  private keys(identity: string): [string, string] {
    const tag = `{${identity.replaceAll('}', ')')}}`;
    return [`${this.prefix}:${tag}:budget`, `${this.prefix}:${tag}:leases`];
  }
}
