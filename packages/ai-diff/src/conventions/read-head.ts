import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The git dir and HEAD commit of the repository around `dir`. */
export interface HeadProbe {
  gitDir: string;
  head: string;
}

/**
 * One `git rev-parse` for what the conventions cache is keyed by: the absolute git dir (as
 * `@gitfleet/git` reports it) and the HEAD commit. Null when that fails for any reason (not a
 * repository, an unborn branch, no git): the caller then takes the full path, which reports it.
 */
export function readHead(dir: string, signal?: AbortSignal): Promise<HeadProbe | null> {
  return new Promise((done) => {
    execFile(
      'git',
      ['rev-parse', '--absolute-git-dir', '--verify', '--quiet', '--end-of-options', 'HEAD^{commit}'],
      {
        cwd: resolve(dir),
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
        windowsHide: true,
        ...(signal ? { signal } : {}),
      },
      (error, stdout) => {
        const [gitDir = '', head = ''] = error ? [] : stdout.trimEnd().split('\n');
        done(gitDir !== '' && /^[0-9a-f]{40,64}$/.test(head) ? { gitDir, head } : null);
      },
    );
  });
}
