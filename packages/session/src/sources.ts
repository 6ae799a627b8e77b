import type { ProviderKind } from '@gitfleet/tokens';
import { InvalidOptionError } from './errors.js';
import { clip } from './repository-list.js';
import { parseTarget } from './targets.js';

/**
 * What `gitfleet repos --format ndjson` prints for one repository (the providers' `Repository`
 * model as JSON): `cloneUrl` is required, the rest is kept when present.
 */
export interface ListedRepository {
  cloneUrl: string;
  provider?: ProviderKind;
  /** `owner/name`, or the GitLab full path. */
  fullName?: string;
  name?: string;
  description?: string | null;
  defaultBranch?: string | null;
  private?: boolean;
  fork?: boolean;
  archived?: boolean;
  webUrl?: string;
  language?: string | null;
  stars?: number;
  /** Size in KiB as the provider reported it: work on the fleet starts with the largest. */
  sizeKb?: number | null;
  createdAt?: string;
  pushedAt?: string | null;
}

/**
 * One source of a fleet job (`gitfleet mine`): a forge target to list or look up, a repository
 * listed earlier, a clone URL, a local repository path, or an entry that can't be any of them.
 */
export type FleetSource =
  /** `github:<owner>`, `github:<owner>/<repo>`, `gitlab:<group>[/<subgroup>...][/<project>]`. */
  | { kind: 'forge'; spec: string; provider: ProviderKind; path: string }
  /** A line of `gitfleet repos --format ndjson` (or an item of its json). */
  | { kind: 'listing'; spec: string; repository: ListedRepository }
  /** A URL git clones: `scheme://...` or scp-like `user@host:path`. */
  | { kind: 'url'; spec: string; url: string }
  /** A repository on this machine, used in place. */
  | { kind: 'path'; spec: string; path: string }
  /** An entry that can't be used, with the one-line reason (it fails alone). */
  | { kind: 'invalid'; spec: string; error: string };

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^[\w.-]+@[\w.-]+:/;

/**
 * Parses one source: `github:`/`gitlab:` targets (owners, groups and repositories), URLs,
 * JSON objects with a `cloneUrl` (as `repos --format ndjson` prints), and anything else as a
 * local path.
 *
 * @example
 * parseSource('github:acme'); // { kind: 'forge', spec: 'github:acme', provider: 'github', path: 'acme' }
 * parseSource('../app'); // { kind: 'path', spec: '../app', path: '../app' }
 */
export function parseSource(spec: string, where = 'source'): FleetSource {
  const text = spec.trim();
  if (text === '') return { kind: 'invalid', spec, error: `${where}: empty` };
  if (text.startsWith('{')) {
    try {
      return fromJson(JSON.parse(text), where, text);
    } catch {
      return { kind: 'invalid', spec: clip(text), error: `${where}: not valid JSON` };
    }
  }
  if (/^(github|gitlab):/.test(text)) {
    try {
      const target = parseTarget(text, 'owner');
      return { kind: 'forge', spec: text, provider: target.provider, path: target.path };
    } catch (error) {
      return { kind: 'invalid', spec: clip(text), error: `${where}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  if (URL_LIKE.test(text) || SCP_LIKE.test(text)) return { kind: 'url', spec: text, url: text };
  return { kind: 'path', spec: text, path: text };
}

/**
 * Sources of a `--from` list: one per line (blank lines and `#` comments skipped), or a whole
 * `repos --format json` array. A bad entry comes back as `kind: 'invalid'` and fails alone.
 *
 * @example
 * parseSourceList('github:acme\n{"provider":"github","fullName":"acme/web","cloneUrl":"https://github.com/acme/web.git"}\n', 'stdin');
 */
export function parseSourceList(text: string, where: string): FleetSource[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(trimmed);
    } catch {
      return [{ kind: 'invalid', spec: clip(trimmed), error: `${where}: not a JSON array` }];
    }
    if (Array.isArray(items)) return items.map((item, i) => fromJson(item, `${where}, item ${String(i + 1)}`, JSON.stringify(item) ?? String(item)));
  }
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.trim();
    return line === '' || line.startsWith('#') ? [] : [parseSource(line, `${where}, line ${String(i + 1)}`)];
  });
}

/** Command-line sources: typed by hand, so a bad one throws InvalidOptionError (nothing starts). */
export function parseSourceArgs(args: readonly string[]): FleetSource[] {
  return args.map((arg, i) => {
    const source = parseSource(arg, `argument ${String(i + 1)}`);
    if (source.kind === 'invalid') throw new InvalidOptionError(source.error);
    return source;
  });
}

function fromJson(value: unknown, where: string, spec: string): FleetSource {
  const item = (value ?? {}) as Record<string, unknown>;
  const cloneUrl = typeof item['cloneUrl'] === 'string' ? item['cloneUrl'].trim() : '';
  if (cloneUrl === '' || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', spec: clip(JSON.stringify(value) ?? String(value)), error: `${where}: a JSON entry without a cloneUrl (as printed by \`gitfleet repos --format ndjson\`)` };
  }
  const repository: ListedRepository = { cloneUrl };
  const provider = item['provider'];
  if (provider === 'github' || provider === 'gitlab') repository.provider = provider;
  const strings = ['fullName', 'name', 'webUrl', 'createdAt'] as const;
  for (const key of strings) if (typeof item[key] === 'string') repository[key] = item[key];
  const nullableStrings = ['description', 'defaultBranch', 'language', 'pushedAt'] as const;
  for (const key of nullableStrings) if (typeof item[key] === 'string' || item[key] === null) repository[key] = item[key];
  const flags = ['private', 'fork', 'archived'] as const;
  for (const key of flags) if (typeof item[key] === 'boolean') repository[key] = item[key];
  if (typeof item['stars'] === 'number') repository.stars = item['stars'];
  if ((typeof item['sizeKb'] === 'number' && item['sizeKb'] >= 0) || item['sizeKb'] === null) repository.sizeKb = item['sizeKb'];
  return { kind: 'listing', spec: clip(spec), repository };
}

