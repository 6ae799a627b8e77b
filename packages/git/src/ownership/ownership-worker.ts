// The worker thread of `repo.ownership()` (see thread.ts): the walk with its own git engine and
// the caller's cache directory; progress, the result or the error go back as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { CacheStore } from '@gitfleet/cache';
import { createCliEngine } from '../engines/cli/engine.js';
import { AbortError, GitError } from '../errors.js';
import { computeOwnership } from './ownership.js';
import type { OwnershipThreadInit, OwnershipThreadMessage } from './thread.js';

const port = parentPort!;
const init = workerData as OwnershipThreadInit;
const post = (message: OwnershipThreadMessage): void => port.postMessage(message);
const controller = new AbortController();
port.on('message', (message: { type?: string }) => {
  if (message?.type === 'abort') controller.abort(new AbortError());
});

const engine = createCliEngine();
const cache = init.cache ? new CacheStore(init.cache) : undefined;
try {
  const result = await computeOwnership(
    { engine, repo: init.repo, cache, mailmapFingerprint: () => Promise.resolve(init.mailmapFingerprint), defaultMaxFileSize: init.defaultMaxFileSize },
    { ...init.options, signal: controller.signal, onProgress: (stage, event) => post({ type: 'progress', stage, event }) },
  );
  post({ type: 'result', result });
} catch (error) {
  const e = error instanceof GitError ? error : new GitError('GITFLEET_GIT_COMMAND_FAILED', error instanceof Error ? error.message : String(error));
  post({ type: 'error', error: e.toJSON() });
} finally {
  await cache?.flush().catch(() => undefined);
  await engine.close();
  port.close();
}
