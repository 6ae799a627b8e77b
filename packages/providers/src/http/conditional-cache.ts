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
 * Storage for conditional requests. Keys are hashes of identity + URL, so two identities never
 * share an entry and no key reveals a token.
 */
export interface ConditionalCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Response headers worth keeping with a cached body (never auth or cookies). */
export const CACHED_HEADERS = ['link', 'x-total', 'x-total-pages', 'x-per-page', 'x-page', 'x-next-page', 'x-prev-page'];
