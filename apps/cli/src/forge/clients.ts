import { access } from 'node:fs/promises';
import { defaultCacheDir } from '@gitfleet/git';
import {
  createFileCache,
  createGitHubClient,
  createGitLabClient,
  identifyProvider,
  type ConditionalCache,
  type ProviderClient,
  type WaitEvent,
} from '@gitfleet/providers';
import { createIdentityPool, CredentialStore, tokenSourcesFromEnv, type ProviderKind, type TokenSource } from '@gitfleet/tokens';

export interface ForgeOptions {
  cache: boolean;
  cacheDir?: string | undefined;
  /** Told before a request waits (rate-limit reset, Retry-After, retry). */
  onWait?: (event: WaitEvent) => void;
}

/** The conditional-request cache on disk (`<cache dir>/http`), or false. */
export function httpCache(options: ForgeOptions): ConditionalCache | false {
  return options.cache ? createFileCache({ dir: options.cacheDir ?? defaultCacheDir() }) : false;
}

const KEY_ENV = ['GITFLEET_CREDENTIALS_KEY', 'GITFLEET_CREDENTIALS_PASSPHRASE'] as const;

/** Whether the credential store can be opened without asking: a key or passphrase in the environment. */
export function storeKeyInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return KEY_ENV.some((name) => (env[name] ?? '') !== '');
}

/** Whether the credential store's file exists (a missing store is simply empty). */
export async function storeExists(store: CredentialStore): Promise<boolean> {
  return access(store.path).then(
    () => true,
    () => false,
  );
}

/**
 * Every token the CLI may use: the credential store (when it exists and its key is in the
 * environment), then GITHUB_TOKEN(S) / GITLAB_TOKEN(S). Notes explain what was skipped. Read once
 * per command: opening the store derives its key (scrypt).
 */
export async function allTokenSources(notes: string[]): Promise<TokenSource[]> {
  const sources: TokenSource[] = [];
  const store = new CredentialStore();
  if (await storeExists(store)) {
    if (storeKeyInEnv()) sources.push(...(await store.sources()));
    else notes.push(`credential store ${store.path} is locked (set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY); using environment tokens only`);
  }
  for (const source of tokenSourcesFromEnv(process.env)) {
    if (!sources.some((s) => s.token === source.token && s.provider === source.provider)) sources.push(source);
  }
  return sources;
}

/**
 * A client for `provider` drawing from an identity pool of every configured token (anonymous when
 * there is none), with the conditional-request cache on disk unless `--no-cache`.
 */
export async function forgeClient(provider: ProviderKind, options: ForgeOptions, notes: string[]): Promise<ProviderClient> {
  const sources = (await allTokenSources(notes)).filter((s) => s.provider === provider);
  const cache = httpCache(options);
  const common = { cache, userAgent: 'gitfleet-cli', ...(options.onWait ? { onWait: options.onWait } : {}) };
  if (sources.length === 0) {
    const env = provider === 'github' ? 'GITHUB_TOKEN or GH_TOKEN' : 'GITLAB_TOKEN';
    notes.push(`no ${provider} token (set ${env}, or run \`gitfleet tokens add ${provider}\`): anonymous requests, low rate limits`);
  }
  // Identification goes through the cache too: a repeated GET /user is a free 304.
  const auth = sources.length === 0 ? {} : { pool: createIdentityPool({ sources, identify: identifyProvider(common) }) };
  return provider === 'github' ? createGitHubClient({ ...common, ...auth }) : createGitLabClient({ ...common, ...auth });
}
