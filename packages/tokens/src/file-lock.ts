import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { StoreIOError, StoreLockedError } from './errors.js';

/** A holder that stopped refreshing its lock for this long (a killed process) loses it. */
const STALE_MS = 20_000;
/** How long a writer waits for the others (each holds the lock for one scrypt and one write). */
const WAIT_MS = 60_000;

/**
 * Runs `fn` holding a cross-process lock on `path` (proper-lockfile: an atomic mkdir of
 * `<path>.lock`, refreshed while held, taken over when stale, removed at exit), so read-modify-write
 * steps of several processes never overwrite each other.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    release = await lock(path, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries: WAIT_MS / 100, minTimeout: 20, maxTimeout: 100, randomize: true },
      onCompromised: (error) => (lost = error),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOCKED') throw new StoreLockedError(path, 'is locked by another process; try again', error);
    throw new StoreIOError(path, 'lock', error);
  }
  try {
    const result = await fn();
    if (lost) throw new StoreLockedError(path, 'was unlocked by another process while this one wrote it; check it with `list`', lost);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
