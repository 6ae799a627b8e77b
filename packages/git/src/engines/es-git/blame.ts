/** Worker side: blame of one file, line by line as `git blame --porcelain` reports it. */
import type { BlameHunk, Repository } from 'es-git';
import type { BlameErrorCode, BlameFileResult, BlameLine, TreeFile } from '../../types.js';
import { decodeUtf8, looksBinary, splitLines, toByteString } from './bytes.js';
import { blobContent, each } from './objects.js';

function failure(path: string, code: BlameErrorCode, message: string): BlameFileResult {
  return { path, lines: [], error: { code, message } };
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

/** The file's lines as git prints them: without the `\n`, bytes decoded as UTF-8 with replacement. */
function fileLines(content: Uint8Array): string[] {
  return splitLines(toByteString(content)).map((line) =>
    decodeUtf8(Buffer.from(line.endsWith('\n') ? line.slice(0, -1) : line, 'latin1')),
  );
}

type Author = Pick<BlameLine, 'authorName' | 'authorEmail' | 'authorTime'>;

/**
 * es-git leaves `finalSignature` out when the author is not UTF-8; as in history, that becomes
 * U+FFFD name and email with the commit's (committer) time, libgit2 having no raw access.
 */
function hunkAuthor(repo: Repository, hunk: BlameHunk): Author {
  const signature = hunk.finalSignature;
  if (signature) return { authorName: signature.name, authorEmail: signature.email, authorTime: signature.timestamp };
  const time = Math.floor(repo.getCommit(hunk.finalCommitId).time().getTime() / 1000);
  return { authorName: '\uFFFD', authorEmail: '\uFFFD', authorTime: time };
}

function hunkLines(hunk: BlameHunk, author: Author, path: string, lines: readonly string[]): BlameLine[] {
  const result: BlameLine[] = [];
  for (let i = 0; i < hunk.linesInHunk; i++) {
    const line = hunk.finalStartLineNumber + i;
    result.push({
      line,
      commit: hunk.finalCommitId,
      origLine: hunk.origStartLineNumber + i,
      origPath: hunk.path ?? path,
      ...author,
      authorTzOffset: null,
      content: lines[line - 1] ?? '',
    });
  }
  return result;
}

export function blameFile(repo: Repository, commit: string, file: TreeFile): BlameFileResult {
  const { path } = file;
  if (file.mode === '160000') return failure(path, 'GITFLEET_GIT_NOT_A_FILE', `${path} is a submodule`);
  let content: Uint8Array;
  try {
    const entry = repo.getCommit(commit).tree().getPath(path);
    if (!entry) return failure(path, 'GITFLEET_GIT_PATH_NOT_FOUND', `${path} does not exist in ${commit}`);
    content = blobContent(repo, entry.id());
  } catch (error) {
    return failure(path, 'GITFLEET_GIT_BLAME_FAILED', firstLine(error));
  }
  if (looksBinary(content)) return failure(path, 'GITFLEET_GIT_BINARY_FILE', `${path} is a binary file`);
  try {
    const lines = fileLines(content);
    // git blame applies .mailmap by default; newestCommit must be a full sha (es-git parses it with Oid::from_str).
    const blame = repo.blameFile(path, { newestCommit: commit, useMailmap: true });
    const result: BlameLine[] = [];
    for (const hunk of each(blame.iter())) result.push(...hunkLines(hunk, hunkAuthor(repo, hunk), path, lines));
    return { path, lines: result };
  } catch (error) {
    return failure(path, 'GITFLEET_GIT_BLAME_FAILED', firstLine(error));
  }
}
