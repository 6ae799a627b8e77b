import type { ApiResponse, RequestEngine } from './request-engine.js';
import { parseLinkHeader } from './link-header.js';

export interface PaginateOptions<T> {
  engine: RequestEngine;
  /** Path (below the base URL) of the first page, with its query. */
  path: string;
  /** Turns one page's body into models (filtering allowed). */
  map: (data: unknown) => T[];
  /** Pages fetched at once when the last page is known up front (default 4). */
  window: number;
  signal?: AbortSignal | undefined;
}

/**
 * Yields every item of a paginated list, in page order. When the first response tells the last
 * page (GitHub `Link: rel="last"`, GitLab `x-total-pages`), pages 2..N are fetched concurrently,
 * `window` at a time; otherwise `rel="next"` is followed. Prefetching starts once the caller has
 * consumed page 1, so a `break` there fetches nothing more; a later `break` aborts pages in flight.
 */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { engine, map, window } = options;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const inFlight = new Map<number, Promise<ApiResponse>>();
  try {
    const first = await engine.get(options.path, { signal });
    yield* map(first.data);
    const plan = pagePlan(first);
    if (plan) {
      let next = 2;
      const fill = (): void => {
        while (next <= plan.total && inFlight.size < window) {
          const page = engine.get(plan.urlOf(next), { signal });
          page.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
          inFlight.set(next, page);
          next += 1;
        }
      };
      for (let page = 2; page <= plan.total; page++) {
        fill();
        const response = await inFlight.get(page)!;
        inFlight.delete(page);
        fill();
        yield* map(response.data);
      }
      return;
    }
    let url = parseLinkHeader(first.headers['link'])['next'];
    while (url) {
      const response = await engine.get(url, { signal });
      yield* map(response.data);
      url = parseLinkHeader(response.headers['link'])['next'];
    }
  } finally {
    if (inFlight.size > 0) stop.abort(new Error('pagination stopped'));
  }
}

/** The number of pages and how to address page n, when the first response tells them. */
function pagePlan(first: ApiResponse): { total: number; urlOf: (page: number) => string } | undefined {
  const links = parseLinkHeader(first.headers['link']);
  const header = Number(first.headers['x-total-pages']);
  const template = links['last'] ?? links['next'];
  let total = Number.isInteger(header) && header > 0 ? header : undefined;
  if (total === undefined && links['last']) total = Number(new URL(links['last']).searchParams.get('page'));
  if (total === undefined || !Number.isInteger(total) || total < 2 || !template) return undefined;
  const url = new URL(template);
  if (!url.searchParams.has('page')) return undefined; // cursor pagination: follow `next`
  return {
    total,
    urlOf: (page) => {
      url.searchParams.set('page', String(page));
      return url.toString();
    },
  };
}
