import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A directory that removes itself on `cleanup()` or `await using`. */
export interface TempDir {
  /** Absolute, symlink-free path. */
  path: string;
  /** Removes the directory and everything in it. Safe to call twice. */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a fresh directory under `os.tmpdir()` (realpath'd, so it matches
 * what git prints on systems where the temp dir is a symlink).
 *
 * @example
 * await using tmp = await createTempDir('my-test-');
 * await writeFile(join(tmp.path, 'a.txt'), 'hello');
 */
export async function createTempDir(prefix = 'gitfleet-'): Promise<TempDir> {
  const path = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  return disposableDir(path);
}

/** Wraps an existing directory so that cleanup removes it. */
export function disposableDir(path: string, extraPaths: string[] = []): TempDir {
  const cleanup = async (): Promise<void> => {
    for (const p of [path, ...extraPaths]) await rm(p, { recursive: true, force: true });
  };
  return { path, cleanup, [Symbol.asyncDispose]: cleanup };
}

/**
 * Resolves where a generator should create its repository: `dir` (created if
 * missing, must be empty) or a new temp dir with `prefix`.
 */
export async function targetDir(dir: string | undefined, prefix: string): Promise<TempDir> {
  if (dir === undefined) return createTempDir(prefix);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new Error(`target directory is not empty: ${dir}`);
  return disposableDir(await realpath(resolve(dir)));
}
