/** Worker side: the staged diff (index against HEAD) with per-file patches as `git diff --cached` prints them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeltaType, DiffDelta, DiffFile, Repository } from 'es-git';
import type { FileStatus, StagedDiff, StagedFile } from '../../types.js';
import { looksBinary } from './bytes.js';
import { diffFileContent, modeNumber } from './objects.js';
import { formatFilePatch, type PatchSide } from './patch.js';
import { WorkerFailure } from './protocol.js';
import { peelToCommit } from './refs.js';
import { similarityIndex } from './similarity.js';

const STATUS: Partial<Record<DeltaType, FileStatus>> = {
  Added: 'added',
  Deleted: 'deleted',
  Modified: 'modified',
  Renamed: 'renamed',
  Copied: 'copied',
  Typechange: 'typechange',
};
/** es-git's `DiffFlags.Binary`. */
const BINARY_FLAG = 1;
const MIN_ABBREV = 7;

function packedObjectCount(objectsDir: string): number {
  let count = 0;
  let names: string[];
  try {
    names = readdirSync(join(objectsDir, 'pack'));
  } catch {
    return 0;
  }
  for (const name of names.filter((n) => n.endsWith('.idx'))) {
    // Version 2 index: 8-byte header, then 256 fanout entries; the last one is the object count.
    const idx = readFileSync(join(objectsDir, 'pack', name));
    if (idx.length >= 1032) count += idx.readUInt32BE(8 + 255 * 4);
  }
  return count;
}

function objectDirs(repo: Repository): string[] {
  const gitDir = repo.path();
  let common = gitDir;
  try {
    common = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    // not a linked worktree
  }
  const objects = join(common, 'objects');
  let alternates: string[] = [];
  try {
    alternates = readFileSync(join(objects, 'info', 'alternates'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => resolve(objects, line));
  } catch {
    // no alternates
  }
  return [objects, ...alternates];
}

/**
 * The abbreviation length git uses by default: core.abbrev if numeric, else grown with the
 * number of packed objects (half the bits of the count, rounded up), at least 7.
 */
function defaultAbbrevLength(repo: Repository): number {
  const configured = repo.config().findString('core.abbrev');
  if (configured && /^\d+$/.test(configured)) return Math.min(Math.max(Number(configured), 4), 40);
  if (configured === 'no' || configured === 'false') return 40;
  const count = objectDirs(repo).reduce((sum, dir) => sum + packedObjectCount(dir), 0);
  const bits = count > 0 ? Math.floor(Math.log2(count)) + 1 : 1;
  return Math.max(Math.ceil(bits / 2), MIN_ABBREV);
}

/** Shortest unique prefix of at least the default length, as git's `index` line shows it. */
function makeAbbreviator(repo: Repository): { length: number; abbrev(id: string): string } {
  const length = defaultAbbrevLength(repo);
  const unique = (prefix: string, id: string): boolean => {
    try {
      return repo.revparseSingle(prefix) === id;
    } catch {
      return false;
    }
  };
  return {
    length,
    abbrev(id) {
      for (let n = length; n < id.length; n++) if (unique(id.slice(0, n), id)) return id.slice(0, n);
      return id;
    },
  };
}

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

function stagedFile(repo: Repository, delta: DiffDelta, abbreviator: ReturnType<typeof makeAbbreviator>): StagedFile {
  const status = STATUS[delta.status()] ?? 'modified';
  const abbrev = (id: string): string => abbreviator.abbrev(id);
  const old = patchSide(repo, delta.oldFile(), abbrev);
  const next = patchSide(repo, delta.newFile(), abbrev);
  const binary =
    (delta.flags() & BINARY_FLAG) !== 0 || looksBinary(old?.content ?? new Uint8Array()) || looksBinary(next?.content ?? new Uint8Array());
  const renamed = status === 'renamed' || status === 'copied';
  const { patch, additions, deletions } = formatFilePatch({
    status,
    old,
    new: next,
    binary,
    abbrevLength: abbreviator.length,
    ...(renamed && old && next ? { similarity: similarityIndex(old.content, next.content) } : {}),
  });
  const path = (next ?? old)?.path ?? '';
  return { path, oldPath: renamed ? (old?.path ?? null) : null, status, binary, additions, deletions, patch };
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
  const files = [...diff.deltas()].map((delta) => stagedFile(repo, delta, abbreviator));
  return {
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
  };
}
