import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import {
  AbortError,
  EngineUnavailableError,
  GitCommandError,
  NotARepositoryError,
  UnknownRevisionError,
} from '../../errors.js';

/**
 * Read-only analysis must never take locks or prompt. GIT_FLUSH=0: into a pipe, git log would
 * otherwise flush after every commit, and those tiny writes cost ~15% of a big history's wall time.
 */
const GIT_ENV: Record<string, string> = {
  GIT_FLUSH: '0',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
  LANGUAGE: 'C',
};

/** Settings that keep git's output machine-readable whatever the user's config says. */
const BASE_ARGS = ['-c', 'core.quotepath=off', '-c', 'color.ui=false', '--no-pager'];

export interface RunOptions {
  cwd: string;
  signal?: AbortSignal | undefined;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Written to git's stdin (otherwise stdin is closed). */
  input?: string;
}

const STDERR_CAP = 16 * 1024;

/** A running git process: stdout to consume, and `done` for its exit. */
export interface GitProcess {
  stdout: Readable;
  /** Resolves when git exits 0; rejects with a typed error otherwise. */
  done: Promise<void>;
  kill(): void;
}

export function spawnGit(args: readonly string[], options: RunOptions): GitProcess {
  const { signal } = options;
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
  const child = spawn('git', [...BASE_ARGS, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...GIT_ENV, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  // stdin is `input`, else empty. git may exit before reading it all (EPIPE): the exit code tells.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < STDERR_CAP) stderr += chunk;
  });
  const onAbort = (): void => {
    child.kill('SIGTERM');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'ENOENT'
          ? new EngineUnavailableError('git', 'the git executable was not found on PATH', { cause: error })
          : new GitCommandError(`git ${args[0] ?? ''}: ${error.message}`, { cause: error }),
      );
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(new AbortError({ cause: signal.reason }));
      else if (code === 0) resolve();
      else reject(toGitError(args, stderr, code, sig, options.cwd));
    });
  });
  // Callers that stop reading early kill the process; don't let that rejection go unhandled.
  done.catch(() => undefined);
  return { stdout: child.stdout, done, kill: () => child.kill('SIGTERM') };
}

/** Runs git to completion and returns stdout. For small outputs. */
export async function gitOutput(args: readonly string[], options: RunOptions): Promise<Buffer> {
  const proc = spawnGit(args, options);
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  await proc.done;
  return Buffer.concat(chunks);
}

export async function gitText(args: readonly string[], options: RunOptions): Promise<string> {
  return (await gitOutput(args, options)).toString('utf8');
}

/** Maps git's stderr to our typed errors, keeping one readable line. */
export function toGitError(
  args: readonly string[],
  stderr: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  cwd: string,
): Error {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const command = args.find((a, i) => a !== '-c' && args[i - 1] !== '-c') ?? '';
  const fatal = lines.find((l) => l.startsWith('fatal:') || l.startsWith('error:')) ?? lines[0] ?? '';
  const text = fatal.replace(/^(fatal|error):\s*/, '');
  if (/not a git repository/i.test(stderr)) return new NotARepositoryError(cwd);
  const rev = /(?:unknown revision or path not in the working tree|bad revision|ambiguous argument) '([^']*)'/.exec(stderr)
    ?? /^fatal: Needed a single revision/m.exec(stderr);
  if (rev) return new UnknownRevisionError(rev[1] ?? args[args.length - 1] ?? '');
  const corrupt = /corrupt|bad object|unable to read|invalid object|loose object .* is corrupt|inflate/i.test(stderr);
  const why = text || (signal ? `killed by ${signal}` : `exit code ${String(code)}`);
  return new GitCommandError(`git ${command} failed: ${why}`, {
    corrupt,
    data: { args: [...args], exitCode: code, stderr: stderr.slice(0, 2000) },
  });
}

/**
 * Splits a stream into NUL-terminated tokens, a chunk's worth at a time (one await per chunk,
 * not per token: logs have hundreds of thousands of tokens). The last token is yielded even
 * without a terminator.
 */
export async function* nulTokens(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let rest: Buffer | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const tokens: Buffer[] = [];
    let start = 0;
    for (let i = buf.indexOf(0, start); i !== -1; i = buf.indexOf(0, start)) {
      tokens.push(buf.subarray(start, i));
      start = i + 1;
    }
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    if (tokens.length > 0) yield tokens;
  }
  if (rest && rest.length > 0) yield [rest];
}
