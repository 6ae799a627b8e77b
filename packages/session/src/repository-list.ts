import { cloneUrlOf } from './clone-url.js';
import { InvalidOptionError } from './errors.js';
import { parseTarget } from './targets.js';

/** One repository to clone, or an entry of the list that can't be one (it fails alone). */
export type RepositoryEntry = { url: string } | { entry: string; error: string };

/**
 * What `clone` accepts, as arguments or lines of `--from`: a URL or path git can clone,
 * `github:owner/repo` / `gitlab:group/project` (cloned from the web host of GITHUB_API_URL /
 * GITLAB_API_URL), or a JSON object with a `cloneUrl`, such as a line of `repos --format ndjson`.
 * A whole `repos --format json` array works as a `--from` file too. Blank lines and `#` comments
 * are skipped.
 *
 * @example
 * parseRepositoryList('# mine\ngithub:acme/api\n{"fullName":"acme/web","cloneUrl":"https://github.com/acme/web.git"}\n', 'stdin');
 * // [{ url: 'https://github.com/acme/api.git' }, { url: 'https://github.com/acme/web.git' }]
 */
export function parseRepositoryList(text: string, where: string, env: NodeJS.ProcessEnv = process.env): RepositoryEntry[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(trimmed);
    } catch {
      return [{ entry: clip(trimmed), error: `${where}: not a JSON array` }];
    }
    if (Array.isArray(items)) return items.map((item, i) => fromJson(item, `${where}, item ${String(i + 1)}`));
  }
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.trim();
    return line === '' || line.startsWith('#') ? [] : [parseEntry(line, `${where}, line ${String(i + 1)}`, env)];
  });
}

/** Command-line arguments: typed by hand, so a bad one throws InvalidOptionError (nothing starts). */
export function parseRepositoryArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RepositoryEntry[] {
  return args.map((arg, i) => {
    const entry = parseEntry(arg.trim(), `argument ${String(i + 1)}`, env);
    if ('error' in entry) throw new InvalidOptionError(entry.error);
    return entry;
  });
}

function parseEntry(spec: string, where: string, env: NodeJS.ProcessEnv): RepositoryEntry {
  if (spec.startsWith('{')) {
    try {
      return fromJson(JSON.parse(spec), where);
    } catch {
      return { entry: clip(spec), error: `${where}: not valid JSON` };
    }
  }
  if (/^(github|gitlab):/.test(spec)) {
    try {
      return { url: cloneUrlOf(parseTarget(spec, 'repo'), env) };
    } catch (error) {
      return { entry: clip(spec), error: `${where}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { url: spec };
}

function fromJson(value: unknown, where: string): RepositoryEntry {
  const url = (value as { cloneUrl?: unknown } | null)?.cloneUrl;
  if (typeof url === 'string' && url.trim() !== '') return { url: url.trim() };
  return { entry: clip(JSON.stringify(value) ?? String(value)), error: `${where}: a JSON entry without a cloneUrl (as printed by \`gitfleet repos --format ndjson\`)` };
}

/** An entry as echoed in its result: userinfo masked (it may hold a password), at most 200 characters. */
export function clip(text: string): string {
  const safe = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s"]+@/gi, '$1***@');
  return safe.length > 200 ? `${safe.slice(0, 199)}…` : safe;
}
