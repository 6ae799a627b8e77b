import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git, gitText } from './git.js';

/** Who made a change and when; `date` is git's raw format, e.g. `'1700000000 +0530'`. */
export interface Identity {
  name: string;
  email: string;
  date: string;
}

/**
 * New content for one path: text or bytes for a regular file, `null` to
 * delete it, `{ symlink }` for a symbolic link, or `{ content, executable }`
 * for a file with mode 100755.
 */
export type FileContent =
  | string
  | Uint8Array
  | null
  | { symlink: string }
  | { content: string | Uint8Array; executable: boolean };

/** Message and identities for {@link commitFiles}. */
export interface CommitMeta {
  /**
   * Commit message (git's default whitespace cleanup applies). Note that
   * without `encoding`, git rewrites invalid UTF-8 bytes as if they were
   * latin-1, so raw non-UTF-8 bytes only survive together with `encoding`.
   */
  message: string | Uint8Array;
  /** Defaults to the identity of {@link deterministicEnv}. */
  author?: Identity;
  /** Defaults to `author`. */
  committer?: Identity;
  /** Sets `i18n.commitEncoding` for this commit only, which adds an `encoding` header. */
  encoding?: string;
  /** Allow a commit that changes nothing. */
  allowEmpty?: boolean;
}

/** `GIT_AUTHOR_*` / `GIT_COMMITTER_*` variables for the given identities. */
export function identityEnv(author?: Identity, committer: Identity | undefined = author): Record<string, string> {
  const env: Record<string, string> = {};
  if (author !== undefined) {
    env['GIT_AUTHOR_NAME'] = author.name;
    env['GIT_AUTHOR_EMAIL'] = author.email;
    env['GIT_AUTHOR_DATE'] = author.date;
  }
  if (committer !== undefined) {
    env['GIT_COMMITTER_NAME'] = committer.name;
    env['GIT_COMMITTER_EMAIL'] = committer.email;
    env['GIT_COMMITTER_DATE'] = committer.date;
  }
  return env;
}

/** Writes one path into the work tree (replacing whatever was there, even a symlink). */
async function writePath(abs: string, content: FileContent): Promise<void> {
  await rm(abs, { force: true });
  if (content === null) return;
  await mkdir(dirname(abs), { recursive: true });
  if (typeof content === 'string' || content instanceof Uint8Array) {
    await writeFile(abs, content);
  } else if ('symlink' in content) {
    await symlink(content.symlink, abs);
  } else {
    await writeFile(abs, content.content);
    await chmod(abs, content.executable ? 0o755 : 0o644);
  }
}

/**
 * Writes `files` into the work tree of `repo` without staging anything
 * (`null` deletes). Useful for unstaged or untracked changes.
 *
 * @example
 * await writeFiles(repo, { 'untracked.txt': 'hello\n', 'README.md': null });
 */
export async function writeFiles(repo: string, files: Record<string, FileContent>): Promise<void> {
  for (const [path, content] of Object.entries(files)) await writePath(join(repo, path), content);
}

/**
 * Writes `files` into the work tree of `repo`, stages them (together with
 * anything already staged, e.g. by `git mv`) and commits. Returns the new
 * commit's sha. Paths are taken literally (no globbing).
 *
 * @example
 * const sha = await commitFiles(repo, { 'README.md': '# hi\n', 'old.txt': null }, {
 *   message: 'Update readme\n\nAnd drop old.txt.',
 *   author: { name: 'Ada', email: 'ada@example.com', date: '1700000000 +0100' },
 * });
 */
export async function commitFiles(
  repo: string,
  files: Record<string, FileContent>,
  meta: CommitMeta,
): Promise<string> {
  await writeFiles(repo, files);
  const paths = Object.keys(files);
  if (paths.length > 0) await git(repo, ['--literal-pathspecs', 'add', '-A', '--', ...paths]);

  const config = meta.encoding === undefined ? [] : ['-c', `i18n.commitEncoding=${meta.encoding}`];
  const flags = meta.allowEmpty === true ? ['--allow-empty'] : [];
  await git(repo, [...config, 'commit', '--quiet', '--no-verify', ...flags, '-F', '-'], {
    env: identityEnv(meta.author, meta.committer ?? meta.author),
    input: meta.message,
  });
  return (await gitText(repo, ['rev-parse', 'HEAD'])).trim();
}
