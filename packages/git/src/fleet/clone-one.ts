import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import type { PreparedRemote } from './credentials.js';
import { FleetError } from './errors.js';
import { runFleetGit } from './git-process.js';
import type { FleetGitOptions } from './git-process.js';
import { parseProgressLine } from './progress.js';
import type { CloneProgress } from './progress.js';
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
 * transient failures with jittered backoff. A failed clone leaves no directory behind.
 */
export async function cloneOrRefresh(job: CloneJob): Promise<{ refreshed: boolean }> {
  const existing = await inspectTarget(job);
  const retries = job.options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    job.onAttempt(attempt + 1);
    const timeoutSignal = job.options.timeoutMs ? AbortSignal.timeout(job.options.timeoutMs) : undefined;
    const signal = timeoutSignal ? AbortSignal.any([job.signal, timeoutSignal]) : job.signal;
    try {
      if (existing === 'same-clone') await refresh({ ...job, signal, timeoutSignal });
      else await clone({ ...job, signal, timeoutSignal });
      return { refreshed: existing === 'same-clone' };
    } catch (error) {
      if (existing !== 'same-clone') await rm(job.target, { recursive: true, force: true });
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

/** `same-clone` when the target is a clone of this URL; `absent` when we may clone into it. */
async function inspectTarget(job: CloneJob): Promise<'absent' | 'same-clone'> {
  const entries = await readdir(job.target).catch(() => undefined);
  if (entries === undefined || entries.length === 0) return 'absent';
  const origin = await git(job, ['config', '--get', 'remote.origin.url'], job.target).catch(() => '');
  if (origin.trim() === job.remote.url) return 'same-clone';
  throw new FleetError('GITFLEET_GIT_DESTINATION_EXISTS', `destination is not empty and is not a clone of this URL: ${job.target}`);
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

async function clone(job: CloneJob): Promise<void> {
  await mkdir(dirname(job.target), { recursive: true });
  await git(job, cloneArgs(job.remote.url, job.target, job.options), dirname(job.target), true);
}

/** Fetch, then fast-forward the checked-out branch (a bare clone's branches are overwritten). */
async function refresh(job: CloneJob): Promise<void> {
  const cwd = job.target;
  const bare = (await git(job, ['rev-parse', '--is-bare-repository'], cwd)).trim() === 'true';
  if (bare) {
    await git(job, ['fetch', '--progress', '--prune', 'origin', '+refs/heads/*:refs/heads/*'], cwd, true);
    return;
  }
  await git(job, ['fetch', '--progress', '--prune', 'origin'], cwd, true);
  const upstream = await git(job, ['rev-parse', '--verify', '--quiet', '@{upstream}'], cwd).catch(() => '');
  if (!upstream.trim()) return; // detached HEAD or no upstream: nothing to fast-forward
  const checkedOut = (await git(job, ['rev-parse', '--is-inside-work-tree'], cwd)).trim() === 'true';
  if (checkedOut && !job.options.noCheckout) {
    await git(job, ['merge', '--ff-only', '--quiet', '@{upstream}'], cwd);
    return;
  }
  // --no-checkout: move the branch only when it is a fast-forward.
  await git(job, ['merge-base', '--is-ancestor', 'HEAD', '@{upstream}'], cwd).catch(() => {
    throw new FleetError('GITFLEET_GIT_CLONE_FAILED', 'cannot fast-forward: the local branch has diverged');
  });
  await git(job, ['update-ref', '-m', 'gitfleet: fast-forward', 'HEAD', upstream.trim()], cwd);
}

/** Runs git for this job with its credentials, abort signal and (optionally) progress parsing. */
async function git(job: CloneJob, args: string[], cwd: string, progress = false): Promise<string> {
  const options: FleetGitOptions = {
    cwd,
    // Never let repository discovery climb above the target into an enclosing repository.
    env: { ...job.remote.env, GIT_CEILING_DIRECTORIES: dirname(job.target) },
    signal: job.signal,
    timeoutSignal: job.timeoutSignal,
    secrets: job.remote.secrets,
    onSpawn: job.options.onSpawn,
  };
  if (progress) {
    options.onLine = (line) => {
      if (parseProgressLine(line, job.progress)) job.onProgress();
    };
  }
  return runFleetGit(args, options);
}
