import type { Budget, ProviderKind } from '@gitfleet/tokens';

/**
 * The budget in a response's headers, or undefined when absent.
 * GitHub: x-ratelimit-limit/-remaining/-reset/-resource (reset in epoch seconds).
 * GitLab: RateLimit-Limit/-Remaining/-Reset (https://docs.gitlab.com/user/gitlab_com/#rate-limits-on-gitlabcom).
 */
export function budgetFromHeaders(provider: ProviderKind, headers: Record<string, string>, resource: string): Budget | undefined {
  const prefix = provider === 'github' ? 'x-ratelimit-' : 'ratelimit-';
  const limit = Number(headers[`${prefix}limit`]);
  const remaining = Number(headers[`${prefix}remaining`]);
  const reset = Number(headers[`${prefix}reset`]);
  if (!headers[`${prefix}limit`] || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset)) return undefined;
  return {
    resource: (provider === 'github' ? headers['x-ratelimit-resource'] : undefined) ?? resource,
    limit,
    remaining,
    resetAt: reset * 1000,
  };
}

/** `Retry-After` in ms (delta seconds or an HTTP date), or undefined. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
