import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheStore, hashKey, type CacheStoreOptions } from '@gitfleet/cache';
import { openRepository } from '@gitfleet/git';
import { AiDiffError } from '../errors.js';
import { analyzeHistory } from './analyze-history.js';
import { ticketFromBranch } from './branch-ticket.js';
import { readHead } from './read-head.js';
import type { HistorySubject, RepoConventions } from './types.js';

export interface LearnConventionsOptions {
  /** Any directory inside the repository's work tree. */
  repo: string;
  /** Most recent non-merge commits to learn from. Default 500. */
  maxCommits?: number;
  /**
   * Reuse what was learned at the same HEAD (the `@gitfleet/cache` store, kind `ai-conventions`).
   * Default on, in `$GITFLEET_CACHE_DIR` or the user cache directory; `false` turns it off; a
   * string sets the directory.
   */
  cache?: boolean | string | CacheStoreOptions;
  signal?: AbortSignal;
}

/** The conventions, plus what the current branch adds and whether they came from the cache. */
export interface LearnedConventions extends RepoConventions {
  /** The checked-out branch (`feature/PROJ-1`), null when HEAD is detached. */
  branch: string | null;
  /** The ticket id in the branch name (`PROJ-1`, `#42`), null when there is none. */
  branchTicket: string | null;
  /** True when read from the cache, not from the history. */
  cached: boolean;
}

/** Part of every cache key: entries of an older analysis are never read. */
const FORMAT = 'ai-conventions-v1';
const BOT = /\[bot\]|^(dependabot|renovate|github-actions|greenkeeper|snyk-bot)\b/i;

function openCache(option: LearnConventionsOptions['cache']): CacheStore | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return new CacheStore();
  return new CacheStore(typeof option === 'string' ? { dir: option } : option);
}

/** The branch HEAD points at, from the HEAD file of the (worktree's) git dir; null when detached. */
async function currentBranch(gitDir: string): Promise<string | null> {
  const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '');
  const ref = /^ref: refs\/heads\/(.+)$/m.exec(head);
  return ref ? ref[1]!.trim() : null;
}

/**
 * Learns how a repository writes commit subjects from its recent history, read with
 * `@gitfleet/git`: Conventional Commits or gitmoji or plain (and "area: description"), types and
 * scopes with the directories they cover, subject case and length, where ticket ids go; plus the
 * ticket id of the current branch. The analysis is cached per repository and HEAD, so a second
 * call at the same HEAD runs one `git rev-parse` and reads one small file.
 *
 * @example
 * const conventions = await learnConventions({ repo: '.' });
 * console.log(conventions.style, conventions.scopes.slice(0, 3), conventions.branchTicket);
 */
export async function learnConventions(options: LearnConventionsOptions): Promise<LearnedConventions> {
  const maxCommits = options.maxCommits ?? 500;
  if (!Number.isInteger(maxCommits) || maxCommits < 1) throw new AiDiffError('GITFLEET_AI_INVALID_OPTION', 'maxCommits must be a positive integer');
  const { signal } = options;
  const cache = openCache(options.cache);
  const keyOf = (gitDir: string, head: string): string => hashKey(FORMAT, gitDir, head, String(maxCommits));
  const withBranch = (conventions: RepoConventions, branch: string | null, cached: boolean): LearnedConventions => ({
    ...conventions,
    branch,
    branchTicket: ticketFromBranch(branch, conventions.ticket?.key),
    cached,
  });
  // The cached path is one git process (git dir and HEAD) and one file read; anything unusual
  // (not a repository, an unborn branch) goes the full way below, which says what is wrong.
  const probe = cache ? await readHead(options.repo, signal) : null;
  if (probe && cache) {
    const [hit, branch] = await Promise.all([cache.getJson<RepoConventions>('ai-conventions', keyOf(probe.gitDir, probe.head)), currentBranch(probe.gitDir)]);
    if (hit?.head === probe.head) return withBranch(hit, branch, true);
  }
  let repo;
  try {
    repo = await openRepository(options.repo, { engine: 'git', cache: false, ...(signal ? { signal } : {}) });
  } catch (error) {
    if ((error as { code?: string }).code === 'GITFLEET_GIT_NOT_A_REPOSITORY') {
      throw new AiDiffError('GITFLEET_AI_NOT_A_REPOSITORY', `not a git repository: ${options.repo}`, { cause: error, data: { path: options.repo } });
    }
    throw error;
  }
  try {
    const [head, branch] = await Promise.all([repo.resolve('HEAD', signal ? { signal } : {}).catch(() => null), currentBranch(repo.gitDir)]);
    if (head === null) return withBranch(analyzeHistory([], null), branch, false);
    const key = keyOf(repo.gitDir, head);
    const hit = await cache?.getJson<RepoConventions>('ai-conventions', key);
    if (hit?.head === head) return withBranch(hit, branch, true);

    const subjects: HistorySubject[] = [];
    // Merges are read but skipped; twice the count leaves room for them, and breaking out stops git.
    // Only paths are needed: with every file over the size threshold, git never diffs contents (2.5x faster).
    for await (const commit of repo.history({ maxCount: maxCommits * 2, files: true, maxFileSize: 1, ...(signal ? { signal } : {}) })) {
      if (commit.isMerge) continue;
      subjects.push({
        subject: commit.summary,
        files: (commit.files ?? []).map((f) => f.path),
        bot: BOT.test(commit.author.name) || BOT.test(commit.author.email),
      });
      if (subjects.length >= maxCommits) break;
    }
    const conventions = analyzeHistory(subjects, head);
    if (cache) {
      await cache.putJson('ai-conventions', key, conventions);
      await cache.flush();
    }
    return withBranch(conventions, branch, false);
  } finally {
    await repo.close();
  }
}
