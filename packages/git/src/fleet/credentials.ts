/** A token per host (`github.com`, `127.0.0.1:8080`), or a function of the host. */
export type TokenSource = Record<string, string> | ((host: string) => string | undefined);

/** Where a URL's credentials come from: options, env, or userinfo in the URL itself. */
export interface CredentialOptions {
  tokens?: TokenSource | undefined;
  /** Username for Basic auth (default: by host kind, see {@link defaultUsername}). */
  username?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** A URL ready for git: userinfo stripped, plus the env that carries its credentials. */
export interface PreparedRemote {
  /** The URL without userinfo (what goes into argv and .git/config). */
  url: string;
  /** GIT_CONFIG_* variables with the Authorization header; empty without a token. */
  env: Record<string, string>;
  /** Strings to scrub from any message. */
  secrets: string[];
}

/** x-access-token for GitHub, oauth2 for GitLab, else `git`. */
export function defaultUsername(host: string): string {
  if (/(^|\.)github(usercontent)?\.com$|github/i.test(host)) return 'x-access-token';
  if (/gitlab/i.test(host)) return 'oauth2';
  return 'git';
}

/**
 * Strips userinfo from an HTTP(S) URL and builds the environment that hands its token to git as
 * an `http.<prefix>.extraHeader` (never in argv or .git/config). Non-HTTP URLs (SSH) pass through.
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
  const urlUser = decodeURIComponent(parsed.username);
  const urlPass = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const url = urlUser || urlPass ? parsed.toString() : rawUrl;
  const host = parsed.host;
  const fromOptions = typeof options.tokens === 'function' ? options.tokens(host) : options.tokens?.[host];
  const token = urlPass || fromOptions || env['GITFLEET_GIT_TOKEN'] || undefined;
  if (!token) return { url, env: {}, secrets: [] };
  const user = (urlPass ? urlUser : undefined) || options.username || env['GITFLEET_GIT_USERNAME'] || defaultUsername(host);
  const header = `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
  // Append to any GIT_CONFIG_COUNT the caller already uses.
  const index = Number.parseInt(env['GIT_CONFIG_COUNT'] ?? '0', 10) || 0;
  return {
    url,
    env: {
      GIT_CONFIG_COUNT: String(index + 1),
      [`GIT_CONFIG_KEY_${String(index)}`]: `http.${parsed.protocol}//${host}/.extraHeader`,
      [`GIT_CONFIG_VALUE_${String(index)}`]: header,
    },
    secrets: [token, header.slice('Authorization: Basic '.length)],
  };
}
