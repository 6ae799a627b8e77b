import type { RepoLocation, TempRepo } from './create-empty-repo.js';
import { targetDir } from './create-temp-dir.js';
import { git } from './git.js';

/**
 * Creates a bare clone (`git clone --bare`) of `source`: same objects and
 * branches, no work tree, no remote-tracking refs.
 *
 * @example
 * await using bare = await createBareClone(tricky.path);
 */
export async function createBareClone(source: string, options: RepoLocation = {}): Promise<TempRepo> {
  const dir = await targetDir(options.dir, 'gitfleet-bare-');
  try {
    await git(dir.path, ['clone', '--quiet', '--bare', '--', source, dir.path]);
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  return dir;
}
