import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { CacheLockedError } from './errors.js';

export interface LockOptions {
  /** How long to wait for another holder, in ms (default 30 s). */
  waitMs?: number;
  /** A lock whose holder stopped refreshing it for this long (a killed process) is taken over (default 10 s). */
  staleMs?: number;
}

/**
 * Runs `fn` holding a cross-process lock on `file` (proper-lockfile: an atomic `mkdir` of
 * `<file>.lock`, refreshed while held, taken over once stale, removed on exit).
 *
 * @example
 * await withLock(join(dir, 'usage.json'), async () => updateLedger());
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { waitMs = 30_000, staleMs = 10_000 } = options;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lock(file, {
      realpath: false,
      stale: staleMs,
      retries: { retries: Math.ceil(waitMs / 100), minTimeout: 10, maxTimeout: 100, randomize: true },
      // Compromised (e.g. the lock dir was removed under us): the default would throw from a timer.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOCKED') throw new CacheLockedError(file, error);
    throw error;
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
