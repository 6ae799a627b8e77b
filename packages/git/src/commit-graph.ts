import { stat } from 'node:fs/promises';
import { InvalidOptionError, NotARepositoryError } from './errors.js';
import { gitText } from './engines/cli/run.js';

export interface WriteCommitGraphOptions {
  signal?: AbortSignal;
}

/**
 * Writes the repository's commit-graph with changed-path Bloom filters (`git commit-graph write
 * --reachable --changed-paths`). Walks limited to a path, which `git blame` does for every file,
 * then skip the commits that do not touch it without diffing their trees: blaming every file of a
 * long history runs about twice as fast, with the same output (a filter can only say "maybe").
 * Bloom filters of commits already in the graph are reused, so a rewrite after a fetch is cheap.
 * It writes into the repository (`objects/info`), as `git gc` does: meant for clones the caller
 * owns. Needs the git CLI.
 *
 * @example
 * ```ts
 * await writeCommitGraph('clones/github.com/acme/app.git');
 * ```
 */
export async function writeCommitGraph(path: string, options: WriteCommitGraphOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new InvalidOptionError('path must be a repository directory');
  // A missing cwd would surface as spawn ENOENT, indistinguishable from a missing git.
  if (!(await stat(path).then((s) => s.isDirectory(), () => false))) throw new NotARepositoryError(path, { reason: 'no such directory' });
  await gitText(['commit-graph', 'write', '--reachable', '--changed-paths', '--no-progress'], { cwd: path, ...(options.signal ? { signal: options.signal } : {}) });
}
