/** Worker side: a commit's first-parent diff counted as `git log --numstat --diff-merges=first-parent` counts it. */
import type { Diff, DiffDelta, Repository, Tree } from 'es-git';
import type { Commit, FileChange } from '../../types.js';
import { compareBytes, looksBinary, splitLines, toByteString } from './bytes.js';
import { countChanges, diffLines } from './line-diff.js';
import { BINARY_FLAG, diffFileContent, each, fileStatus } from './objects.js';
import { gitSimilarity, isPairing, lineCount } from './renames.js';
import type { WalkedCommit } from './walk.js';

/** A commit's diff against its first parent (root commits: the empty tree). */
export interface FirstParentDiff {
  diff: Diff;
  oldTree: Tree | null;
  newTree: Tree;
  /** Blobs larger than this count as binary (libgit2's `maxSize`, git's core.bigFileThreshold). */
  maxSize: number | undefined;
}

export type Stats = Pick<Commit, 'additions' | 'deletions' | 'filesChanged' | 'files'>;

interface LineCounts {
  additions: number;
  deletions: number;
  binary: boolean;
}

/** Renames detected like `git log`; typechanges kept as one delta as in `--raw`. */
export function firstParentDiff(
  repo: Repository,
  walked: WalkedCommit,
  pathspecs: string[] | null,
  maxSize?: number,
): FirstParentDiff {
  const parent = walked.parents[0];
  const oldTree = parent ? repo.getCommit(parent).tree() : null;
  const newTree = walked.commit.tree();
  const diff = repo.diffTreeToTree(oldTree, newTree, {
    includeTypechange: true,
    ...(pathspecs ? { pathspecs } : {}),
    ...(maxSize === undefined ? {} : { maxSize }),
  });
  diff.findSimilar({ renames: true });
  return { diff, oldTree, newTree, maxSize };
}

/** git's rule for counting a side as binary: over the size threshold, or a NUL in the first 8000 bytes. */
const isBinary = (content: Uint8Array, maxSize: number | undefined): boolean =>
  (maxSize !== undefined && content.length > maxSize) || looksBinary(content);

export function hasDeltas(diff: Diff): boolean {
  return !diff.deltas().next().done;
}

/**
 * Counts from the blobs. Used where libgit2's stats differ from git's: typechanges and
 * submodules (libgit2: 0/0; git diffs the link text or `Subproject commit` lines).
 */
function blobLineCounts(repo: Repository, delta: DiffDelta, maxSize: number | undefined): LineCounts {
  const before = diffFileContent(repo, delta.oldFile());
  const after = diffFileContent(repo, delta.newFile());
  if (isBinary(before, maxSize) || isBinary(after, maxSize)) return { additions: 0, deletions: 0, binary: true };
  const changes = diffLines(splitLines(toByteString(before)), splitLines(toByteString(after)));
  return { ...countChanges(changes), binary: false };
}

const countedByLibgit2 = (delta: DiffDelta): boolean =>
  delta.status() !== 'Typechange' && delta.oldFile().mode() !== 'Commit' && delta.newFile().mode() !== 'Commit';

/**
 * libgit2's counts for one delta (its xdiff is git's, so they match `--numstat`): es-git has
 * no per-file stats, so diff again limited to this delta's paths. A path that also names a
 * directory (a symlink replaced by a directory) matches more files; then count the blobs.
 */
function libgit2LineCounts(repo: Repository, commitDiff: FirstParentDiff, delta: DiffDelta): LineCounts {
  const pathspecs = [...new Set([delta.oldFile().path(), delta.newFile().path()].filter((p): p is string => p !== null))];
  const diff = repo.diffTreeToTree(commitDiff.oldTree, commitDiff.newTree, {
    includeTypechange: true,
    pathspecs,
    disablePathspecMatch: true,
    ...(commitDiff.maxSize === undefined ? {} : { maxSize: commitDiff.maxSize }),
  });
  if (isPairing(delta)) diff.findSimilar({ renames: true });
  const stats = diff.stats(); // loads the contents, which sets the binary flag
  const only = [...each(diff.deltas())];
  if (only.length !== 1) return blobLineCounts(repo, delta, commitDiff.maxSize);
  if ((only[0]!.flags() & BINARY_FLAG) !== 0) return { additions: 0, deletions: 0, binary: true };
  return { additions: Number(stats.insertions), deletions: Number(stats.deletions), binary: false };
}

/** A rename git would not make: the deletion and the addition git reports instead. */
function unpairedChanges(repo: Repository, delta: DiffDelta, maxSize: number | undefined): FileChange[] {
  const before = diffFileContent(repo, delta.oldFile());
  const after = diffFileContent(repo, delta.newFile());
  const side = (path: string | null, content: Uint8Array, status: 'deleted' | 'added'): FileChange => {
    const binary = isBinary(content, maxSize);
    const lines = binary ? 0 : lineCount(content);
    const counts = status === 'added' ? { additions: lines, deletions: 0 } : { additions: 0, deletions: lines };
    return { path: path ?? '', oldPath: null, status, ...counts, binary };
  };
  return [side(delta.oldFile().path(), before, 'deleted'), side(delta.newFile().path(), after, 'added')];
}

function fileChanges(repo: Repository, commitDiff: FirstParentDiff, delta: DiffDelta): FileChange[] {
  const pairing = isPairing(delta);
  if (pairing && gitSimilarity(repo, delta) === null) return unpairedChanges(repo, delta, commitDiff.maxSize);
  const status = fileStatus(delta);
  const oldPath = delta.oldFile().path() ?? '';
  const newPath = delta.newFile().path() ?? oldPath;
  const counts = countedByLibgit2(delta) ? libgit2LineCounts(repo, commitDiff, delta) : blobLineCounts(repo, delta, commitDiff.maxSize);
  return [{ path: status === 'deleted' ? oldPath : newPath, oldPath: pairing ? oldPath : null, status, ...counts }];
}

const sum = (files: readonly FileChange[], key: 'additions' | 'deletions'): number =>
  files.reduce((total, file) => total + file[key], 0);

/**
 * Per-file changes, sorted by path as git lists them. Each file costs one more (path-limited)
 * diff, so this runs only when `files` is requested.
 */
function statsWithFiles(repo: Repository, commitDiff: FirstParentDiff): Stats {
  const files = [...each(commitDiff.diff.deltas())]
    .flatMap((delta) => fileChanges(repo, commitDiff, delta))
    .sort((a, b) => compareBytes(a.path, b.path));
  return { additions: sum(files, 'additions'), deletions: sum(files, 'deletions'), filesChanged: files.length, files };
}

/** Totals from libgit2's `stats()`, corrected for the deltas where it and git disagree. */
function statsTotals(repo: Repository, commitDiff: FirstParentDiff): Stats {
  const totals = commitDiff.diff.stats();
  const stats = { additions: Number(totals.insertions), deletions: Number(totals.deletions), filesChanged: Number(totals.filesChanged) };
  const adjust = (sign: 1 | -1, counts: Pick<LineCounts, 'additions' | 'deletions'>): void => {
    stats.additions += sign * counts.additions;
    stats.deletions += sign * counts.deletions;
  };
  for (const delta of each(commitDiff.diff.deltas())) {
    if (!countedByLibgit2(delta)) {
      adjust(1, blobLineCounts(repo, delta, commitDiff.maxSize));
    } else if (isPairing(delta) && gitSimilarity(repo, delta) === null) {
      adjust(-1, libgit2LineCounts(repo, commitDiff, delta));
      const unpaired = unpairedChanges(repo, delta, commitDiff.maxSize);
      adjust(1, { additions: sum(unpaired, 'additions'), deletions: sum(unpaired, 'deletions') });
      stats.filesChanged++;
    }
  }
  return stats;
}

export function diffStats(repo: Repository, commitDiff: FirstParentDiff, withFiles: boolean): Stats {
  return withFiles ? statsWithFiles(repo, commitDiff) : statsTotals(repo, commitDiff);
}
