/** A stored response that can be revalidated with If-None-Match / If-Modified-Since. */
export interface CachedResponse {
  etag?: string;
  lastModified?: string;
  /** Pagination headers of the stored response (link, x-total, x-total-pages, ...). */
  headers: Record<string, string>;
  data: unknown;
  /** Epoch ms. */
  storedAt: number;
}

/**
 * Storage for conditional requests. Keys are hashes of URL + who asked (a token's hash, or `pool`),
 * so no key reveals a token. A pool's entry names the identity that stored it in
 * `headers['x-gitfleet-identity']`: it is revalidated and served for that identity only.
 */
export interface ConditionalCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
  delete(key: string): Promise<void>;
}

/** In a pool's entry: the identity whose answer it holds (an identity name, never a token). */
export const HOLDER_HEADER = 'x-gitfleet-identity';

/** Response headers worth keeping with a cached body (never auth or cookies). */
export const CACHED_HEADERS = ['link', 'x-total', 'x-total-pages', 'x-per-page', 'x-page', 'x-next-page', 'x-prev-page'];
