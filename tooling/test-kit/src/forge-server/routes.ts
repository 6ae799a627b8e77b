/** What a route answers: one JSON body, or a list the server paginates. */
export type RouteResult =
  | { status: number; body: unknown; lastModified?: string | undefined; headers?: Record<string, string> }
  | {
      status: 200;
      /** The whole list; only the requested page is rendered. */
      items: unknown[];
      /** Builds the payload of one item (default: the item itself). */
      render?: (item: never) => unknown;
      lastModified?: string | undefined;
      headers?: Record<string, string>;
      /**
       * GitLab: the list supports keyset pagination by `id` (`pagination=keyset&order_by=id`);
       * items must then carry a numeric `id`. Lists without it ignore `pagination=keyset`, as
       * GitLab's offset-only endpoints (e.g. a group's projects) do.
       */
      keyset?: boolean;
    };

/** Who is calling: `login` null for anonymous requests. */
export interface Caller {
  login: string | null;
  kind: 'user' | 'installation';
  scopes: string[];
  tokenIndex: number;
}

export interface RouteRequest {
  method: string;
  /** Path below the API prefix, without query. */
  path: string;
  query: URLSearchParams;
  caller: Caller;
}

/** Latest of the given ISO timestamps (for Last-Modified). */
export function latest(times: string[]): string | undefined {
  let max: string | undefined;
  for (const t of times) if (max === undefined || t > max) max = t;
  return max;
}
