import { spawn } from 'node:child_process';
import { AiCommandError } from './errors.js';

export interface GitCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not failures (e.g. 1 for `git config --get` of an unset key). */
  okCodes?: number[];
  signal?: AbortSignal;
}

export interface GitCommandResult {
  code: number;
  stdout: string;
}

/** Runs `git <args>` (no shell) and returns its exit code and stdout; other exit codes throw. */
export function gitCommand(args: string[], options: GitCommandOptions): Promise<GitCommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (error) => reject(new AiCommandError('GITFLEET_CLI_GIT_FAILED', `git ${args[0] ?? ''}: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      const exit = code ?? 1;
      if (exit === 0 || options.okCodes?.includes(exit)) resolve({ code: exit, stdout });
      else reject(new AiCommandError('GITFLEET_CLI_GIT_FAILED', `git ${args.join(' ')}: ${stderr.trim().split('\n')[0] ?? `exit code ${exit}`}`));
    });
  });
}

/** stdout of `git <args>`, without the trailing newline. */
export async function gitLine(args: string[], options: GitCommandOptions): Promise<string> {
  return (await gitCommand(args, options)).stdout.replace(/\n$/, '');
}
