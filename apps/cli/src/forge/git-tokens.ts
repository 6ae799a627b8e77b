import { gitTokensFromEnv, normalizeHost, type HostCredential, type TokenSource } from '@gitfleet/git';
import { CredentialStore } from '@gitfleet/tokens';
import { storeExists, storeKeyInEnv } from './clients.js';

/**
 * Git tokens by host for `clone`: GITFLEET_GIT_TOKENS, then GITFLEET_GIT_TOKEN (for
 * GITFLEET_GIT_HOST, default github.com), then the credential store's git tokens (`tokens add git
 * --host H`) when its key is in the environment. Each token goes only to its own host: the
 * library checks the host (and port) of every URL, and never sends one over plain http except to
 * a loopback address.
 */
export async function gitTokenSource(notes: string[], env: NodeJS.ProcessEnv = process.env): Promise<TokenSource> {
  const fromEnv = gitTokensFromEnv(env);
  const stored = new Map<string, HostCredential>();
  const store = new CredentialStore({ env });
  if (await storeExists(store)) {
    if (storeKeyInEnv(env)) {
      for (const c of await store.gitCredentials()) {
        const host = normalizeHost(c.host);
        if (host !== undefined && !stored.has(host)) stored.set(host, { token: c.token, ...(c.username ? { username: c.username } : {}) });
      }
    } else if (Object.keys(fromEnv).length === 0) {
      notes.push(`credential store ${store.path} is locked (set GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY): its git tokens are not used`);
    }
  }
  return (host) => fromEnv[host] ?? stored.get(host);
}
