import { rmSync } from 'node:fs';
import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
