import type { ProviderKind } from '@gitfleet/tokens';
import { InvalidOptionError } from './errors.js';

export interface ForgeTarget {
  provider: ProviderKind;
  /** Owner or group path (`acme`, `group/sub`), or a repository (`owner/name`, `group/sub/project`). */
  path: string;
}

const HOSTS: Record<string, ProviderKind> = { 'github.com': 'github', 'gitlab.com': 'gitlab' };

/**
 * Parses `github:<owner>[/<repo>]` or `gitlab:<group>[/<project>]`; web URLs of github.com and
 * gitlab.com work too (`https://github.com/acme/api`). Anything else throws InvalidOptionError
 * saying what to write.
 *
 * @example
 * parseTarget('github:acme/api', 'repo'); // { provider: 'github', path: 'acme/api' }
 */
export function parseTarget(spec: string, kind: 'owner' | 'repo'): ForgeTarget {
  let provider: ProviderKind | undefined;
  let path = '';
  const prefixed = /^(github|gitlab):(.+)$/.exec(spec);
  if (prefixed) {
    provider = prefixed[1] as ProviderKind;
    path = prefixed[2]!;
  } else if (URL.canParse(spec)) {
    const url = new URL(spec);
    provider = HOSTS[url.hostname];
    path = decodeURIComponent(url.pathname).replace(/\.git$/, '');
  }
  path = path.replace(/^\/+|\/+$/g, '');
  const segments = path.split('/').filter(Boolean).length;
  const example = kind === 'owner' ? 'github:<owner> or gitlab:<group>' : 'github:<owner>/<repo> or gitlab:<group>/<project>';
  if (!prefixed && !URL.canParse(spec)) {
    // A bare `owner/repo`: say what to write, with the user's own path.
    const bare = spec.replace(/^\/+|\/+$/g, '');
    const fits = /^[^\s:]+$/.test(bare) && (kind === 'owner' || bare.includes('/'));
    throw new InvalidOptionError(`'${spec}' names no provider: write ${fits ? `github:${bare} or gitlab:${bare}` : example}`);
  }
  if (!provider || segments === 0) throw new InvalidOptionError(`expected ${example}, got '${spec}'`);
  if (kind === 'repo' && segments < 2) throw new InvalidOptionError(`expected a repository (${example}), got '${spec}'`);
  if (provider === 'github' && segments > (kind === 'repo' ? 2 : 1)) throw new InvalidOptionError(`not a GitHub ${kind}: '${spec}'`);
  return { provider, path };
}
