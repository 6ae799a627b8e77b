import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { githubError, githubRoute, rateLimitBody } from './github-routes.js';
import { gitlabError, gitlabRoute } from './gitlab-routes.js';
import type { Caller, RouteResult } from './routes.js';
import type {
  ForgeBudget,
  ForgeBudgetKey,
  ForgeFault,
  ForgeFaultMatch,
  ForgeIdentitySpec,
  ForgeProvider,
  ForgeRequest,
  ForgeServer,
  ForgeServerOptions,
} from './types.js';
import { World } from './world.js';

interface Identity {
  spec: ForgeIdentitySpec;
  provider: ForgeProvider;
  /** Budget owner: the login, or `installation:<login>`. */
  key: string;
  revoked: boolean;
  index: number;
}

const PREFIX: Record<ForgeProvider, string> = { github: '/api/v3', gitlab: '/api/v4' };
const ANONYMOUS = 'anonymous';
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/**
 * Starts a fake GitHub REST + GitLab REST v4 server on 127.0.0.1 (random port) serving seeded
 * data with the real payload shapes, pagination headers, per-identity rate budgets, conditional
 * requests (304s cost nothing) and fault injection.
 *
 * @example
 * await using forge = await startForgeServer({
 *   seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: [{ owner: 'acme', name: 'web', issues: 3 }] },
 *   identities: [{ token: 'ghp_alice', login: 'alice', limit: 50 }],
 * });
 * const res = await fetch(`${forge.githubUrl}/orgs/acme/repos`, { headers: { authorization: 'token ghp_alice' } });
 * forge.budget('alice').remaining; // 49
 */
export async function startForgeServer(options: ForgeServerOptions = {}): Promise<ForgeServer> {
  const identities = new Map<string, Identity>();
  const budgets = new Map<string, ForgeBudget>();
  const faults: Array<{ fault: ForgeFault; left: number }> = [];
  const requests: ForgeRequest[] = [];
  const resetSeconds = options.resetSeconds ?? 3600;
  let latencyMs = options.latencyMs ?? 0;
  const world = new World(options.seed ?? {}, (options.identities ?? []).map((i) => i.login));

  const budgetId = (provider: ForgeProvider, owner: string, resource: string): string => `${provider}|${owner}|${resource}`;
  const ensureBudget = (provider: ForgeProvider, owner: string, resource: string, limit: number): ForgeBudget => {
    const id = budgetId(provider, owner, resource);
    let budget = budgets.get(id);
    if (!budget) {
      budget = { limit, remaining: limit, used: 0, resetAt: nowSeconds() + resetSeconds };
      budgets.set(id, budget);
    }
    if (budget.resetAt <= nowSeconds()) {
      budget.remaining = budget.limit;
      budget.used = 0;
      budget.resetAt = nowSeconds() + resetSeconds;
    }
    return budget;
  };
  const addIdentity = (spec: ForgeIdentitySpec): void => {
    const provider = spec.provider ?? 'github';
    world.ensureUser(spec.login);
    const key = spec.kind === 'installation' ? `installation:${spec.login}` : spec.login;
    identities.set(spec.token, { spec, provider, key, revoked: false, index: identities.size + 1 });
    if (provider === 'github') {
      ensureBudget(provider, key, 'core', spec.limit ?? 5000);
      ensureBudget(provider, key, 'search', spec.searchLimit ?? 30);
    } else {
      ensureBudget(provider, key, 'gitlab', spec.limit ?? 2000);
    }
  };
  for (const spec of options.identities ?? []) addIdentity(spec);

  const renderCache = new Map<string, Rendered>();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`forge server error: ${String(error)}`);
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const provider: ForgeProvider | undefined = url.pathname.startsWith(`${PREFIX.github}/`)
      ? 'github'
      : url.pathname.startsWith(`${PREFIX.gitlab}/`)
        ? 'gitlab'
        : undefined;
    if (!provider) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not an API path');
      return;
    }
    if (latencyMs > 0) await sleep(latencyMs);
    const path = url.pathname.slice(PREFIX[provider].length);
    const method = req.method ?? 'GET';
    const requestId = provider === 'github' ? githubRequestId() : randomBytes(13).toString('hex').toUpperCase();
    const entry: ForgeRequest = {
      provider,
      requestId,
      method,
      path: path + url.search,
      identity: null,
      tokenId: null,
      status: 0,
      charged: false,
      resource: resourceOf(provider, path),
      at: 0,
    };
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    headers[provider === 'github' ? 'x-github-request-id' : 'x-request-id'] = requestId;
    const finish = (status: number, body: string | undefined): void => {
      entry.status = status;
      entry.at = Date.now();
      requests.push(entry);
      res.writeHead(status, headers);
      res.end(body);
    };

    // Authentication.
    const token = tokenOf(provider, req);
    const identity = token === undefined ? undefined : identities.get(token);
    if (token !== undefined) entry.tokenId = `tok_${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
    if (token !== undefined && (!identity || identity.revoked || identity.provider !== provider)) {
      const result = provider === 'github' ? githubError(401, 'Bad credentials') : gitlabError(401, '401 Unauthorized');
      finish(401, JSON.stringify((result as { body: unknown }).body));
      return;
    }
    if (identity) entry.identity = identity.spec.login;
    const caller: Caller = {
      login: identity?.spec.login ?? null,
      kind: identity?.spec.kind ?? 'user',
      scopes: identity?.spec.scopes ?? (provider === 'github' ? ['repo'] : ['api']),
      tokenIndex: identity?.index ?? 0,
    };
    const owner = identity?.key ?? ANONYMOUS;
    const free = provider === 'github' && path === '/rate_limit';
    const budget = ensureBudget(provider, owner, entry.resource, identity ? 5000 : provider === 'github' ? 60 : 500);
    const rateHeaders = (): void => {
      if (provider === 'github') {
        headers['x-ratelimit-limit'] = String(budget.limit);
        headers['x-ratelimit-remaining'] = String(budget.remaining);
        headers['x-ratelimit-reset'] = String(budget.resetAt);
        headers['x-ratelimit-used'] = String(budget.used);
        headers['x-ratelimit-resource'] = entry.resource;
      } else {
        headers['ratelimit-limit'] = String(budget.limit);
        headers['ratelimit-observed'] = String(budget.used);
        headers['ratelimit-remaining'] = String(budget.remaining);
        headers['ratelimit-reset'] = String(budget.resetAt);
        headers['ratelimit-resettime'] = new Date(budget.resetAt * 1000).toUTCString();
      }
    };
    if (provider === 'github' && identity && caller.kind === 'user') {
      headers['x-oauth-scopes'] = caller.scopes.join(', ');
      headers['x-accepted-oauth-scopes'] = '';
    }

    // Injected faults.
    let fault = takeFault(provider, entry.path, entry.identity);
    if (fault?.kind === 'delay') {
      entry.fault = 'delay';
      await sleep(fault.ms);
      fault = undefined;
    }
    let brokenLink: 'endless' | 'first' | undefined;
    if (fault?.kind === 'link') {
      entry.fault = 'link';
      brokenLink = fault.next;
      fault = undefined;
    }
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === 'drop') {
        entry.at = Date.now();
        requests.push(entry);
        req.socket.destroy();
        return;
      }
      rateHeaders();
      if (fault.kind === 'status') {
        const body = provider === 'github' ? { message: 'Server Error' } : { message: `${fault.status} Internal Server Error` };
        finish(fault.status, JSON.stringify(body));
        return;
      }
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (provider === 'github') {
        const message =
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
          `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`;
        const status = fault.status ?? 403;
        finish(status, JSON.stringify({ message, documentation_url: RATE_LIMIT_DOCS, status: String(status) }));
      } else {
        headers['content-type'] = 'text/plain';
        finish(429, 'Retry later\n');
      }
      return;
    }

    // Primary budget exhausted.
    if (!free && budget.remaining <= 0) {
      rateHeaders();
      const wait = Math.max(0, budget.resetAt - nowSeconds());
      if (provider === 'github') {
        const status = options.exhaustedStatus ?? 403;
        const id = identity ? world.ensureUser(identity.spec.login).id : 0;
        finish(status, JSON.stringify({
          message:
            `API rate limit exceeded for user ID ${id}. ` +
            `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          documentation_url: RATE_LIMIT_DOCS,
          status: String(status),
        }));
      } else {
        headers['retry-after'] = String(wait);
        headers['content-type'] = 'text/plain';
        finish(429, 'Retry later\n');
      }
      return;
    }

    // Rendering a page of 100 GitHub-shaped repositories costs ~10 ms: keep what was rendered
    // until the world changes, so the server's own CPU does not distort client benchmarks.
    const forge: ForgeProvider = provider;
    const renderKey = [provider, owner, caller.login, caller.kind, caller.tokenIndex, method, url.pathname, url.search, world.version].join('\n');
    let rendered = free ? undefined : renderCache.get(renderKey);
    if (!rendered) {
      rendered = render();
      if (!free && rendered.status === 200) {
        if (renderCache.size >= 20_000) renderCache.clear();
        renderCache.set(renderKey, rendered);
      }
    }
    Object.assign(headers, rendered.headers);
    if (brokenLink) breakLink(headers, origin(), url, brokenLink);
    const { text, lastModified } = rendered;
    const result = { status: rendered.status, lastModified };

    function render(): Rendered {
      const out: Record<string, string> = {};
      const routeRequest = { method, path, query: url.searchParams, caller };
      let result: RouteResult | undefined;
      if (free) {
        const mine = Object.fromEntries(['core', 'search'].map((r) => [r, ensureBudget('github', owner, r, identity ? 5000 : 60)]));
        const graphql = { limit: 5000, remaining: 5000, used: 0, resetAt: budget.resetAt };
        result = { status: 200, body: rateLimitBody({ ...mine, graphql }) };
      } else if (provider === 'github') {
        result = githubRoute(world, { api: `${origin()}${PREFIX.github}`, web: options.webUrl ?? origin() }, routeRequest);
      } else {
        result = gitlabRoute(world, { api: `${origin()}${PREFIX.gitlab}`, web: options.webUrl ?? origin() }, routeRequest, 900 + caller.tokenIndex);
      }
      result ??= provider === 'github' ? githubError(404, 'Not Found') : gitlabError(404, '404 Not Found');
      Object.assign(out, result.headers);
      delete out['x-forge-wrap'];

      let body: unknown;
      const keyset = forge === 'gitlab' && url.searchParams.get('pagination') === 'keyset' && 'items' in result && result.keyset === true;
      if (keyset && url.searchParams.get('order_by') !== 'id') {
        // GitLab's answer when keyset pagination is asked for an ordering it does not support.
        result = { status: 405, body: { error: 'Keyset pagination is not yet available for this type of request' } };
      }
      if ('items' in result) {
        const page = keyset ? paginateKeyset(origin(), url, result.items as Array<{ id: number }>) : paginate(forge, origin(), url, result.items);
        Object.assign(out, page.headers);
        const render = (result.render ?? ((item: unknown) => item)) as (item: unknown) => unknown;
        const items = page.items.map(render);
        body = result.headers?.['x-forge-wrap'] === 'search'
          ? { total_count: result.items.length, incomplete_results: false, items }
          : items;
      } else {
        body = result.body;
      }
      const text = JSON.stringify(body);
      return { status: result.status, headers: out, text, lastModified: result.lastModified };
    }

    // Conditional requests: a 304 spends no budget (GitHub documents this for If-None-Match
    // and If-Modified-Since with the same authorization).
    if (result.status === 200) {
      const etag = (rendered.etag ??= `W/"${createHash('sha1').update(`${owner}\n${text}`).digest('hex')}"`);
      headers['etag'] = etag;
      headers['cache-control'] = provider === 'github' ? 'private, max-age=60, s-maxage=60' : 'max-age=0, private, must-revalidate';
      headers['vary'] = 'Accept, Authorization, Cookie, X-GitHub-OTP';
      if (result.lastModified) headers['last-modified'] = new Date(result.lastModified).toUTCString();
      const ifNoneMatch = req.headers['if-none-match'];
      const ifModifiedSince = req.headers['if-modified-since'];
      const notModified =
        ifNoneMatch !== undefined
          ? ifNoneMatch.split(',').map((t) => t.trim()).some((t) => t === etag || t === '*')
          : ifModifiedSince !== undefined &&
            result.lastModified !== undefined &&
            Date.parse(ifModifiedSince) >= Date.parse(new Date(result.lastModified).toUTCString());
      if (notModified) {
        rateHeaders();
        delete headers['content-type'];
        finish(304, undefined);
        return;
      }
    }
    if (!free) {
      budget.remaining -= 1;
      budget.used += 1;
      entry.charged = true;
    }
    rateHeaders();
    finish(result.status, text);
  }

  function takeFault(provider: ForgeProvider, path: string, login: string | null): ForgeFault | undefined {
    const index = faults.findIndex((f) => f.left > 0 && matches(f.fault.match, provider, path, login));
    if (index === -1) return undefined;
    const slot = faults[index]!;
    slot.left -= 1;
    if (slot.left === 0) faults.splice(index, 1);
    return slot.fault;
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = (): string => `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const lookup = (login: string, key: ForgeBudgetKey = {}): ForgeBudget => {
    const provider = key.provider ?? 'github';
    const resource = key.resource ?? (provider === 'github' ? 'core' : 'gitlab');
    const budget = budgets.get(budgetId(provider, login, resource)) ?? budgets.get(budgetId(provider, `installation:${login}`, resource));
    if (!budget) throw new Error(`forge: no ${provider} ${resource} budget for ${login}`);
    if (budget.resetAt <= nowSeconds()) {
      budget.remaining = budget.limit;
      budget.used = 0;
      budget.resetAt = nowSeconds() + resetSeconds;
    }
    return budget;
  };

  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  };

  return {
    githubUrl: `${origin()}${PREFIX.github}`,
    gitlabUrl: `${origin()}${PREFIX.gitlab}`,
    port,
    requests,
    budget: (login, key) => ({ ...lookup(login, key) }),
    setBudget(login, patch, key) {
      const budget = lookup(login, key);
      if (patch.limit !== undefined) budget.limit = patch.limit;
      if (patch.remaining !== undefined) {
        budget.remaining = patch.remaining;
        budget.used = Math.max(0, budget.limit - patch.remaining);
      }
      if (patch.resetAt !== undefined) budget.resetAt = patch.resetAt;
    },
    addIdentity,
    revokeToken(token) {
      const identity = identities.get(token);
      if (!identity) throw new Error('forge: revokeToken: unknown token');
      identity.revoked = true;
    },
    injectFault(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    touchRepo: (fullName) => world.touch(fullName),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function resourceOf(provider: ForgeProvider, path: string): string {
  if (provider === 'gitlab') return 'gitlab';
  return path.startsWith('/search/') ? 'search' : 'core';
}

function tokenOf(provider: ForgeProvider, req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const match = /^(?:token|bearer)\s+(.+)$/i.exec(auth);
    return match ? match[1]!.trim() : auth;
  }
  if (provider === 'gitlab') {
    const privateToken = req.headers['private-token'];
    if (typeof privateToken === 'string') return privateToken;
  }
  return undefined;
}

function matches(match: ForgeFaultMatch | undefined, provider: ForgeProvider, path: string, login: string | null): boolean {
  if (!match) return true;
  if (match.provider && match.provider !== provider) return false;
  if (match.identity !== undefined && match.identity !== login) return false;
  if (match.path !== undefined) {
    if (typeof match.path === 'string' ? !path.includes(match.path) : !match.path.test(path)) return false;
  }
  return true;
}

function githubRequestId(): string {
  const hex = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
  return `${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}:${hex(4)}`;
}

interface Page {
  items: unknown[];
  headers: Record<string, string>;
}

/** Above this many items GitLab leaves out `x-total`, `x-total-pages` and `rel="last"` (for performance). */
const GITLAB_COUNT_LIMIT = 10_000;

/**
 * GitHub: `per_page` (default 30) + Link. GitLab: `per_page` (default 20) + X-Total* + Link, the
 * counts and `rel="last"` only up to 10,000 items (https://docs.gitlab.com/api/rest/#pagination-response-headers). Max 100.
 */
function paginate(provider: ForgeProvider, origin: string, url: URL, items: unknown[]): Page {
  const perPage = clamp(Number(url.searchParams.get('per_page') ?? (provider === 'github' ? 30 : 20)) || 30, 1, 100);
  const page = Math.max(1, Math.floor(Number(url.searchParams.get('page') ?? 1)) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (n: number): string => {
    const target = new URL(url);
    target.searchParams.set('page', String(n));
    if (provider === 'gitlab') target.searchParams.set('per_page', String(perPage));
    return `<${origin}${target.pathname}${target.search}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(Math.min(page - 1, totalPages))}; rel="prev"`);
  if (page < totalPages) rels.push(`${link(page + 1)}; rel="next"`);
  if (provider === 'github') {
    if (page < totalPages) rels.push(`${link(totalPages)}; rel="last"`);
    if (page > 1) rels.push(`${link(1)}; rel="first"`);
  } else {
    const counted = items.length <= GITLAB_COUNT_LIMIT;
    rels.push(`${link(1)}; rel="first"`, ...(counted ? [`${link(totalPages)}; rel="last"`] : []));
  }
  const headers: Record<string, string> = {};
  if (rels.length > 0) headers['link'] = rels.join(', ');
  if (provider === 'gitlab') {
    if (items.length <= GITLAB_COUNT_LIMIT) {
      headers['x-total'] = String(items.length);
      headers['x-total-pages'] = String(totalPages);
    }
    headers['x-per-page'] = String(perPage);
    headers['x-page'] = String(page);
    headers['x-next-page'] = page < totalPages ? String(page + 1) : '';
    headers['x-prev-page'] = page > 1 ? String(page - 1) : '';
  }
  return { items: slice, headers };
}

/**
 * GitLab keyset pagination by id (`pagination=keyset&order_by=id&sort=asc|desc`): `id_after` /
 * `id_before` select the page; a full page links `rel="next"` to the same query past its last id,
 * so the collection ends with an empty page and no Link. No counts are sent.
 * https://docs.gitlab.com/api/rest/#keyset-based-pagination
 */
function paginateKeyset(origin: string, url: URL, items: Array<{ id: number }>): Page {
  const perPage = clamp(Number(url.searchParams.get('per_page') ?? 20) || 20, 1, 100);
  const asc = url.searchParams.get('sort') === 'asc';
  const after = Number(url.searchParams.get('id_after') ?? Number.NEGATIVE_INFINITY);
  const before = Number(url.searchParams.get('id_before') ?? Number.POSITIVE_INFINITY);
  const sorted = items.filter((item) => item.id > after && item.id < before).sort((a, b) => (asc ? a.id - b.id : b.id - a.id));
  const slice = sorted.slice(0, perPage);
  const headers: Record<string, string> = {};
  if (slice.length === perPage) {
    const next = new URL(url);
    next.searchParams.delete(asc ? 'id_before' : 'id_after');
    next.searchParams.set(asc ? 'id_after' : 'id_before', String(slice.at(-1)!.id));
    headers['link'] = `<${origin}${next.pathname}${next.search}>; rel="next"`;
  }
  return { items: slice, headers };
}

/** The `link` fault: `rel="next"` to page + 1 forever, or back to the first page; no last page, no page count. */
function breakLink(headers: Record<string, string>, origin: string, url: URL, next: 'endless' | 'first'): void {
  const target = new URL(url);
  if (next === 'endless') target.searchParams.set('page', String((Number(target.searchParams.get('page')) || 1) + 1));
  else target.searchParams.delete('page');
  headers['link'] = `<${origin}${target.pathname}${target.search}>; rel="next"`;
  delete headers['x-total-pages'];
  if (headers['x-next-page'] !== undefined) headers['x-next-page'] = next === 'endless' ? (target.searchParams.get('page') ?? '') : '1';
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** A rendered answer: status, route/pagination headers and the JSON text. */
interface Rendered {
  status: number;
  headers: Record<string, string>;
  text: string;
  lastModified: string | undefined;
  /** Computed on first use. */
  etag?: string;
}
