import { targetDir } from './create-temp-dir.js';
import { git } from './git.js';

/** Where to create a repository; without `dir` a fresh temp dir is used. */
export interface RepoLocation {
  /** Exact directory for the repository (created if missing, must be empty). */
  dir?: string;
}

/** A repository on disk that `cleanup()` removes. */
export interface TempRepo {
  path: string;
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a non-bare repository with no commits: HEAD is the unborn branch `main`.
 *
 * @example
 * await using repo = await createEmptyRepo();
 * await expect(git(repo.path, ['rev-parse', 'HEAD'])).rejects.toThrow();
 */
export async function createEmptyRepo(options: RepoLocation = {}): Promise<TempRepo> {
  const dir = await targetDir(options.dir, 'gitfleet-empty-');
  try {
    await git(dir.path, ['init', '--quiet', '--initial-branch=main']);
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  return dir;
}
