import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CacheStore } from '@gitfleet/cache';
import type { RepoLocation } from '../engines/engine.js';
import { AbortError, GitError, reviveGitError } from '../errors.js';
import type { ProgressEvent } from '../types.js';
import type { OwnershipOptions, OwnershipResult } from './ownership.js';

/** What the worker needs to do the walk: plain data only (the rest is built again over there). */
export interface OwnershipThreadInit {
  repo: RepoLocation;
  cache: { dir: string; maxSize: number } | false;
  /** Fingerprint of .mailmap, computed by the caller (part of the cache key). */
  mailmapFingerprint: string;
  defaultMaxFileSize: number;
  options: Omit<OwnershipOptions, 'signal' | 'onProgress'>;
}

/** Worker -> caller. Caller -> worker is only `{ type: 'abort' }`. */
export type OwnershipThreadMessage =
  | { type: 'progress'; stage: 'walk' | 'blame'; event: ProgressEvent }
  | { type: 'result'; result: OwnershipResult }
  | { type: 'error'; error: ReturnType<GitError['toJSON']> };

/** A worker told to stop that has not ended by then is terminated. */
const ABORT_GRACE_MS = 2000;

/**
 * `./ownership-worker.js` beside this module once compiled (or bundled: the CLI puts it beside
 * its chunks); under vitest this module is TypeScript, so the package's build output.
 */
function workerUrl(): URL {
  const sibling = new URL('./ownership-worker.js', import.meta.url);
  return existsSync(fileURLToPath(sibling)) ? sibling : new URL('../../dist/ownership/ownership-worker.js', import.meta.url);
}

/** The plain-data form of a cache, for the worker to open the same one. */
export function cacheInit(cache: CacheStore | undefined): OwnershipThreadInit['cache'] {
  return cache ? { dir: cache.dir, maxSize: cache.maxSize } : false;
}

/**
 * Runs the ownership walk (parsing git's patches and replaying them: seconds to minutes of CPU)
 * in a worker thread, so the caller's event loop stays free. Progress and the abort signal cross
 * over as messages; errors come back as the GitError they were.
 */
export function ownershipInThread(
  init: OwnershipThreadInit,
  options: { signal?: AbortSignal | undefined; onProgress?: OwnershipOptions['onProgress'] | undefined },
): Promise<OwnershipResult> {
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(new AbortError({ cause: signal.reason }));
  return new Promise<OwnershipResult>((resolve, reject) => {
    const worker = new Worker(workerUrl(), { workerData: init });
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'abort' });
      grace = setTimeout(() => {
        settle(() => reject(new AbortError({ cause: signal?.reason })));
        void worker.terminate();
      }, ABORT_GRACE_MS);
      grace.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: OwnershipThreadMessage) => {
      if (message.type === 'progress') onProgress?.(message.stage, message.event);
      else if (message.type === 'result') settle(() => resolve(message.result));
      else settle(() => reject(reviveGitError(message.error, message.error.code === 'GITFLEET_GIT_ABORTED' ? { cause: signal?.reason } : {})));
    });
    worker.once('error', (error) => settle(() => reject(new GitError('GITFLEET_GIT_COMMAND_FAILED', `the ownership worker failed: ${error.message}`, { cause: error }))));
    worker.once('exit', (code) => {
      clearTimeout(grace);
      settle(() => reject(new GitError('GITFLEET_GIT_COMMAND_FAILED', `the ownership worker exited (code ${String(code)}) without a result`)));
    });
  });
}
