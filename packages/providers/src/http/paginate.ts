import type { ProviderKind } from '@gitfleet/tokens';
import { PaginationError } from '../errors.js';
import type { ApiResponse, RequestEngine } from './request-engine.js';
import { parseLinkHeader } from './link-header.js';

export interface PaginateOptions<T> {
  engine: RequestEngine;
  /** Path (below the base URL) of the first page, with its query. */
  path: string;
  /** Turns one page's body into models (filtering allowed). */
  map: (data: unknown) => T[];
  /** Pages fetched at once when pages are addressed by number (default 4). */
  window: number;
  /** The most pages one listing may take; a server still linking a next page past it is an error. */
  maxPages: number;
  signal?: AbortSignal | undefined;
}

/**
 * Yields every item of a paginated list, in page order.
 *
 * - Pages addressed by number (`page=`): when the first response tells the last page (GitHub
 *   `Link: rel="last"`, GitLab `x-total-pages`) pages 2..N are fetched `window` at a time. Without
 *   a count (GitLab sends none above 10,000 items) pages are fetched `window` at a time ahead until
 *   one has no `rel="next"`; the few fetched past the end are empty.
 * - Cursor links (GitLab keyset `id_after=`, GitHub `after=`): `rel="next"` is followed one by one.
 *
 * Untrustworthy links end in a PaginationError: a link back to a page already fetched, an empty page
 * that links a next one, a next page past the count the server announced (plus one page of growth),
 * or past `maxPages`.
 * Prefetching starts once the caller has consumed page 1, so a `break` there fetches nothing more;
 * a later `break` aborts pages in flight.
 */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { engine, map, window } = options;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const inFlight = new Map<number, Promise<ApiResponse>>();
  try {
    const first = await engine.get(options.path, { signal });
    yield* map(first.data);
    const guard = new PageGuard(engine.provider, first, options.maxPages);
    if (guard.cap < 2 && hasNext(first)) guard.overrun(1);
    const numbered = numberedPages(first);
    if (numbered) {
      const end = Math.min(numbered.total ?? Infinity, guard.cap);
      let next = 2;
      const fill = (): void => {
        while (next <= end && inFlight.size < window) {
          const page = engine.get(numbered.urlOf(next), { signal });
          page.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
          inFlight.set(next, page);
          next += 1;
        }
      };
      for (let page = 2; page <= end; page++) {
        fill();
        const response = await inFlight.get(page)!;
        inFlight.delete(page);
        yield* map(response.data);
        const linksNext = hasNext(response);
        if (page === end) {
          // The last page allowed: past a known count a next link is ignored (as ever), else it is an overrun.
          if (end !== numbered.total && linksNext) guard.overrun(page);
        } else if (numbered.total === undefined) {
          if (!linksNext) return; // without a count, the first page that links no further is the last
          if (isEmpty(response)) guard.emptyWithNext(page);
        }
        fill();
      }
      return;
    }
    let url = parseLinkHeader(first.headers['link'])['next'];
    for (let page = 2; url; page++) {
      guard.visit(url, page);
      const response = await engine.get(url, { signal });
      yield* map(response.data);
      url = parseLinkHeader(response.headers['link'])['next'];
      if (url && isEmpty(response)) guard.emptyWithNext(page);
    }
  } finally {
    if (inFlight.size > 0) stop.abort(new Error('pagination stopped'));
  }
}

function hasNext(response: ApiResponse): boolean {
  return parseLinkHeader(response.headers['link'])['next'] !== undefined;
}

function isEmpty(response: ApiResponse): boolean {
  return Array.isArray(response.data) && response.data.length === 0;
}

/**
 * Pages addressed by a `page` parameter, and their count when the first response tells it.
 * Undefined for cursor links, or when there is no next page.
 */
function numberedPages(first: ApiResponse): { total: number | undefined; urlOf: (page: number) => string } | undefined {
  const links = parseLinkHeader(first.headers['link']);
  const template = links['last'] ?? links['next'];
  if (!template || !links['next']) return undefined;
  const url = new URL(template);
  if (!url.searchParams.has('page')) return undefined; // cursor pagination: follow `next`
  const header = Number(first.headers['x-total-pages']);
  let total = Number.isInteger(header) && header > 0 ? header : undefined;
  if (total === undefined && links['last']) total = Number(new URL(links['last']).searchParams.get('page')) || undefined;
  return {
    total,
    urlOf: (page) => {
      url.searchParams.set('page', String(page));
      return url.toString();
    },
  };
}

/**
 * Limits on how far a listing follows the server: no URL twice, no page past the announced count
 * plus one (items added while listing), none past `maxPages`.
 */
class PageGuard {
  readonly #provider: ProviderKind;
  readonly #firstUrl: string;
  readonly #seen = new Set<string>();
  readonly #announced: number | undefined;
  readonly #maxPages: number;
  /** The last page this listing may fetch. */
  readonly cap: number;

  constructor(provider: ProviderKind, first: ApiResponse, maxPages: number) {
    this.#provider = provider;
    this.#firstUrl = first.url;
    this.#seen.add(normalize(first.url));
    this.#announced = announcedPages(first);
    this.#maxPages = maxPages;
    this.cap = Math.min(maxPages, this.#announced === undefined ? Infinity : this.#announced + 1);
  }

  /** Before following a cursor link to `page`. */
  visit(url: string, page: number): void {
    const key = normalize(url);
    if (this.#seen.has(key)) {
      this.#fail(`page ${page - 1} links back to ${url}, already fetched`);
    }
    this.#seen.add(key);
    if (page > this.cap) this.overrun(page - 1);
  }

  /** Page `page` is the last allowed and still links a next one. */
  overrun(page: number): never {
    if (this.#announced !== undefined && page >= this.#announced + 1 && this.cap < this.#maxPages) {
      this.#fail(`the server announced ${this.#announced} pages but still links a next page after page ${page}`);
    }
    this.#fail(`stopped after ${page} pages (maxPages ${this.#maxPages}); the server still links a next page`);
  }

  /** An empty page that links a next one: the links go nowhere (GitHub and GitLab end a list with no link). */
  emptyWithNext(page: number): never {
    this.#fail(`page ${page} is empty but links a next page`);
  }

  #fail(reason: string): never {
    throw new PaginationError(`${this.#provider}: pagination of GET ${this.#firstUrl} stopped: ${reason}`, {
      provider: this.#provider,
      request: `GET ${this.#firstUrl}`,
    });
  }
}

/** Pages the server says the listing has: x-total-pages, x-total / per page, or rel="last"'s page. */
function announcedPages(first: ApiResponse): number | undefined {
  const pages = Number(first.headers['x-total-pages']);
  if (Number.isInteger(pages) && pages > 0) return pages;
  const total = Number(first.headers['x-total']);
  const perPage = Number(first.headers['x-per-page'] ?? new URL(first.url).searchParams.get('per_page'));
  if (first.headers['x-total'] && Number.isInteger(total) && total >= 0 && Number.isInteger(perPage) && perPage > 0) {
    return Math.max(1, Math.ceil(total / perPage));
  }
  const last = parseLinkHeader(first.headers['link'])['last'];
  const page = last ? Number(new URL(last).searchParams.get('page')) : Number.NaN;
  return Number.isInteger(page) && page > 0 ? page : undefined;
}

function normalize(url: string): string {
  return new URL(url).href;
}
