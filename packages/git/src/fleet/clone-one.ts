import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import type { PreparedRemote } from './credentials.js';
import { partialPath, removeStalePartials } from './destination.js';
import { FleetError } from './errors.js';
import { runFleetGit } from './git-process.js';
import type { FleetGitOptions } from './git-process.js';
import { parseProgressLine } from './progress.js';
import type { CloneProgress } from './progress.js';
import { refreshClone } from './refresh.js';
import type { RunGit } from './refresh.js';
import type { FleetOptions } from './types.js';

export interface CloneJob {
  remote: PreparedRemote;
  /** Where the repository goes; its parent exists. */
  target: string;
  options: FleetOptions;
  signal: AbortSignal;
  /** Set per attempt when `timeoutMs` is given. */
  timeoutSignal?: AbortSignal | undefined;
  progress: CloneProgress;
  onProgress: () => void;
  onAttempt: (attempt: number) => void;
}

/**
 * Clones `job.remote.url` into `job.target`, or refreshes the clone already there, retrying
 * transient failures with jittered backoff. A clone is built beside the target and renamed into
 * place once complete, so a failed or killed clone never shows at the target.
 */
export async function cloneOrRefresh(job: CloneJob): Promise<{ refreshed: boolean }> {
  await removeStalePartials(job.target);
  const existing = await inspectTarget(job);
  if (existing === 'unfinished') await rm(job.target, { recursive: true, force: true });
  const refreshing = existing === 'same-clone';
  const retries = job.options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    job.onAttempt(attempt + 1);
    const timeoutSignal = job.options.timeoutMs ? AbortSignal.timeout(job.options.timeoutMs) : undefined;
    const signal = timeoutSignal ? AbortSignal.any([job.signal, timeoutSignal]) : job.signal;
    const attemptJob = { ...job, signal, timeoutSignal };
    try {
      if (refreshing) await refreshClone({ dir: job.target, noCheckout: job.options.noCheckout ?? false }, runner(attemptJob));
      else await cloneBeside(attemptJob);
      return { refreshed: refreshing };
    } catch (error) {
      const transient = error instanceof FleetError && error.transient;
      if (!transient || attempt >= retries || job.signal.aborted) throw error;
    }
    const base = job.options.backoffMs ?? 300;
    const delay = Math.min(10_000, base * 2 ** attempt) * (0.5 + Math.random() / 2);
    await sleep(delay, undefined, { signal: job.signal }).catch(() => {
      throw new AbortError({ cause: job.signal.reason });
    });
  }
}

/**
 * `same-clone` when the target is a clone of this URL; `absent` when we may clone into it;
 * `unfinished` for a clone of this URL that never got a single ref (a `git clone` killed while
 * receiving: only `.git`, or a bare repository without refs), which is cloned again.
 */
async function inspectTarget(job: CloneJob): Promise<'absent' | 'same-clone' | 'unfinished'> {
  const entries = await readdir(job.target).catch(() => undefined);
  if (entries === undefined || entries.length === 0) return 'absent';
  const origin = await git(job, ['config', '--get', 'remote.origin.url'], job.target).catch(() => '');
  if (origin.trim() !== job.remote.url) {
    throw new FleetError('GITFLEET_GIT_DESTINATION_EXISTS', `destination is not empty and is not a clone of this URL: ${job.target}`);
  }
  const onlyGitDir = entries.length === 1 && entries[0] === '.git';
  if (entries.includes('.git') && !onlyGitDir) return 'same-clone';
  const refs = await git(job, ['for-each-ref', '--count=1'], job.target);
  return refs.trim() === '' ? 'unfinished' : 'same-clone';
}

/** The argv of the clone; the URL carries no credentials (those travel in the environment). */
export function cloneArgs(url: string, target: string, options: FleetOptions): string[] {
  const args = ['clone', '--progress'];
  if (options.depth !== undefined) args.push('--depth', String(options.depth));
  if (options.branch !== undefined) args.push('--branch', options.branch);
  if (options.bare) args.push('--bare');
  else if (options.noCheckout) args.push('--no-checkout');
  args.push('--', url, target);
  return args;
}

/** Clones into a hidden sibling of the target, then renames it into place. */
async function cloneBeside(job: CloneJob): Promise<void> {
  const parent = dirname(job.target);
  await mkdir(parent, { recursive: true });
  const partial = partialPath(job.target);
  try {
    await git(job, cloneArgs(job.remote.url, partial, job.options), parent, { progress: true });
    await rename(partial, job.target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      throw new FleetError('GITFLEET_GIT_DESTINATION_EXISTS', `destination appeared while cloning and is not empty: ${job.target}`);
    });
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

function runner(job: CloneJob): RunGit {
  return (args, cwd, extra = {}) => git(job, args, cwd, extra);
}

/** Runs git for this job with its credentials, abort signal and (optionally) progress parsing. */
async function git(job: CloneJob, args: string[], cwd: string, extra: { progress?: boolean; input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const options: FleetGitOptions = {
    cwd,
    // Never let repository discovery climb above the target into an enclosing repository.
    env: { ...job.remote.env, ...extra.env, GIT_CEILING_DIRECTORIES: dirname(job.target) },
    signal: job.signal,
    timeoutSignal: job.timeoutSignal,
    secrets: job.remote.secrets,
    onSpawn: job.options.onSpawn,
    input: extra.input,
  };
  if (extra.progress) {
    options.onLine = (line) => {
      if (parseProgressLine(line, job.progress)) job.onProgress();
    };
  }
  return runFleetGit(args, options);
}
