/** Worker side: the staged diff (index against HEAD) with per-file patches as `git diff --cached` prints them. */
import type { DiffDelta, DiffFile, Repository } from 'es-git';
import type { FileStatus, StagedDiff, StagedFile } from '../../types.js';
import { makeAbbreviator, type Abbreviator } from './abbrev.js';
import { compareBytes, looksBinary } from './bytes.js';
import { BINARY_FLAG, diffFileContent, each, fileStatus, modeNumber } from './objects.js';
import { formatFilePatch, type PatchSide } from './patch.js';
import { WorkerFailure } from './protocol.js';
import { peelToCommit } from './refs.js';
import { gitRenameScore, isPairing } from './renames.js';

function patchSide(repo: Repository, file: DiffFile, abbrev: (id: string) => string): PatchSide | null {
  if (!file.exists()) return null;
  return {
    path: file.path() ?? '',
    mode: modeNumber(file.mode()),
    id: file.id(),
    abbrev: abbrev(file.id()),
    content: diffFileContent(repo, file),
  };
}

/** One file of the patch: a delta, or half of a rename git would not make. */
interface Change {
  status: FileStatus;
  old: PatchSide | null;
  new: PatchSide | null;
  /** libgit2 found the delta binary (content or .gitattributes). */
  binaryFlag: boolean;
  similarity?: number;
}

function changesOf(repo: Repository, delta: DiffDelta, abbreviator: Abbreviator): Change[] {
  const abbrev = (id: string): string => abbreviator.abbrev(id);
  const old = patchSide(repo, delta.oldFile(), abbrev);
  const next = patchSide(repo, delta.newFile(), abbrev);
  const binaryFlag = (delta.flags() & BINARY_FLAG) !== 0;
  if (isPairing(delta) && old && next) {
    const similarity = gitRenameScore(old.content, next.content);
    if (similarity === null) {
      return [
        { status: 'deleted', old, new: null, binaryFlag },
        { status: 'added', old: null, new: next, binaryFlag },
      ];
    }
    return [{ status: fileStatus(delta), old, new: next, binaryFlag, similarity }];
  }
  return [{ status: fileStatus(delta), old, new: next, binaryFlag }];
}

function stagedFile(change: Change, abbrevLength: number): StagedFile {
  const { status, old, new: next } = change;
  const binary = change.binaryFlag || [old, next].some((side) => side && looksBinary(side.content));
  const { patch, additions, deletions } = formatFilePatch({
    status,
    old,
    new: next,
    binary,
    abbrevLength,
    ...(change.similarity === undefined ? {} : { similarity: change.similarity }),
  });
  const paired = status === 'renamed' || status === 'copied';
  return { path: (next ?? old)?.path ?? '', oldPath: paired ? (old?.path ?? null) : null, status, binary, additions, deletions, patch };
}

function headTree(repo: Repository) {
  const head = peelToCommit(repo, 'HEAD');
  return head ? repo.getCommit(head).tree() : null;
}

export function stagedDiff(repo: Repository): StagedDiff {
  const index = repo.index();
  index.read(true);
  if (index.hasConflicts()) {
    throw new WorkerFailure('GITFLEET_GIT_COMMAND_FAILED', 'the index has unmerged paths; the es-git engine cannot diff a conflicted index');
  }
  // Like `git write-tree`: writes the index's tree objects (harmless; libgit2 has no tree-to-index diff binding).
  const indexTree = repo.getTree(index.writeTree());
  const diff = repo.diffTreeToTree(headTree(repo), indexTree, { includeTypechange: true });
  diff.findSimilar({ renames: true });
  diff.stats(); // loads contents, which sets each delta's binary flag (including .gitattributes)
  const abbreviator = makeAbbreviator(repo);
  const files = [...each(diff.deltas())]
    .flatMap((delta) => changesOf(repo, delta, abbreviator))
    .map((change) => stagedFile(change, abbreviator.length))
    .sort((a, b) => compareBytes(a.path, b.path));
  return {
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
  };
}
