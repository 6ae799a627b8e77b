import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@gitfleet/git';
import { createFileCache, createGitHubClient, createGitLabClient, identifyProvider, type ConditionalCache, type ProviderClient } from '@gitfleet/providers';
import { createIdentityPool, CredentialStore, tokenSourcesFromEnv, type ProviderKind, type TokenSource } from '@gitfleet/tokens';

export interface ForgeOptions {
  cache: boolean;
  cacheDir?: string | undefined;
}

const KEY_ENV = ['GITFLEET_CREDENTIALS_KEY', 'GITFLEET_CREDENTIALS_PASSPHRASE'] as const;

/** Whether the credential store can be opened without asking: a key or passphrase in the environment. */
export function storeKeyInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return KEY_ENV.some((name) => (env[name] ?? '') !== '');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Every token the CLI may use for `provider`: the credential store (when it exists and its key is
 * in the environment), then GITHUB_TOKEN(S) / GITLAB_TOKEN(S). Notes explain what was skipped.
 */
export async function tokenSources(provider: ProviderKind, notes: string[]): Promise<TokenSource[]> {
  const sources: TokenSource[] = [];
  const store = new CredentialStore();
  if (await exists(store.path)) {
    if (storeKeyInEnv()) sources.push(...(await store.sources()).filter((s) => s.provider === provider));
    else notes.push(`credential store ${store.path} is locked (set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY); using environment tokens only`);
  }
  for (const source of tokenSourcesFromEnv(process.env)) {
    if (source.provider === provider && !sources.some((s) => s.token === source.token)) sources.push(source);
  }
  return sources;
}

/**
 * A client for `provider` drawing from an identity pool of every configured token (anonymous when
 * there is none), with the conditional-request cache on disk unless `--no-cache`.
 */
export async function forgeClient(provider: ProviderKind, options: ForgeOptions, notes: string[]): Promise<ProviderClient> {
  const sources = await tokenSources(provider, notes);
  const cache: ConditionalCache | false = options.cache ? createFileCache({ dir: join(options.cacheDir ?? defaultCacheDir(), 'http') }) : false;
  const common = { cache, userAgent: 'gitfleet-cli' };
  if (sources.length === 0) {
    const env = provider === 'github' ? 'GITHUB_TOKEN' : 'GITLAB_TOKEN';
    notes.push(`no ${provider} token (set ${env}, or run \`gitfleet tokens add ${provider}\`): anonymous requests, low rate limits`);
  }
  const auth = sources.length === 0 ? {} : { pool: createIdentityPool({ sources, identify: identifyProvider({ cache, userAgent: 'gitfleet-cli' }) }) };
  return provider === 'github' ? createGitHubClient({ ...common, ...auth }) : createGitLabClient({ ...common, ...auth });
}
