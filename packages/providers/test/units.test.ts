import { describe, expect, it } from 'vitest';
import { classify } from '../src/http/classify.js';
import { parseLinkHeader } from '../src/http/link-header.js';
import { createMemoryCache } from '../src/http/memory-cache.js';
import { budgetFromHeaders, retryAfterMs } from '../src/http/rate-limit-headers.js';
import { scrub } from '../src/http/sanitize.js';
import { permissionOf } from '../src/gitlab/gitlab-models.js';
import { resolveBaseUrl } from '../src/base-url.js';
import { InvalidOptionError, createGitHubClient } from '../src/index.js';

describe('pure helpers', () => {
  it('parses Link headers', () => {
    expect(parseLinkHeader('<https://x/a?page=2>; rel="next", <https://x/a?page=5>; rel="last"')).toEqual({
      next: 'https://x/a?page=2',
      last: 'https://x/a?page=5',
    });
    expect(parseLinkHeader('<https://x/b>;rel=next,<https://x/c>; rel="prev first"')).toEqual({
      next: 'https://x/b',
      prev: 'https://x/c',
      first: 'https://x/c',
    });
    expect(parseLinkHeader(undefined)).toEqual({});
  });

  it('classifies rate-limit answers in GitHub\'s documented order', () => {
    const now = 1_000_000;
    expect(classify('github', 403, { 'retry-after': '30', 'x-ratelimit-remaining': '0' }, {}, now)).toEqual({ kind: 'secondary', waitMs: 30_000 });
    expect(classify('github', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1060' }, {}, now)).toEqual({
      kind: 'primary',
      resetAt: 1_060_000,
      waitMs: 60_000,
    });
    expect(classify('github', 403, { 'x-ratelimit-remaining': '10' }, { message: 'You have exceeded a secondary rate limit.' }, now)).toEqual({
      kind: 'secondary',
      waitMs: 60_000,
    });
    expect(classify('github', 403, { 'x-ratelimit-remaining': '10' }, { message: 'Must have admin rights' }, now)).toEqual({ kind: 'client' });
    expect(classify('github', 429, {}, '', now)).toEqual({ kind: 'secondary', waitMs: 60_000 });
    expect(classify('gitlab', 429, { 'ratelimit-remaining': '0', 'ratelimit-reset': '1010', 'retry-after': '10' }, 'Retry later', now)).toEqual({
      kind: 'primary',
      resetAt: 1_010_000,
      waitMs: 10_000,
    });
    expect(classify('gitlab', 403, {}, {}, now)).toEqual({ kind: 'client' });
    expect(classify('gitlab', 503, {}, {}, now)).toEqual({ kind: 'server' });
    expect(classify('github', 304, {}, '', now)).toEqual({ kind: 'not-modified' });
  });

  it('reads budgets and Retry-After', () => {
    expect(budgetFromHeaders('github', { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '29', 'x-ratelimit-reset': '100', 'x-ratelimit-resource': 'search' }, 'core')).toEqual({
      resource: 'search',
      limit: 30,
      remaining: 29,
      resetAt: 100_000,
    });
    expect(budgetFromHeaders('gitlab', { 'ratelimit-limit': '2000', 'ratelimit-remaining': '5', 'ratelimit-reset': '7' }, 'gitlab')).toMatchObject({ remaining: 5 });
    expect(budgetFromHeaders('gitlab', {}, 'gitlab')).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': new Date(61_000).toUTCString() }, 1_000)).toBe(60_000);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
  });

  it('scrubs authorization-looking values', () => {
    expect(scrub('sent Bearer abcdef0123456789abcdef and token ghp_x', [])).toBe('sent Bearer [REDACTED] and token ghp_x');
    expect(scrub('my ghp_secret0000000000000000 leaked', ['ghp_secret0000000000000000'])).not.toContain('ghp_secret0000000000000000');
  });

  it('maps GitLab access levels', () => {
    expect([10, 15, 20, 30, 40, 50].map(permissionOf)).toEqual(['read', 'read', 'triage', 'write', 'maintain', 'admin']);
  });

  it('evicts the least recently used memory-cache entry', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    const entry = { headers: {}, data: 1, storedAt: 0 };
    await cache.set('a', entry);
    await cache.set('b', entry);
    await cache.get('a');
    await cache.set('c', entry);
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')].map(Boolean)).toEqual([true, false, true]);
  });

  it('validates options at the boundary', () => {
    expect(() => resolveBaseUrl('github', 'ftp://x', {})).toThrow(InvalidOptionError);
    expect(() => createGitHubClient({ token: 't', pool: {} as never })).toThrow(/either pool or token/);
    expect(() => createGitHubClient({ perPage: 500 })).toThrow(/perPage/);
    expect(() => createGitHubClient({ retry: { retries: -1 } })).toThrow(/retry\.retries/);
  });
});
