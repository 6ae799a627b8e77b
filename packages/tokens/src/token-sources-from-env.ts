import type { ProviderKind, TokenSource } from './types.js';

// GH_TOKEN is the GitHub CLI's (gh) variable: read like GITHUB_TOKEN.
const VARIABLES: Record<ProviderKind, { single: string[]; list: string; baseUrl: string }> = {
  github: { single: ['GITHUB_TOKEN', 'GH_TOKEN'], list: 'GITHUB_TOKENS', baseUrl: 'GITHUB_API_URL' },
  gitlab: { single: ['GITLAB_TOKEN'], list: 'GITLAB_TOKENS', baseUrl: 'GITLAB_API_URL' },
};

/**
 * Token sources from the environment: GITHUB_TOKEN, GH_TOKEN (the GitHub CLI's), GITHUB_TOKENS
 * (comma-separated), GITLAB_TOKEN, GITLAB_TOKENS; trimmed, without duplicates. `baseUrl` comes from GITHUB_API_URL / GITLAB_API_URL.
 * Labels name the variable (`GITHUB_TOKENS[2]`), never the token.
 *
 * @example
 * tokenSourcesFromEnv({ GITHUB_TOKENS: 'ghp_a, ghp_b', GITLAB_TOKEN: 'glpat-c' });
 * // [{ provider: 'github', token: 'ghp_a', label: 'GITHUB_TOKENS[1]' }, ...]
 */
export function tokenSourcesFromEnv(env: NodeJS.ProcessEnv = process.env): TokenSource[] {
  const sources: TokenSource[] = [];
  for (const provider of ['github', 'gitlab'] as const) {
    const names = VARIABLES[provider];
    const baseUrl = env[names.baseUrl]?.trim().replace(/\/+$/, '');
    const seen = new Set<string>();
    const add = (token: string, label: string): void => {
      if (token === '' || seen.has(token)) return;
      seen.add(token);
      sources.push({ token, provider, label, ...(baseUrl ? { baseUrl } : {}) });
    };
    for (const name of names.single) add(env[name]?.trim() ?? '', name);
    (env[names.list] ?? '').split(',').forEach((token, i) => add(token.trim(), `${names.list}[${i + 1}]`));
  }
  return sources;
}
