import type { ProviderKind } from '@gitfleet/tokens';
import { InvalidOptionError } from './errors.js';
import type { ForgeTarget } from './targets.js';

const API_URL: Record<ProviderKind, string> = { github: 'GITHUB_API_URL', gitlab: 'GITLAB_API_URL' };

/**
 * The web origin (where repositories are cloned from) of the forge whose API GITHUB_API_URL or
 * GITLAB_API_URL names: `https://api.github.com` -> `https://github.com`, GitHub Enterprise Server
 * `https://ghe.example.com/api/v3` -> `https://ghe.example.com`, GHE.com `https://api.acme.ghe.com`
 * -> `https://acme.ghe.com`, GitLab `https://gitlab.example.com/api/v4` -> `https://gitlab.example.com`
 * (a GitLab under a path keeps it). Unset: github.com / gitlab.com.
 *
 * @example
 * webOrigin('gitlab', { GITLAB_API_URL: 'https://example.org/gitlab/api/v4' }); // 'https://example.org/gitlab'
 */
export function webOrigin(provider: ProviderKind, env: NodeJS.ProcessEnv = process.env): string {
  const api = env[API_URL[provider]]?.trim();
  if (!api) return provider === 'github' ? 'https://github.com' : 'https://gitlab.com';
  if (!URL.canParse(api)) throw new InvalidOptionError(`${API_URL[provider]} is not a URL: '${api}'`);
  const url = new URL(api);
  let host = url.host;
  if (provider === 'github' && /^api\.(github\.com|[^.]+\.ghe\.com)$/i.test(url.hostname)) host = host.slice('api.'.length);
  const path = url.pathname.replace(/\/+$/, '').replace(provider === 'github' ? /\/api(\/v3)?$/ : /\/api\/v4$/, '');
  return `${url.protocol}//${host}${path}`;
}

/** The HTTPS clone URL of a `github:owner/repo` or `gitlab:group/project` target. */
export function cloneUrlOf(target: ForgeTarget, env: NodeJS.ProcessEnv = process.env): string {
  return `${webOrigin(target.provider, env)}/${target.path}.git`;
}
