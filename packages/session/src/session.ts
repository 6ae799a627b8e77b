import { access } from 'node:fs/promises';
import { defaultCacheDir } from '@gitfleet/cache';
import { gitTokensFromEnv, normalizeHost, type HostCredential } from '@gitfleet/git';
import {
  createFileCache,
  createGitHubClient,
  createGitLabClient,
  identifyProvider,
  type ConditionalCache,
  type ProviderClient,
  type WaitEvent,
} from '@gitfleet/providers';
import { createIdentityPool, CredentialStore, tokenSourcesFromEnv, type IdentityPool, type ProviderKind, type StateStore, type TokenSource } from '@gitfleet/tokens';

export interface SessionOptions {
  /** Where tokens, API URLs and the credential store's key are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * The conditional-request cache for provider APIs: on (default, in `$GITFLEET_CACHE_DIR` or the
   * user cache dir), off, or a cache directory. A repeated listing is then answered by free 304s.
   */
  cache?: boolean | string;
  /** Told before a request waits (rate-limit reset, Retry-After, retry). */
  onWait?: (event: WaitEvent) => void;
  /** Told, once each, what configuration was skipped or is missing (a locked store, no token). */
  onNote?: (text: string) => void;
  /** User-Agent of provider requests. Default `gitfleet`. */
  userAgent?: string;
  /**
   * Where the identity pools keep budgets, reservations and invalid tokens. Default: in memory,
   * per pool. A shared store (e.g. `@gitfleet/queue`'s Redis store) makes every process that uses
   * it spend one budget per identity.
   */
  state?: StateStore;
}

/** A git token (and username) by host, as `createFleet({ tokens })` takes it. */
export type GitTokenLookup = (host: string) => string | HostCredential | undefined;

const KEY_ENV = ['GITFLEET_CREDENTIALS_KEY', 'GITFLEET_CREDENTIALS_PASSPHRASE'] as const;
const TOKEN_ENV: Record<ProviderKind, string> = { github: 'GITHUB_TOKEN or GH_TOKEN', gitlab: 'GITLAB_TOKEN' };

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
 * The resources a gitfleet run shares, built from configuration: the token sources (credential
 * store, then `GITHUB_TOKEN(S)` / `GH_TOKEN` / `GITLAB_TOKEN(S)`), one identity pool and provider
 * client per provider over one HTTP cache, and git tokens per host for cloning. Everything is
 * made on first use and kept: the store is read (its scrypt key derived) once per session.
 *
 * @example
 * const session = createSession({ onNote: (text) => console.error(text) });
 * const github = await session.providerClient('github');
 * for await (const repo of github.listRepositories('nodejs', { signal: AbortSignal.timeout(60_000) })) console.log(repo.fullName);
 */
export class Session {
  readonly env: NodeJS.ProcessEnv;
  /** The conditional-request cache shared by every provider client, or false. */
  readonly httpCache: ConditionalCache | false;
  #sources: Promise<TokenSource[]> | undefined;
  #gitTokens: Promise<GitTokenLookup> | undefined;
  readonly #pools = new Map<ProviderKind, IdentityPool | undefined>();
  readonly #clients = new Map<ProviderKind, Promise<ProviderClient>>();
  readonly #notes = new Set<string>();

  constructor(private readonly options: SessionOptions = {}) {
    this.env = options.env ?? process.env;
    const { cache = true } = options;
    this.httpCache = cache === false ? false : createFileCache({ dir: typeof cache === 'string' ? cache : defaultCacheDir(this.env) });
  }

  /** The encrypted credential store this session reads (`GITFLEET_CREDENTIALS_FILE`, key from the environment). */
  credentialStore(): CredentialStore {
    return new CredentialStore({ env: this.env });
  }

  /**
   * Every API token: the credential store's (when it exists and its key is in the environment),
   * then the environment's, without duplicates.
   */
  tokenSources(): Promise<TokenSource[]> {
    this.#sources ??= (async () => {
      const sources: TokenSource[] = [];
      const store = this.credentialStore();
      if (await storeExists(store)) {
        if (storeKeyInEnv(this.env)) sources.push(...(await store.sources()));
        else this.#note(`credential store ${store.path} is locked (set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY); using environment tokens only`);
      }
      for (const source of tokenSourcesFromEnv(this.env)) {
        if (!sources.some((s) => s.token === source.token && s.provider === source.provider)) sources.push(source);
      }
      return sources;
    })();
    return this.#sources;
  }

  /** The identity pool of a provider's tokens, or undefined when there is none (anonymous requests). */
  async pool(provider: ProviderKind): Promise<IdentityPool | undefined> {
    if (!this.#pools.has(provider)) {
      const sources = (await this.tokenSources()).filter((s) => s.provider === provider);
      if (sources.length === 0) {
        this.#note(`no ${provider} token (set ${TOKEN_ENV[provider]}, or run \`gitfleet tokens add ${provider}\`): anonymous requests, low rate limits`);
      }
      // Identification goes through the cache too: a repeated GET /user is a free 304.
      const pool = sources.length === 0 ? undefined : createIdentityPool({ sources, identify: identifyProvider(this.#clientOptions()), ...(this.options.state ? { state: this.options.state } : {}) });
      if (!this.#pools.has(provider)) this.#pools.set(provider, pool);
    }
    return this.#pools.get(provider);
  }

  /** The GitHub or GitLab client of this session: its identity pool, the HTTP cache, `onWait`. */
  providerClient(provider: ProviderKind): Promise<ProviderClient> {
    let client = this.#clients.get(provider);
    if (!client) {
      client = (async () => {
        const pool = await this.pool(provider);
        const options = { ...this.#clientOptions(), ...(pool ? { pool } : {}) };
        return provider === 'github' ? createGitHubClient(options) : createGitLabClient(options);
      })();
      this.#clients.set(provider, client);
    }
    return client;
  }

  /**
   * Git tokens by host for cloning: `GITFLEET_GIT_TOKENS`, then `GITFLEET_GIT_TOKEN` (for
   * `GITFLEET_GIT_HOST`, default github.com), then the credential store's git tokens
   * (`tokens add git --host H`). `@gitfleet/git` sends each only to its own host (and port), and
   * never over plain http except to a loopback address.
   */
  gitTokens(): Promise<GitTokenLookup> {
    this.#gitTokens ??= (async () => {
      const fromEnv = gitTokensFromEnv(this.env);
      const stored = new Map<string, HostCredential>();
      const store = this.credentialStore();
      if (await storeExists(store)) {
        if (storeKeyInEnv(this.env)) {
          for (const c of await store.gitCredentials()) {
            const host = normalizeHost(c.host);
            if (host !== undefined && !stored.has(host)) stored.set(host, { token: c.token, ...(c.username ? { username: c.username } : {}) });
          }
        } else if (Object.keys(fromEnv).length === 0) {
          this.#note(`credential store ${store.path} is locked (set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY): its git tokens are not used`);
        }
      }
      return (host: string) => fromEnv[host] ?? stored.get(host);
    })();
    return this.#gitTokens;
  }

  #clientOptions(): { cache: ConditionalCache | false; userAgent: string; env: NodeJS.ProcessEnv; onWait?: (event: WaitEvent) => void } {
    const { onWait, userAgent = 'gitfleet' } = this.options;
    return { cache: this.httpCache, userAgent, env: this.env, ...(onWait ? { onWait } : {}) };
  }

  #note(text: string): void {
    if (this.#notes.has(text)) return;
    this.#notes.add(text);
    this.options.onNote?.(text);
  }
}

/** A {@link Session}. */
export function createSession(options: SessionOptions = {}): Session {
  return new Session(options);
}
