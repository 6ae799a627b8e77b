import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { DatasetLockedError } from './errors.js';
import { isErrno } from './fs-atomic.js';
import type { Layout } from './layout.js';

interface LockInfo {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

/** The writer holding the lock, if it is a live process (a lock left by a killed writer is stale). */
export async function liveLockHolder(layout: Layout): Promise<LockInfo | undefined> {
  let info: LockInfo;
  try {
    info = JSON.parse(await readFile(layout.lock, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
  if (info.host !== hostname()) return info; // another machine: assume live
  return alive(info.pid) ? info : undefined;
}

/**
 * Take the dataset's writer lock (one writer per dataset). A lock whose process is gone is taken
 * over. Returns the release function.
 */
export async function acquireLock(layout: Layout): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(layout.lock, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockInfo));
      await handle.close();
      return () => rm(layout.lock, { force: true });
    } catch (error) {
      if (!isErrno(error, 'EEXIST') || attempt > 0) {
        if (isErrno(error, 'EEXIST')) {
          const holder = await liveLockHolder(layout);
          throw new DatasetLockedError(layout.dir, holder?.pid ?? -1);
        }
        throw error;
      }
      const holder = await liveLockHolder(layout);
      if (holder) throw new DatasetLockedError(layout.dir, holder.pid);
      await rm(layout.lock, { force: true });
    }
  }
}
