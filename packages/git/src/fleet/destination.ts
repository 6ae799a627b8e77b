import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * A directory name for a repository URL: its last path segment without `.git`
 * (`https://github.com/o/repo.git` -> `repo`, `git@host:o/repo` -> `repo`), made filesystem-safe.
 */
export function repoNameFromUrl(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/[/\\]+$/, '');
  const last = path.split(/[/\\:]/).pop() ?? '';
  const name = last.replace(/\.git$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return name || 'repo';
}

/** Hands out `name`, `name-2`, `name-3`... so two URLs never share a directory. */
export class NameAllocator {
  private readonly used = new Set<string>();
  allocate(url: string): string {
    const base = repoNameFromUrl(url);
    let name = base;
    for (let i = 2; this.used.has(name.toLowerCase()); i++) name = `${base}-${String(i)}`;
    this.used.add(name.toLowerCase());
    return name;
  }
}

/** Temp dirs still owned by some fleet; removed synchronously at process exit. */
const liveTempDirs = new Set<string>();
const removeAllSync = (): void => {
  for (const dir of liveTempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
};

/** A fresh temp dir for one repository, tracked for removal at exit. */
export async function makeTempDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'gitfleet-clone-')));
  if (liveTempDirs.size === 0) process.once('exit', removeAllSync);
  liveTempDirs.add(dir);
  return dir;
}

/** Stops tracking a temp dir (after it was removed). */
export function forgetTempDir(dir: string): void {
  liveTempDirs.delete(dir);
  if (liveTempDirs.size === 0) process.off('exit', removeAllSync);
}

const PARTIAL = '.gitfleet-partial-';

/**
 * Where a clone is built before it is renamed to `target`: a hidden sibling named after the
 * target and this process, `<parent>/.<name>.gitfleet-partial-<pid>-<random>`, so a killed clone
 * never shows at `target` and its leftovers can be told apart from a clone still being built.
 */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}${PARTIAL}${String(process.pid)}-${randomBytes(4).toString('hex')}`);
}

/** Removes partial clones of `target` whose process is gone (killed mid-clone). */
export async function removeStalePartials(target: string): Promise<void> {
  const prefix = `.${basename(target)}${PARTIAL}`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) {
      await rm(join(dirname(target), name), { recursive: true, force: true });
    }
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0 or -1) would address a whole group
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
