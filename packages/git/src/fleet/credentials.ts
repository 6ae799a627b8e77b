import { InvalidOptionError } from '../errors.js';
import { FleetError } from './errors.js';

/** A token for one host, with an optional Basic-auth username. */
export interface HostCredential {
  token: string;
  username?: string;
}

/**
 * Tokens by host: `host` or `host:port` exactly as in the URL (`github.com`, `127.0.0.1:8080`;
 * a default port is left out), as a map or a function of that host.
 */
export type TokenSource =
  | Record<string, string | HostCredential>
  | ((host: string) => string | HostCredential | undefined);

/** Where a URL's credentials come from: options, env, or userinfo in the URL itself. */
export interface CredentialOptions {
  tokens?: TokenSource | undefined;
  /** Username for Basic auth (default: by host kind, see {@link defaultUsername}). */
  username?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** A URL ready for git: userinfo stripped, plus the env that hands its credential to git. */
export interface PreparedRemote {
  /** The URL without userinfo (what goes into argv and .git/config). */
  url: string;
  /** GIT_CONFIG_* and GITFLEET_GIT_CREDENTIAL_* variables; empty without a credential. */
  env: Record<string, string>;
  /** Strings to scrub from any message. */
  secrets: string[];
  /** Why a configured token was not used (added to an authentication failure). */
  withheld?: string;
  /** Set when the URL must not be cloned at all (it fails alone, before any request). */
  error?: FleetError;
}

/**
 * The credential helper git runs (through `sh`) when a server asks for credentials. It answers only
 * for the exact protocol and host the token belongs to, so a redirect to another host, or from
 * https to http, gets nothing. The secret stays in the environment: `printf` and `test` are shell
 * builtins, so it is never in any argv.
 */
const HELPER =
  '!f() { p=; h=; ' +
  'while IFS= read -r l; do case "$l" in protocol=*) p=${l#protocol=} ;; host=*) h=${l#host=} ;; esac; done; ' +
  'test "$1" = get && test "$p" = "$GITFLEET_GIT_CREDENTIAL_PROTOCOL" && test "$h" = "$GITFLEET_GIT_CREDENTIAL_HOST" || exit 0; ' +
  'printf "username=%s\\npassword=%s\\n" "$GITFLEET_GIT_CREDENTIAL_USERNAME" "$GITFLEET_GIT_CREDENTIAL_PASSWORD"; }; f';

/** x-access-token for GitHub, oauth2 for GitLab, else `git`. */
export function defaultUsername(host: string): string {
  if (/(^|\.)github(usercontent)?\.com$|github/i.test(host)) return 'x-access-token';
  if (/gitlab/i.test(host)) return 'oauth2';
  return 'git';
}

/**
 * 127.0.0.0/8, ::1 and localhost: the only hosts a credential may reach over plain http.
 *
 * @example
 * isLoopback('127.0.0.1'); // true
 * isLoopback('localhost.example.com'); // false
 */
export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * `host` or `host:port` as URLs spell it (lower case, default port dropped), or undefined when
 * `value` is not one. A full URL is accepted too: its host is taken.
 *
 * @example
 * normalizeHost('GitHub.com'); // 'github.com'
 * normalizeHost('https://git.example.org:8443/'); // 'git.example.org:8443'
 */
export function normalizeHost(value: string): string | undefined {
  const text = value.trim();
  if (text === '' || /[\s/?#@]/.test(text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, ''))) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return url.host === '' ? undefined : url.host;
  } catch {
    return undefined;
  }
}

/**
 * Git tokens from the environment, by host: `GITFLEET_GIT_TOKENS=host=token,host2=token2`, and
 * `GITFLEET_GIT_TOKEN` for the one host `GITFLEET_GIT_HOST` (default `github.com`). An entry of
 * GITFLEET_GIT_TOKENS wins over GITFLEET_GIT_TOKEN for the same host. Throws InvalidOptionError
 * (naming the entry, never the token) on a malformed value.
 *
 * @example
 * gitTokensFromEnv({ GITFLEET_GIT_TOKEN: 'ghp_x', GITFLEET_GIT_TOKENS: 'git.example.org=glpat-y' });
 * // { 'git.example.org': 'glpat-y', 'github.com': 'ghp_x' }
 */
export function gitTokensFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const tokens: Record<string, string> = {};
  const entries = (env['GITFLEET_GIT_TOKENS'] ?? '').split(',');
  entries.forEach((entry, i) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    const host = eq > 0 ? normalizeHost(entry.slice(0, eq)) : undefined;
    const token = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (host === undefined || token === '' || /\s/.test(token)) {
      throw new InvalidOptionError(`GITFLEET_GIT_TOKENS entry ${String(i + 1)} is not host=token`);
    }
    tokens[host] ??= token;
  });
  const single = env['GITFLEET_GIT_TOKEN']?.trim();
  if (single) {
    const host = normalizeHost(env['GITFLEET_GIT_HOST'] || 'github.com');
    if (host === undefined) throw new InvalidOptionError('GITFLEET_GIT_HOST is not a host name');
    tokens[host] ??= single;
  }
  return tokens;
}

/** The credential `tokens` holds for `host`, if any. Keys are compared after {@link normalizeHost}. */
function lookup(tokens: TokenSource | undefined, host: string): HostCredential | undefined {
  let found: string | HostCredential | undefined;
  if (typeof tokens === 'function') found = tokens(host);
  else if (tokens) {
    found = tokens[host] ?? Object.entries(tokens).find(([key]) => normalizeHost(key) === host)?.[1];
  }
  if (found === undefined || found === '') return undefined;
  return typeof found === 'string' ? { token: found } : found;
}

/**
 * Strips userinfo from an HTTP(S) URL and picks the credential for its host: the URL's own
 * password, else `tokens`, else the environment ({@link gitTokensFromEnv}). The credential goes
 * only to that protocol and host (a `credential.helper` that checks what git asks for), only over
 * https or to a loopback address, and never in argv or .git/config. SSH URLs and paths pass through.
 */
export function prepareRemote(rawUrl: string, options: CredentialOptions = {}): PreparedRemote {
  const env = options.env ?? process.env;
  let parsed: URL;
  try {
    parsed = new URL(rawUrl);
  } catch {
    return { url: rawUrl, env: {}, secrets: [] }; // scp-like SSH (git@host:path) or a local path
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { url: rawUrl, env: {}, secrets: [] };
  const urlUser = safeDecode(parsed.username);
  const urlPass = safeDecode(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const url = urlUser || urlPass ? parsed.toString() : rawUrl;
  const { host } = parsed;
  const secure = parsed.protocol === 'https:' || isLoopback(parsed.hostname);
  const configured = urlPass ? undefined : (lookup(options.tokens, host) ?? lookup(gitTokensFromEnv(env), host));
  const token = urlPass || configured?.token;
  if (!token) return { url, env: {}, secrets: [] };
  const secrets = [token, ...(urlPass ? [encodeURIComponent(urlPass)] : [])];
  if (!secure) {
    const why = `credentials are never sent over plain http to ${parsed.hostname} (only https, or http to a loopback address)`;
    if (urlPass) return { url, env: {}, secrets, error: new FleetError('GITFLEET_GIT_INSECURE_TRANSPORT', `refusing ${url}: ${why}`) };
    return { url, env: {}, secrets, withheld: `a token is configured for ${host}, but ${why}` };
  }
  const user = urlUser || configured?.username || options.username || env['GITFLEET_GIT_USERNAME'] || defaultUsername(host);
  if (/[\0-\x1f\x7f]/.test(token + user)) {
    return { url, env: {}, secrets, error: new FleetError('GITFLEET_GIT_INSECURE_TRANSPORT', `the credential for ${host} contains control characters`) };
  }
  // What git will send to the helper: the protocol and authority as written in the URL it is given.
  const written = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  // Append to any GIT_CONFIG_COUNT the caller already uses; an empty helper first clears the
  // user's own helpers, so none of them is asked to store our token.
  const index = Number.parseInt(env['GIT_CONFIG_COUNT'] ?? '0', 10) || 0;
  return {
    url,
    env: {
      GIT_CONFIG_COUNT: String(index + 2),
      [`GIT_CONFIG_KEY_${String(index)}`]: 'credential.helper',
      [`GIT_CONFIG_VALUE_${String(index)}`]: '',
      [`GIT_CONFIG_KEY_${String(index + 1)}`]: 'credential.helper',
      [`GIT_CONFIG_VALUE_${String(index + 1)}`]: HELPER,
      GITFLEET_GIT_CREDENTIAL_PROTOCOL: written?.[1] ?? parsed.protocol.slice(0, -1),
      GITFLEET_GIT_CREDENTIAL_HOST: safeDecode(written?.[2] ?? host),
      GITFLEET_GIT_CREDENTIAL_USERNAME: user,
      GITFLEET_GIT_CREDENTIAL_PASSWORD: token,
    },
    secrets,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
