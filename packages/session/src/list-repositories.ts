import type { ProviderClient, Repository } from '@gitfleet/providers';
import pLimit from 'p-limit';

export interface ListRepositoriesOptions {
  /** Fetch each repository in full (`getRepository`: one more request each). Default false. */
  details?: boolean;
  /** Stop after this many repositories: no page or repository past it is fetched. */
  limit?: number;
  /** Repositories fetched in full at once, with `details` (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * The repositories of an owner (a user, an org, a GitLab group with its subgroups), in the
 * provider's order; with `details`, each fetched in full, `concurrency` at once, still in order.
 * Read-ahead stays within `limit`, and stopping early (a `break`) aborts the requests in flight.
 *
 * @example
 * for await (const repo of listRepositories(github, 'nodejs', { details: true, limit: 10 })) console.log(repo.fullName, repo.topics);
 */
export async function* listRepositories(client: ProviderClient, owner: string, options: ListRepositoriesOptions = {}): AsyncGenerator<Repository> {
  const { details = false, limit, concurrency = 8 } = options;
  if (limit !== undefined && limit <= 0) return;
  // Our own controller: a consumer that stops early cancels the detail requests still running.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const listed = take(client.listRepositories(owner, { signal }), limit);
    if (!details) return yield* listed;
    const run = pLimit(concurrency);
    const pending: Promise<Repository>[] = [];
    const fetch = (repo: Repository): void => {
      const full = run(() => client.getRepository(repo.fullName, { signal }));
      // Awaited in order below; until then a failure must not count as unhandled.
      full.catch(() => undefined);
      pending.push(full);
    };
    for await (const repo of listed) {
      fetch(repo);
      if (pending.length >= concurrency * 2) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    stop.abort();
  }
}

/** The first `n` items (all without `n`); stopping closes `items`, so nothing is fetched beyond them. */
async function* take<T>(items: AsyncIterable<T>, n: number | undefined): AsyncGenerator<T> {
  if (n === undefined) return yield* items;
  let count = 0;
  for await (const item of items) {
    yield item;
    if (++count >= n) return;
  }
}
