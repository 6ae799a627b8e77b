import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options for {@link git} and {@link gitText}. */
export interface GitOptions {
  /** Extra environment variables, applied on top of {@link deterministicEnv}. */
  env?: Record<string, string>;
  /** Data written to git's stdin (stdin is closed either way). */
  input?: string | Uint8Array;
}

/** Identity and date used for commits when nothing else is specified. */
const DEFAULT_IDENTITY = {
  name: 'Test Kit',
  email: 'test-kit@example.com',
  date: '1700000000 +0000',
};

/**
 * Environment for running git reproducibly: no system or user config, a fixed
 * author/committer identity and date, C locale, UTC, and no prompts.
 * Only `PATH` is inherited from the current process, so stray `GIT_DIR`,
 * `GIT_INDEX_FILE` etc. from the caller (e.g. a git hook) cannot leak in.
 *
 * @param home Used as `HOME` (and `HOME/.config` as `XDG_CONFIG_HOME`); an
 *   empty or non-existent directory. It need not exist: git skips missing config.
 * @example
 * const env = deterministicEnv('/tmp/empty-home');
 * execFile('git', ['log'], { cwd, env });
 */
export function deterministicEnv(home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: DEFAULT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: DEFAULT_IDENTITY.email,
    GIT_AUTHOR_DATE: DEFAULT_IDENTITY.date,
    GIT_COMMITTER_NAME: DEFAULT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: DEFAULT_IDENTITY.email,
    GIT_COMMITTER_DATE: DEFAULT_IDENTITY.date,
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
  };
}

/**
 * HOME for every git we run: a path that is never created, so there is no
 * user config to read and nothing to clean up, even if the process is killed.
 */
const EMPTY_HOME = join(tmpdir(), `gitfleet-no-home-${randomUUID()}`);

/** {@link deterministicEnv} for this process's empty HOME, plus `extra`. */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...deterministicEnv(EMPTY_HOME), ...extra };
}

/**
 * Runs `git <args>` in `cwd` with {@link deterministicEnv} and resolves with
 * its stdout. Rejects (with git's stderr in the message) on a non-zero exit.
 * Arguments are passed as an argv array; no shell is involved.
 *
 * @example
 * const raw = await git(repo, ['cat-file', 'commit', 'HEAD']);
 * await git(repo, ['hash-object', '-w', '--stdin'], { input: bytes });
 */
export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<Buffer> {
  const env = gitEnv(options.env);
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // git may exit before reading all of stdin (EPIPE); the exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(stdout));
        return;
      }
      const message = Buffer.concat(stderr).toString('utf8').trim();
      const status = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(new Error(`git ${args.join(' ')} failed in ${cwd} (${status}): ${message}`));
    });
    child.stdin.end(options.input);
  });
}

/**
 * Like {@link git} but decodes stdout as UTF-8 (invalid bytes become U+FFFD).
 *
 * @example
 * const head = (await gitText(repo, ['rev-parse', 'HEAD'])).trim();
 */
export async function gitText(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await git(cwd, args, options)).toString('utf8');
}
