import type { TokenSource } from './credentials.js';
import type { CloneProgress } from './progress.js';

export interface FleetOptions {
  /** Shallow clone with this many commits (`git clone --depth`). */
  depth?: number;
  /** Branch (or tag) to check out (`--branch`). */
  branch?: string;
  /** Bare clone: no work tree, for analysis-only use. */
  bare?: boolean;
  /** Clone without checking out files (`--no-checkout`). */
  noCheckout?: boolean;
  /**
   * Parent directory: each repository goes to `<destination>/<name from URL>` (deduped as
   * `name-2`...), and an existing clone of the same URL there is refreshed. Default: a fresh
   * temp dir per repository, removed by `cleanup()`, `await using` or at process exit.
   */
  destination?: string;
  /**
   * The directory of each repository's clone, by URL (without userinfo), overriding `destination`:
   * a path that depends only on the URL stays the same from one run to the next, whatever the
   * order or set of URLs. Distinct URLs must get distinct paths.
   */
  pathFor?: (url: string) => string;
  /** Time limit of each attempt in ms (a timeout is retried like a network failure). */
  timeoutMs?: number;
  /** Retries of transient failures (network, HTTP 5xx, timeout); default 2. Auth failures are never retried. */
  retries?: number;
  /** Base of the jittered exponential backoff between retries (default 300 ms). */
  backoffMs?: number;
  /** Clones at once; default `Math.max(2, os.availableParallelism())`. */
  concurrency?: number;
  /**
   * Tokens by host (`{ 'github.com': '...', '127.0.0.1:8080': '...' }` or a function of the host);
   * for a host without one, the environment: GITFLEET_GIT_TOKENS (`host=token,...`), GITFLEET_GIT_TOKEN
   * for GITFLEET_GIT_HOST (default github.com). A token is used only for a URL whose host and port
   * are exactly its key, and only over https or to a loopback address.
   */
  tokens?: TokenSource;
  /** Basic-auth username; else env GITFLEET_GIT_USERNAME, else by host (x-access-token for GitHub, oauth2 for GitLab, `git`). */
  username?: string;
  /** Where GITFLEET_GIT_TOKEN(S), GITFLEET_GIT_HOST and GITFLEET_GIT_USERNAME are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Stops every clone of the fleet, queued or in flight. */
  signal?: AbortSignal;
  /** Test hook: called with the argv and pid of every git process started. */
  onSpawn?: (argv: readonly string[], pid: number) => void;
}

export type FleetTaskStatus = 'queued' | 'cloning' | 'completed' | 'failed';

/** A failure as plain data (already redacted). */
export interface FleetTaskError {
  code: string;
  message: string;
}

/** One repository's state; `snapshot()` and events hand out copies. */
export interface FleetTask {
  /** The URL without userinfo (what was cloned). */
  url: string;
  /** Directory name under the destination. */
  name: string;
  status: FleetTaskStatus;
  /** Real transfer numbers from git while `cloning`; the last ones after. */
  progress: CloneProgress;
  /** 1 for the first try, 2 after one retry... (0 while never started). */
  attempt: number;
  /** Where the clone is, once `completed`. */
  path?: string;
  /** True when an existing clone was fetched and fast-forwarded instead of cloned. */
  refreshed?: boolean;
  error?: FleetTaskError;
  /** Time spent cloning (all attempts), once finished. */
  durationMs?: number;
}

/** What `clone()` / `cloneAll()` resolve to, one per URL. */
export interface FleetResult {
  url: string;
  status: 'completed' | 'failed';
  path?: string;
  refreshed?: boolean;
  error?: FleetTaskError;
  durationMs: number;
}

export interface CleanupResult {
  url: string;
  /** True when a temp dir of this fleet was removed (clones under `destination` are kept). */
  removed: boolean;
  error?: FleetTaskError;
}

export interface FleetEvents {
  /** Transfer progress while cloning, at most 20 per second per repository. */
  progress: [task: FleetTask];
  /** Every status change: queued, cloning, completed, failed. */
  state: [task: FleetTask];
}
