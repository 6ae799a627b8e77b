import type { ProviderKind } from '@gitfleet/tokens';
import { retryAfterMs } from './rate-limit-headers.js';

/** What a response means for the retry loop. */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'not-modified' }
  | { kind: 'auth' }
  /** Primary budget exhausted until `resetAt` (epoch ms). */
  | { kind: 'primary'; resetAt: number; waitMs: number }
  /** GitHub secondary limit, or a GitLab 429 with budget left: wait `waitMs`. */
  | { kind: 'secondary'; waitMs: number }
  | { kind: 'server' }
  | { kind: 'client' };

/** GitHub asks to wait at least a minute after a secondary limit without Retry-After. */
export const DEFAULT_SECONDARY_WAIT_MS = 60_000;

/**
 * Classifies a response per the providers' documented rate-limit rules:
 * https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
 * and https://docs.gitlab.com/security/rate_limits/.
 */
export function classify(
  provider: ProviderKind,
  status: number,
  headers: Record<string, string>,
  data: unknown,
  now = Date.now(),
): Verdict {
  if (status === 304) return { kind: 'not-modified' };
  if (status < 300) return { kind: 'ok' };
  if (status === 401) return { kind: 'auth' };
  if (status >= 500) return { kind: 'server' };
  const retryAfter = retryAfterMs(headers, now);
  if (provider === 'github' && (status === 403 || status === 429)) {
    // Order from GitHub's docs: Retry-After first, then x-ratelimit-remaining: 0, then "secondary" text.
    if (retryAfter !== undefined) return { kind: 'secondary', waitMs: retryAfter };
    if (headers['x-ratelimit-remaining'] === '0') {
      const resetAt = Number(headers['x-ratelimit-reset']) * 1000;
      return Number.isFinite(resetAt)
        ? { kind: 'primary', resetAt, waitMs: Math.max(0, resetAt - now) }
        : { kind: 'primary', resetAt: now + DEFAULT_SECONDARY_WAIT_MS, waitMs: DEFAULT_SECONDARY_WAIT_MS };
    }
    if (status === 429 || /secondary rate limit|abuse/i.test(apiMessage(data))) {
      return { kind: 'secondary', waitMs: DEFAULT_SECONDARY_WAIT_MS };
    }
    return { kind: 'client' };
  }
  if (provider === 'gitlab' && status === 429) {
    const reset = Number(headers['ratelimit-reset']) * 1000;
    if (headers['ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
      return { kind: 'primary', resetAt: reset, waitMs: retryAfter ?? Math.max(0, reset - now) };
    }
    return { kind: 'secondary', waitMs: retryAfter ?? (Number.isFinite(reset) ? Math.max(0, reset - now) : DEFAULT_SECONDARY_WAIT_MS) };
  }
  return { kind: 'client' };
}

/** The API's own error text: GitHub `message`, GitLab `message` / `error` / plain text. */
export function apiMessage(data: unknown): string {
  if (typeof data === 'string') return data.trim().slice(0, 300);
  if (typeof data === 'object' && data !== null) {
    const record = data as Record<string, unknown>;
    const value = record['message'] ?? record['error_description'] ?? record['error'];
    if (typeof value === 'string') return value.slice(0, 300);
    if (value !== undefined) return JSON.stringify(value).slice(0, 300);
  }
  return '';
}
