import { EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';

/**
 * The default dispatcher of every client: undici's EnvHttpProxyAgent, so HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY (lower-case names first, as curl reads them) work on every supported Node version. Requests
 * go through the proxy as CONNECT tunnels: the proxy sees the API's host, never a token.
 * With `env`, the variables are read from it (absent = no proxy); else from `process.env`.
 */
export function createProxyDispatcher(env?: Record<string, string | undefined>): Dispatcher {
  if (env === undefined) return new EnvHttpProxyAgent();
  const read = (name: string): string => env[name.toLowerCase()] ?? env[name] ?? '';
  return new EnvHttpProxyAgent({ httpProxy: read('HTTP_PROXY'), httpsProxy: read('HTTPS_PROXY'), noProxy: read('NO_PROXY') });
}
