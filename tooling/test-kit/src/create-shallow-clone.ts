import { pathToFileURL } from 'node:url';
import type { RepoLocation, TempRepo } from './create-empty-repo.js';
import { targetDir } from './create-temp-dir.js';
import { git } from './git.js';

/**
 * Clones `source` with `--depth <depth>` over the file:// transport (a plain
 * path would ignore `--depth`), so the result has a `.git/shallow` file.
 *
 * @example
 * await using shallow = await createShallowClone(tricky.path, 5);
 * await gitText(shallow.path, ['rev-parse', '--is-shallow-repository']); // 'true\n'
 */
export async function createShallowClone(
  source: string,
  depth: number,
  options: RepoLocation = {},
): Promise<TempRepo> {
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`depth must be a positive integer, got ${depth}`);
  const dir = await targetDir(options.dir, 'gitfleet-shallow-');
  const url = pathToFileURL(source).href;
  try {
    await git(dir.path, ['clone', '--quiet', '--no-local', `--depth=${depth}`, '--', url, dir.path]);
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  return dir;
}
