/** Worker side: turning a walked commit into the public `Commit` record. */
import type { DeltaType, Diff, DiffDelta, Mailmap, Repository, Signature } from 'es-git';
import type { Commit, FileChange, FileStatus, Person } from '../../types.js';
import { looksBinary, splitLines, toByteString } from './bytes.js';
import { countChanges, diffLines } from './line-diff.js';
import { diffFileContent } from './objects.js';
import type { WalkedCommit } from './walk.js';

export interface CommitContext {
  repoName: string;
  mailmap: Mailmap | null;
}

const REPLACEMENT = '\uFFFD';
/** es-git's `DiffFlags.Binary`. */
const BINARY_FLAG = 1;

const STATUS: Partial<Record<DeltaType, FileStatus>> = {
  Added: 'added',
  Deleted: 'deleted',
  Modified: 'modified',
  Renamed: 'renamed',
  Copied: 'copied',
  Typechange: 'typechange',
};

/** `%s`: the first paragraph, leading blank lines skipped, lines right-trimmed and joined by a space. */
export function subjectOf(message: string): string {
  const lines = message.split('\n');
  const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);
  let i = 0;
  while (i < lines.length && blank(lines[i] as string)) i++;
  const subject: string[] = [];
  for (; i < lines.length && !blank(lines[i] as string); i++) subject.push((lines[i] as string).replace(/[ \t\r]+$/, ''));
  return subject.join(' ');
}

/**
 * es-git throws when a name, email or message is not UTF-8 (e.g. an ISO-8859-1 commit). There
 * is no raw-object access in 0.6.0, so the undecodable signature becomes U+FFFD name and email
 * and the committer time (which libgit2 parses separately) stands in for its timestamp.
 */
function person(read: () => Signature, fallbackTime: number): Person {
  try {
    const { name, email, timestamp } = read();
    return { name, email, timestamp, tzOffset: null };
  } catch {
    return { name: REPLACEMENT, email: REPLACEMENT, timestamp: fallbackTime, tzOffset: null };
  }
}

function messageOf(read: () => string): string {
  try {
    return read();
  } catch {
    return REPLACEMENT;
  }
}

/** Diff against the first parent (root: the empty tree), renames detected like `git log`. */
export function firstParentDiff(repo: Repository, walked: WalkedCommit, pathspecs: string[] | null): Diff {
  const parent = walked.parents[0];
  const oldTree = parent ? repo.getCommit(parent).tree() : null;
  const diff = repo.diffTreeToTree(oldTree, walked.commit.tree(), {
    includeTypechange: true,
    ...(pathspecs ? { pathspecs } : {}),
  });
  diff.findSimilar({ renames: true });
  return diff;
}

export function hasDeltas(diff: Diff): boolean {
  return !diff.deltas().next().done;
}

/**
 * Line counts of one delta computed from the blobs. libgit2 reports 0/0 for typechanges and
 * submodules where git diffs the link text or `Subproject commit` lines.
 */
function deltaLineCounts(repo: Repository, delta: DiffDelta): { additions: number; deletions: number; binary: boolean } {
  const before = diffFileContent(repo, delta.oldFile());
  const after = diffFileContent(repo, delta.newFile());
  if (looksBinary(before) || looksBinary(after)) return { additions: 0, deletions: 0, binary: true };
  const changes = diffLines(splitLines(toByteString(before)), splitLines(toByteString(after)));
  return { ...countChanges(changes), binary: false };
}

const countedByLibgit2 = (delta: DiffDelta): boolean =>
  delta.status() !== 'Typechange' && delta.oldFile().mode() !== 'Commit' && delta.newFile().mode() !== 'Commit';

function fileChange(repo: Repository, delta: DiffDelta): FileChange {
  const status = STATUS[delta.status()] ?? 'modified';
  const oldPath = delta.oldFile().path() ?? '';
  const newPath = delta.newFile().path() ?? oldPath;
  const counted = countedByLibgit2(delta) && (delta.flags() & BINARY_FLAG) !== 0
    ? { additions: 0, deletions: 0, binary: true }
    : deltaLineCounts(repo, delta);
  return {
    path: status === 'deleted' ? oldPath : newPath,
    oldPath: status === 'renamed' || status === 'copied' ? oldPath : null,
    status,
    ...counted,
  };
}

export interface Stats {
  additions: number;
  deletions: number;
  filesChanged: number;
  files?: FileChange[];
}

/** Totals (and per-file changes when asked) of a first-parent diff, as `git log --numstat` counts them. */
export function diffStats(repo: Repository, diff: Diff, withFiles: boolean): Stats {
  const totals = diff.stats();
  const stats: Stats = {
    additions: Number(totals.insertions),
    deletions: Number(totals.deletions),
    filesChanged: Number(totals.filesChanged),
  };
  const files: FileChange[] = [];
  for (const delta of diff.deltas()) {
    if (!countedByLibgit2(delta)) {
      const extra = deltaLineCounts(repo, delta);
      stats.additions += extra.additions;
      stats.deletions += extra.deletions;
    }
    if (withFiles) files.push(fileChange(repo, delta));
  }
  return withFiles ? { ...stats, files } : stats;
}

export type CommitMetadata = Omit<Commit, 'additions' | 'deletions' | 'filesChanged' | 'files'>;

export function commitMetadata(walked: WalkedCommit, context: CommitContext): CommitMetadata {
  const { commit } = walked;
  const mailmap = context.mailmap;
  const message = messageOf(() => commit.message());
  return {
    repoName: context.repoName,
    sha: walked.sha,
    parents: walked.parents,
    isMerge: walked.parents.length > 1,
    message,
    summary: subjectOf(message),
    author: person(() => (mailmap ? commit.authorWithMailmap(mailmap) : commit.author()), walked.time),
    committer: person(() => (mailmap ? commit.committerWithMailmap(mailmap) : commit.committer()), walked.time),
  };
}
