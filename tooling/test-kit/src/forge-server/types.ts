/** Which API a request, identity or budget belongs to. */
export type ForgeProvider = 'github' | 'gitlab';

/** Access to a repository, GitHub-style. GitLab members map these to access levels 10..50. */
export type ForgePermission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export interface ForgeUserSeed {
  login: string;
  name?: string;
  email?: string;
}

/** A GitHub organization; on GitLab the same name is a top-level group. */
export interface ForgeOrgSeed {
  login: string;
  name?: string;
  /** Logins that see the org's private repositories. */
  members?: string[];
}

/** A GitLab group below an org, by full path (`acme/platform/tools`). Its parent must exist. */
export interface ForgeGroupSeed {
  path: string;
  name?: string;
  members?: string[];
}

export interface ForgeRepoSeed {
  /** A user login, an org login or a group full path. */
  owner: string;
  name: string;
  private?: boolean;
  description?: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** Branches besides the default branch. */
  branches?: string[];
  /** Default: only the default branch. */
  protectedBranches?: string[];
  /** Number of generated issues: every third is closed. */
  issues?: number;
  /** Number of generated pull/merge requests: n % 4 === 0 merged, n % 4 === 1 closed, else open. */
  pulls?: number;
  contributors?: Array<{ login: string; contributions: number }>;
  collaborators?: Array<{ login: string; permission?: ForgePermission }>;
}

/** The data both APIs serve. Users named by identities or members are created when missing. */
export interface ForgeSeed {
  users?: ForgeUserSeed[];
  orgs?: ForgeOrgSeed[];
  groups?: ForgeGroupSeed[];
  repos?: ForgeRepoSeed[];
}

/** A token the server accepts. Tokens with the same provider and login share one budget. */
export interface ForgeIdentitySpec {
  token: string;
  login: string;
  /** Default `github`. */
  provider?: ForgeProvider;
  /** `installation`: a GitHub App installation token (`GET /user` answers 403). Default `user`. */
  kind?: 'user' | 'installation';
  /** Primary budget per window: default 5000 (GitHub core), 30 (search), 2000 (GitLab). */
  limit?: number;
  searchLimit?: number;
  /** Reported in `X-OAuth-Scopes` (GitHub) and `/personal_access_tokens/self` (GitLab). Default `['repo']` / `['api']`. */
  scopes?: string[];
}

export interface ForgeServerOptions {
  seed?: ForgeSeed;
  identities?: ForgeIdentitySpec[];
  /** Delay before every response. Default 0. */
  latencyMs?: number;
  /** Length of a budget window. Default 3600 s. */
  resetSeconds?: number;
  /** Status of a primary-limit refusal on GitHub: 403 (default) or 429. GitLab always uses 429. */
  exhaustedStatus?: 403 | 429;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Origin of web and clone URLs in the models (`html_url`, `clone_url`, `http_url_to_repo`), e.g.
   * a test-kit git HTTP server that serves `<owner>/<name>.git`. Default: this server's own origin.
   */
  webUrl?: string;
}

/** A fault served instead of the real answer, `times` times (default 1), to matching requests. */
export type ForgeFault =
  | { kind: 'status'; status: number; times?: number; match?: ForgeFaultMatch }
  | { kind: 'drop'; times?: number; match?: ForgeFaultMatch }
  /**
   * Answers normally but with a broken `Link`: `endless` points `rel="next"` at page + 1 forever,
   * `first` points it back at the listing's first page. Either way `rel="last"` and
   * `x-total-pages` are dropped (`x-total` stays).
   */
  | { kind: 'link'; next: 'endless' | 'first'; times?: number; match?: ForgeFaultMatch }
  /** Answers normally, `ms` later. */
  | { kind: 'delay'; ms: number; times?: number; match?: ForgeFaultMatch }
  | {
      kind: 'secondary';
      /** Sent as `Retry-After`; omit to send none (GitHub then documents "wait at least a minute"). */
      retryAfterSeconds?: number;
      /** GitHub: 403 (default) or 429. GitLab: always 429. */
      status?: 403 | 429;
      times?: number;
      match?: ForgeFaultMatch;
    };

export interface ForgeFaultMatch {
  provider?: ForgeProvider;
  /** Substring of, or pattern for, the API path with query (without the `/api/vN` prefix), e.g. `/orgs/acme/repos`. */
  path?: string | RegExp;
  /** Only requests of this identity (login). */
  identity?: string;
}

/** One handled request. Tokens are never recorded; `tokenId` is a short hash. */
export interface ForgeRequest {
  provider: ForgeProvider;
  method: string;
  /** API path with query, without the `/api/vN` prefix: `/orgs/acme/repos?per_page=100&page=2`. */
  path: string;
  /** Login of the identity, `null` when unauthenticated or the token is unknown/revoked. */
  identity: string | null;
  tokenId: string | null;
  status: number;
  /** Whether the request spent primary budget. */
  charged: boolean;
  resource: string;
  /** The `x-github-request-id` / `x-request-id` sent back. */
  requestId: string;
  fault?: ForgeFault['kind'];
  /** When the response finished (ms since the epoch). */
  at: number;
}

export interface ForgeBudget {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds. */
  resetAt: number;
}

export interface ForgeBudgetKey {
  provider?: ForgeProvider;
  /** GitHub: `core` (default) or `search`; GitLab: `gitlab`. */
  resource?: string;
}

export interface ForgeServer {
  /** Base URL of the GitHub API (Enterprise style): `http://127.0.0.1:PORT/api/v3` (`https` with `tls`). */
  githubUrl: string;
  /** Base URL of the GitLab API: `http://127.0.0.1:PORT/api/v4`. */
  gitlabUrl: string;
  port: number;
  /** Every request so far, in order of response. */
  requests: ForgeRequest[];
  /** Budget of one identity (by login). Throws for an unknown identity. */
  budget(login: string, key?: ForgeBudgetKey): ForgeBudget;
  /** Changes a budget, e.g. `{ remaining: 0 }` to exhaust it. */
  setBudget(login: string, patch: Partial<Omit<ForgeBudget, 'used'>>, key?: ForgeBudgetKey): void;
  /** Adds a token at run time. */
  addIdentity(spec: ForgeIdentitySpec): void;
  /** Later requests with this token get 401. */
  revokeToken(token: string): void;
  /** Queues a fault; faults are matched in the order they were added. */
  injectFault(fault: ForgeFault): void;
  /** Drops the faults not used up yet. */
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Marks a repository changed (new `updated_at`, so new ETags and Last-Modified). */
  touchRepo(fullName: string): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
