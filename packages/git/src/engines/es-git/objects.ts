/** Worker side: small es-git helpers (iteration, statuses, modes, blob contents, the tree listing). */
import type { DeltaType, DiffDelta, DiffFile, FileMode, Repository } from 'es-git';
import type { FileStatus, TreeFile } from '../../types.js';

/** es-git's `DiffFlags.Binary`, set on a delta once its content was loaded. */
export const BINARY_FLAG = 1;

const STATUS: Partial<Record<DeltaType, FileStatus>> = {
  Added: 'added',
  Deleted: 'deleted',
  Modified: 'modified',
  Renamed: 'renamed',
  Copied: 'copied',
  Typechange: 'typechange',
};

/** es-git's iterator classes are typed without `[Symbol.iterator]` under our lib settings. */
export function* each<T>(iterator: { next(): IteratorResult<T, void> }): Generator<T> {
  for (let item = iterator.next(); !item.done; item = iterator.next()) yield item.value;
}

export const fileStatus = (delta: DiffDelta): FileStatus => STATUS[delta.status()] ?? 'modified';

const MODES: Record<FileMode, number> = {
  Unreadable: 0,
  Tree: 0o040000,
  // git canonicalizes legacy group-writable blobs to 100644.
  Blob: 0o100644,
  BlobGroupWritable: 0o100644,
  BlobExecutable: 0o100755,
  Link: 0o120000,
  Commit: 0o160000,
};

export const modeNumber = (mode: FileMode): number => MODES[mode];

export function blobContent(repo: Repository, id: string): Uint8Array {
  return repo.getObject(id).peelToBlob().content();
}

/**
 * Blob sizes by id (ids that are not blobs are left out). es-git 0.6.0 has no header-only
 * read, so each blob is loaded once, inside libgit2, to learn its size.
 */
export function blobSizes(repo: Repository, ids: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const id of ids) {
    const object = repo.findObject(id);
    if (object?.type() === 'Blob') sizes.set(id, Number(object.peelToBlob().size()));
  }
  return sizes;
}

/** What git diffs for one side of a delta: the blob, or `Subproject commit <sha>` for a submodule. */
export function diffFileContent(repo: Repository, file: DiffFile): Uint8Array {
  if (!file.exists()) return new Uint8Array();
  if (file.mode() === 'Commit') return new Uint8Array(Buffer.from(`Subproject commit ${file.id()}\n`));
  return blobContent(repo, file.id());
}

/**
 * Every non-tree entry of the commit's tree, in git's bytewise path order. Listed as a diff
 * from the empty tree rather than by walking trees: `TreeEntry.name()` throws on a non-UTF-8
 * name, while diff paths are decoded with U+FFFD replacement (and this is faster).
 */
export function listTreeFiles(repo: Repository, commit: string): TreeFile[] {
  const diff = repo.diffTreeToTree(null, repo.getCommit(commit).tree());
  return [...each(diff.deltas())].map((delta) => {
    const file = delta.newFile();
    return { path: file.path() ?? '', mode: modeNumber(file.mode()).toString(8), id: file.id() };
  });
}
