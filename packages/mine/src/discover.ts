import { resolve } from 'node:path';
import type { RowInput } from '@gitfleet/dataset';
import type { ProviderClient, Repository as ProviderRepository } from '@gitfleet/providers';
import { createSession, parseSource, type FleetSource, type ListedRepository, type Session } from '@gitfleet/session';
import type { ProviderKind } from '@gitfleet/tokens';
import picomatch from 'picomatch';
import { toFailure } from './failure.js';
import { withoutUserinfo } from './url.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { MineFailure, MineOptions, MineSource } from './types.js';

/** The provider's metadata of a repository, as columns of `repositories`. */
export type RepositoryMeta = Omit<RowInput<'repositories'>, 'head_sha' | 'default_branch' | 'is_empty' | 'is_shallow'>;

/** One repository to mine. */
export interface RepositoryJob {
  /** Dataset key: provider full name, clone URL without credentials, or absolute path. */
  repository: string;
  /** The source it came from, as given. */
  source: string;
  /** Clone URL, cloned (bare) into the clones directory; absent for a local repository. */
  url?: string;
  /** Local repository, mined in place. */
  path?: string;
  /** Set for repositories the provider knows (for `with` data). */
  provider?: ProviderKind;
  fullName?: string;
  /** The provider's default branch, when known. */
  defaultBranch?: string | null;
  /** Size in KiB as the provider listed it, when known (work starts with the largest). */
  sizeKb?: number;
  meta: RepositoryMeta;
}

/** What discovery finds: a repository to mine, a source that failed, or the end of a listing. */
export type Discovery =
  | { kind: 'job'; job: RepositoryJob }
  | { kind: 'failure'; repository: string; source: string; stage: 'source' | 'list'; error: MineFailure }
  | { kind: 'listed'; source: string; repositories: number; filtered: number };

export interface DiscoverContext {
  options: ResolvedOptions;
  session: Session;
  signal: AbortSignal;
}

/**
 * The repositories `mine()` would mine for `sources` with `options` (listings through the
 * session's identity pool, `include`/`exclude`/`forks`/`archived` applied, duplicates left in),
 * streamed; what a queue coordinator enqueues. Options are validated as `mine()` does.
 *
 * @example
 * ```ts
 * for await (const found of discoverRepositories(['github:acme'], { out: 'data', forks: false })) {
 *   if (found.kind === 'job') console.log(found.job.repository);
 * }
 * ```
 */
export function discoverRepositories(sources: readonly MineSource[], options: MineOptions): AsyncIterable<Discovery> {
  if (!Array.isArray(sources)) throw new TypeError('sources must be an array of sources');
  const resolved = resolveOptions(options);
  const session = options.session;
  return {
    async *[Symbol.asyncIterator]() {
      yield* discover(sources, { options: resolved, session: session ?? createSession(), signal: options.signal ?? new AbortController().signal });
    },
  };
}

/**
 * Turns sources into repositories, streaming: owner and group listings yield repositories page by
 * page, so cloning starts before a big listing ends. A source that fails (a bad entry, a listing
 * that errors) is reported once and the others go on.
 */
export async function* discover(sources: readonly MineSource[], ctx: DiscoverContext): AsyncGenerator<Discovery> {
  const keep = listingFilter(ctx.options);
  for (const [i, raw] of sources.entries()) {
    if (ctx.signal.aborted) return;
    const source = typeof raw === 'string' ? parseSource(raw, `source ${String(i + 1)}`) : raw;
    switch (source.kind) {
      case 'invalid':
        yield { kind: 'failure', repository: source.spec, source: source.spec, stage: 'source', error: { code: 'GITFLEET_MINE_INVALID_SOURCE', message: source.error } };
        break;
      case 'path': {
        const path = resolve(source.path);
        yield { kind: 'job', job: { repository: path, source: source.spec, path, meta: { clone_url: path, name: basename(path) } } };
        break;
      }
      case 'url': {
        const url = withoutUserinfo(source.url);
        yield { kind: 'job', job: { repository: url, source: source.spec, url: source.url, meta: { clone_url: url, name: nameOfUrl(url) } } };
        break;
      }
      case 'listing': {
        const job = fromListing(source.repository, source.spec);
        if (source.repository.fullName === undefined || keep(source.repository)) yield { kind: 'job', job };
        break;
      }
      case 'forge':
        yield* fromForge(source, ctx, keep);
        break;
    }
  }
}

async function* fromForge(
  source: Extract<FleetSource, { kind: 'forge' }>,
  ctx: DiscoverContext,
  keep: (repo: ListedRepository) => boolean,
): AsyncGenerator<Discovery> {
  const fail = (error: unknown): Discovery => ({ kind: 'failure', repository: source.spec, source: source.spec, stage: 'list', error: toFailure(error) });
  let client: ProviderClient;
  try {
    client = await ctx.session.providerClient(source.provider);
  } catch (error) {
    yield fail(error);
    return;
  }
  const segments = source.path.split('/').length;
  // github:owner/repo names a repository; gitlab:a/b may be a project or a subgroup: ask for the project first.
  if (segments > 1) {
    try {
      const repo = await client.getRepository(source.path, { signal: ctx.signal });
      yield { kind: 'job', job: fromProvider(repo, source.spec) };
      return;
    } catch (error) {
      if (source.provider === 'github' || (error as { code?: unknown }).code !== 'GITFLEET_PROVIDER_NOT_FOUND') {
        yield fail(error);
        return;
      }
    }
  }
  let repositories = 0;
  let filtered = 0;
  try {
    for await (const repo of client.listRepositories(source.path, { signal: ctx.signal })) {
      const job = fromProvider(repo, source.spec);
      if (keep(repo)) {
        repositories++;
        yield { kind: 'job', job };
      } else filtered++;
    }
  } catch (error) {
    if (ctx.signal.aborted) return;
    yield fail(error);
    return;
  }
  yield { kind: 'listed', source: source.spec, repositories, filtered };
}

/** `--include`/`--exclude` globs on the full name, `forks`, `archived`. */
function listingFilter(options: ResolvedOptions): (repo: ListedRepository) => boolean {
  const include = options.include.length ? picomatch(options.include, { nocase: true, dot: true }) : () => true;
  const exclude = options.exclude.length ? picomatch(options.exclude, { nocase: true, dot: true }) : () => false;
  return (repo) => {
    const name = repo.fullName ?? '';
    if (!include(name) || exclude(name)) return false;
    if (!options.forks && repo.fork === true) return false;
    if (!options.archived && repo.archived === true) return false;
    return true;
  };
}

function fromProvider(repo: ProviderRepository, source: string): RepositoryJob {
  return fromListing(
    {
      cloneUrl: repo.cloneUrl,
      provider: repo.provider,
      fullName: repo.fullName,
      name: repo.name,
      description: repo.description,
      defaultBranch: repo.defaultBranch,
      private: repo.private,
      fork: repo.fork,
      archived: repo.archived,
      webUrl: repo.webUrl,
      language: repo.language,
      stars: repo.stars,
      sizeKb: repo.sizeKb,
      createdAt: repo.createdAt,
      pushedAt: repo.pushedAt,
    },
    source,
  );
}

function fromListing(repo: ListedRepository, source: string): RepositoryJob {
  const url = withoutUserinfo(repo.cloneUrl);
  const meta: RepositoryMeta = {
    provider: repo.provider ?? null,
    name: repo.name ?? nameOfUrl(url),
    url: repo.webUrl ?? null,
    clone_url: url,
    description: repo.description ?? null,
    language: repo.language ?? null,
    stars: repo.stars ?? null,
    is_fork: repo.fork ?? null,
    is_archived: repo.archived ?? null,
    is_private: repo.private ?? null,
    created_time: unixSeconds(repo.createdAt),
    pushed_time: unixSeconds(repo.pushedAt),
  };
  const job: RepositoryJob = { repository: repo.fullName ?? url, source, url: repo.cloneUrl, meta };
  if (repo.provider !== undefined && repo.fullName !== undefined) {
    job.provider = repo.provider;
    job.fullName = repo.fullName;
  }
  if (repo.defaultBranch !== undefined) job.defaultBranch = repo.defaultBranch;
  if (typeof repo.sizeKb === 'number') job.sizeKb = repo.sizeKb;
  return job;
}

function unixSeconds(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function nameOfUrl(url: string): string {
  return basename(url.replace(/[?#].*$/, '').replace(/[/\\]+$/, '')).replace(/\.git$/i, '');
}

function basename(path: string): string {
  return path.split(/[/\\:]/).filter(Boolean).pop() ?? path;
}
