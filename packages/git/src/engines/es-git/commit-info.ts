/** Worker side: a walked commit's metadata (everything of `Commit` but the diff stats). */
import type { Mailmap, Signature } from 'es-git';
import type { Commit, Person } from '../../types.js';
import type { WalkedCommit } from './walk.js';

export interface CommitContext {
  repoName: string;
  mailmap: Mailmap | null;
}

const REPLACEMENT = '\uFFFD';

/** `%s`: the first paragraph, leading blank lines skipped, lines right-trimmed and joined by a space. */
export function subjectOf(message: string): string {
  const lines = message.split('\n');
  const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);
  let i = 0;
  while (i < lines.length && blank(lines[i]!)) i++;
  const subject: string[] = [];
  for (; i < lines.length && !blank(lines[i]!); i++) subject.push(lines[i]!.replace(/[ \t\r]+$/, ''));
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
