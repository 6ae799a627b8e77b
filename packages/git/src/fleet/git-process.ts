import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { AbortError, EngineUnavailableError } from '../errors.js';
import { classifyGitFailure, FleetError } from './errors.js';
import { LineSplitter } from './progress.js';

/** Never prompt, English messages; GIT_ASKPASS empty so no askpass program runs. */
const FLEET_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  LC_ALL: 'C',
  LANGUAGE: 'C',
};

const KILL_GRACE_MS = 500;
const running = new Set<number>();
let exitHookInstalled = false;

export interface FleetGitOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Aborts by killing git and its helper processes (SIGTERM, SIGKILL after 500 ms). */
  signal: AbortSignal;
  /** Set when `signal` may fire because of a timeout (then the error is GITFLEET_GIT_TIMEOUT). */
  timeoutSignal?: AbortSignal | undefined;
  onLine?: (line: string) => void;
  /** Written to git's stdin, which is then closed (at once without input). */
  input?: string | undefined;
  /** Scrubbed from error messages. */
  secrets: readonly string[];
  /** Exposed for tests: the argv and pid of each spawned git. */
  onSpawn?: ((argv: readonly string[], pid: number) => void) | undefined;
}

/**
 * Runs git, streaming stderr lines to `onLine`. Resolves with stdout on exit 0, rejects with a
 * typed error otherwise. git stays in our session and process group on purpose: a new session per
 * clone (setsid) puts each one in its own scheduler autogroup, which starved this process and
 * everything else in the session (event-loop lag p99 rose from 16 to 48-84 ms in the clone
 * benchmark). Aborting therefore kills git's process tree, not a group.
 */
export function runFleetGit(args: readonly string[], options: FleetGitOptions): Promise<string> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(abortReason(options));
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...inheritedEnv(), ...FLEET_ENV, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: false,
      windowsHide: true,
    });
    child.stdin.on('error', () => undefined); // git may exit before reading everything
    child.stdin.end(options.input);
    const pid = child.pid;
    if (pid !== undefined) {
      track(pid);
      options.onSpawn?.(['git', ...args], pid);
    }
    let stdout = '';
    let stderr = '';
    const splitter = new LineSplitter();
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
      for (const line of splitter.push(chunk)) options.onLine?.(line);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      const tree = processTree(pid);
      killAll(tree, 'SIGTERM');
      killTimer = setTimeout(() => killAll([...tree, ...processTree(pid)], 'SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (pid !== undefined) running.delete(pid);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(
        error.code === 'ENOENT'
          ? new EngineUnavailableError('git', 'the git executable was not found on PATH (fleet cloning needs it)')
          : new FleetError('GITFLEET_GIT_CLONE_FAILED', `git ${args[0] ?? ''}: ${error.message}`),
      );
    });
    child.once('close', (code, sig) => {
      settle();
      if (signal.aborted) reject(abortReason(options));
      else if (code === 0) resolve(stdout);
      else reject(classifyGitFailure(stderr, sig ? `killed by ${sig}` : `exit code ${String(code)}`, options.secrets));
    });
  });
}

/** This process's environment without our own secrets: git gets only the one credential meant for it. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^GITFLEET_GIT_(TOKENS?|CREDENTIAL_.*)$/.test(key)));
}

function abortReason(options: FleetGitOptions): Error {
  if (options.timeoutSignal?.aborted) {
    return new FleetError('GITFLEET_GIT_TIMEOUT', 'git timed out', { transient: true });
  }
  return new AbortError({ cause: options.signal.reason });
}

function killAll(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * `pid` and its live descendants (git-remote-http, index-pack, ...), children before their parent
 * would be nice but is not needed: every process gets the signal. Reads /proc on Linux; elsewhere
 * only `pid` itself (git then ends its helpers by closing their pipes).
 */
export function processTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** At process exit, kill any git we started that is still running, with its helpers. */
function track(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of running) killAll(processTree(p), 'SIGKILL');
  });
}
