import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortError } from '../errors.js';
import { FleetError } from './errors.js';
import { RefreshJournal } from './refresh-journal.js';
import type { JournalEntry } from './refresh-journal.js';

/** Runs git in `cwd` for the job being refreshed (credentials, abort, progress when asked). */
export type RunGit = (args: string[], cwd: string, extra?: { progress?: boolean; input?: string; env?: Record<string, string> }) => Promise<string>;

export interface RefreshTarget {
  /** The clone's directory. */
  dir: string;
  /** Clone option: move the branch without touching a work tree. */
  noCheckout: boolean;
}

/** Staging namespace of a bare refresh: the server's branches land here before they are checked. */
const UPSTREAM = 'refs/gitfleet/upstream/';
/** Paths are passed as literal pathspecs, never as globs. */
const LITERAL = { GIT_LITERAL_PATHSPECS: '1' };

/**
 * Fetches and fast-forwards an existing clone, never dropping local work and staying consistent
 * when killed at any point: a journal in the git dir records the phase, and a refresh that finds
 * one left by a dead process first clears that process's lock files and, if it died while
 * updating the work tree, finishes that update (only the paths the fast-forward changes).
 */
export async function refreshClone(target: RefreshTarget, git: RunGit): Promise<void> {
  const [bareText = '', gitDir = ''] = (await git(['rev-parse', '--is-bare-repository', '--absolute-git-dir'], target.dir)).trim().split('\n');
  const journal = new RefreshJournal(gitDir);
  const left = await journal.begin();
  // Kept when a repair did not finish, or git was killed by our abort or timeout (it may have stopped
  // half-way). Git failing on its own has rolled back (e.g. a refused merge): nothing to repair.
  let keep = false;
  try {
    if (left) {
      keep = true;
      await repair(left, journal, target.dir, git);
      keep = false;
    }
    await journal.write({ pid: process.pid, phase: 'fetch' });
    if (bareText.trim() === 'true') await refreshBare(target.dir, git);
    else await refreshWorkTree(target, journal, git);
  } catch (error) {
    keep ||= error instanceof AbortError || (error instanceof FleetError && error.code === 'GITFLEET_GIT_TIMEOUT');
    throw error;
  } finally {
    await journal.end(keep);
  }
}

async function repair(left: JournalEntry, journal: RefreshJournal, dir: string, git: RunGit): Promise<void> {
  await journal.removeStaleLocks();
  if (left.phase !== 'checkout') return;
  const { branch, from, to } = left;
  const head = (await git(['symbolic-ref', '-q', 'HEAD'], dir).catch(() => '')).trim();
  const tip = (await git(['rev-parse', '--verify', '-q', branch], dir).catch(() => '')).trim();
  if (head !== branch || (tip !== from && tip !== to)) {
    throw new FleetError(
      'GITFLEET_GIT_CLONE_FAILED',
      `a refresh of ${dir} was interrupted while updating ${branch}, which has moved since: check it with git status, then delete gitfleet-refresh.json in its git dir`,
    );
  }
  // The interrupted fast-forward had checked that these paths held no local changes, so they hold
  // the old version, the new one or a partly written file: finish the update of exactly those.
  const status = (await git(['diff', '--name-status', '-z', '--no-renames', from, to], dir)).split('\0');
  const deleted: string[] = [];
  const written: string[] = [];
  for (let i = 0; i + 1 < status.length; i += 2) (status[i] === 'D' ? deleted : written).push(status[i + 1]!);
  if (tip !== to) await git(['update-ref', '-m', 'gitfleet: finish interrupted refresh', branch, to, from], dir);
  if (deleted.length + written.length === 0) return;
  const nul = (paths: string[]): string => `${paths.join('\0')}\0`;
  await git(['reset', '-q', to, '--pathspec-from-file=-', '--pathspec-file-nul'], dir, { input: nul([...deleted, ...written]), env: LITERAL });
  for (const path of deleted) {
    const stat = await lstat(join(dir, path)).catch(() => undefined);
    if (stat && !stat.isDirectory()) await rm(join(dir, path), { force: true });
  }
  if (written.length > 0) await git(['checkout-index', '-f', '-q', '-z', '--stdin'], dir, { input: nul(written) });
}

/** Fetch, then fast-forward the checked-out branch; refused (nothing changed) when it has diverged. */
async function refreshWorkTree(target: RefreshTarget, journal: RefreshJournal, git: RunGit): Promise<void> {
  const { dir } = target;
  await git(['fetch', '--progress', '--prune', 'origin'], dir, { progress: true });
  const upstream = (await git(['rev-parse', '--verify', '--quiet', '@{upstream}'], dir).catch(() => '')).trim();
  if (!upstream) return; // detached HEAD or no upstream: nothing to fast-forward
  const head = (await git(['rev-parse', 'HEAD'], dir)).trim();
  if (head === upstream) return;
  if (!(await isAncestor(git, dir, head, upstream))) {
    if (await isAncestor(git, dir, upstream, head)) return; // local commits on top of the server's: kept
    const branch = (await git(['rev-parse', '--abbrev-ref', 'HEAD'], dir)).trim();
    throw diverged([branch]);
  }
  const checkedOut = (await git(['rev-parse', '--is-inside-work-tree'], dir)).trim() === 'true';
  if (!checkedOut || target.noCheckout) {
    await git(['update-ref', '-m', 'gitfleet: fast-forward', 'HEAD', upstream, head], dir);
    return;
  }
  const branch = (await git(['symbolic-ref', 'HEAD'], dir)).trim();
  await journal.write({ pid: process.pid, phase: 'checkout', branch, from: head, to: upstream });
  await git(['merge', '--ff-only', '--quiet', upstream], dir);
}

/**
 * Fetches the server's branches into a staging namespace, then moves local branches in one
 * transaction: fast-forwards, new branches, and deletions of branches the server dropped whose
 * commits are all still on the server. A branch with commits the server lacks is kept as it is
 * (ahead) or refuses the whole refresh (diverged).
 */
async function refreshBare(dir: string, git: RunGit): Promise<void> {
  await git(['fetch', '--progress', '--prune', 'origin', `+refs/heads/*:${UPSTREAM}*`], dir, { progress: true });
  const local = new Map<string, string>();
  const upstream = new Map<string, string>();
  for (const line of (await git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', UPSTREAM], dir)).split('\n')) {
    const [sha = '', ref = ''] = line.split(' ');
    if (ref.startsWith('refs/heads/')) local.set(ref.slice('refs/heads/'.length), sha);
    else if (ref.startsWith(UPSTREAM)) upstream.set(ref.slice(UPSTREAM.length), sha);
  }
  const ops: string[] = [];
  const refused: string[] = [];
  for (const [name, theirs] of upstream) {
    const mine = local.get(name);
    if (mine === undefined) ops.push(`create refs/heads/${name} ${theirs}`);
    else if (mine !== theirs && (await isAncestor(git, dir, mine, theirs))) ops.push(`update refs/heads/${name} ${theirs} ${mine}`);
    else if (mine !== theirs && !(await isAncestor(git, dir, theirs, mine))) refused.push(name);
  }
  const head = (await git(['symbolic-ref', '-q', 'HEAD'], dir).catch(() => '')).trim();
  for (const [name, mine] of local) {
    if (upstream.has(name) || upstream.size === 0 || `refs/heads/${name}` === head) continue;
    const unique = await git(['rev-list', '-n', '1', '--stdin'], dir, { input: `${mine}\n${[...upstream.values()].map((s) => `^${s}`).join('\n')}\n` });
    if (unique.trim() === '') ops.push(`delete refs/heads/${name} ${mine}`);
  }
  const staging = [...upstream.keys()].map((name) => `delete ${UPSTREAM}${name}`);
  const transaction = [...(refused.length > 0 ? [] : ops), ...staging];
  if (transaction.length > 0) await git(['update-ref', '-m', 'gitfleet: refresh', '--stdin'], dir, { input: `${transaction.join('\n')}\n` });
  if (refused.length > 0) throw diverged(refused);
}

function diverged(branches: string[]): FleetError {
  const list = branches.join(', ');
  return new FleetError(
    'GITFLEET_GIT_DIVERGED',
    `refresh refused: ${branches.length === 1 ? 'branch' : 'branches'} ${list} ${branches.length === 1 ? 'has' : 'have'} local commits that are not on the server, and the server has new ones; nothing was changed (merge or rebase by hand)`,
  );
}

/** `git merge-base --is-ancestor`; an abort still throws. */
async function isAncestor(git: RunGit, dir: string, older: string, newer: string): Promise<boolean> {
  try {
    await git(['merge-base', '--is-ancestor', older, newer], dir);
    return true;
  } catch (error) {
    if (error instanceof AbortError || (error instanceof FleetError && error.code === 'GITFLEET_GIT_TIMEOUT')) throw error;
    return false;
  }
}
