/** Worker side: aligning libgit2's rename pairs with git's. */
import type { DiffDelta, Repository } from 'es-git';
import { diffFileContent } from './objects.js';
import { similarityIndex } from './similarity.js';

/** git's default rename threshold (`-M50%`). */
const RENAME_THRESHOLD = 50;

/**
 * libgit2 pairs renames with its own similarity metric, which accepts pairs that git scores
 * below 50% (git then reports a deletion and an addition). Returns git's similarity of the
 * two contents, or null when git would not pair them.
 */
export function gitRenameScore(before: Uint8Array, after: Uint8Array): number | null {
  const score = similarityIndex(before, after);
  return score >= RENAME_THRESHOLD ? score : null;
}

export function gitSimilarity(repo: Repository, delta: DiffDelta): number | null {
  return gitRenameScore(diffFileContent(repo, delta.oldFile()), diffFileContent(repo, delta.newFile()));
}

export const isPairing = (delta: DiffDelta): boolean => delta.status() === 'Renamed' || delta.status() === 'Copied';

/** Lines in a blob as git counts them for an added or deleted file. */
export function lineCount(content: Uint8Array): number {
  let lines = 0;
  for (const byte of content) if (byte === 10) lines++;
  return content.length > 0 && content[content.length - 1] !== 10 ? lines + 1 : lines;
}
