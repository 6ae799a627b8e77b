/** Worker side: reading blobs and trees. */
import type { DiffFile, FileMode, Repository, Tree } from 'es-git';
import type { TreeFile } from '../../types.js';

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

/** What git diffs for one side of a delta: the blob, or `Subproject commit <sha>` for a submodule. */
export function diffFileContent(repo: Repository, file: DiffFile): Uint8Array {
  if (!file.exists()) return new Uint8Array();
  if (file.mode() === 'Commit') return new Uint8Array(Buffer.from(`Subproject commit ${file.id()}\n`));
  return blobContent(repo, file.id());
}

const TREE_FILE_MODES = new Map<number, string>([
  [0o100644, '100644'],
  [0o100664, '100644'],
  [0o100755, '100755'],
  [0o120000, '120000'],
  [0o160000, '160000'],
]);

/** Every non-tree entry, depth first in tree order, which is git's bytewise path order. */
export function listTreeFiles(repo: Repository, commit: string): TreeFile[] {
  const files: TreeFile[] = [];
  const visit = (tree: Tree, prefix: string): void => {
    for (const entry of tree.iter()) {
      const path = prefix + entry.name();
      const mode = entry.filemode();
      if (mode === 0o040000) visit(repo.getTree(entry.id()), `${path}/`);
      else files.push({ path, mode: TREE_FILE_MODES.get(mode) ?? mode.toString(8), id: entry.id() });
    }
  };
  visit(repo.getCommit(commit).tree(), '');
  return files;
}
