import { DEFAULT_BASE_URLS } from '@gitfleet/tokens';
import type { ProviderKind } from '@gitfleet/tokens';
import { InvalidOptionError } from './errors.js';

/** Environment variables set by GitHub Actions and GitLab CI for the API of the running instance. */
export const BASE_URL_ENV: Readonly<Record<ProviderKind, string>> = { github: 'GITHUB_API_URL', gitlab: 'GITLAB_API_URL' };

/**
 * API base URL: the explicit option, else GITHUB_API_URL / GITLAB_API_URL, else the public API.
 * Returned without a trailing slash.
 */
export function resolveBaseUrl(
  provider: ProviderKind,
  explicit: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  const url = explicit ?? (env[BASE_URL_ENV[provider]] || undefined) ?? DEFAULT_BASE_URLS[provider];
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new InvalidOptionError(`${provider} baseUrl must be an http(s) URL, got "${url}"`, provider);
  return url.replace(/\/+$/, '');
}
