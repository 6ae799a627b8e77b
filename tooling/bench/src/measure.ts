import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { RunnerResult, Scenario, ScenarioOptions } from './run-scenario.js';

const RUNNER = fileURLToPath(new URL('./run-scenario.js', import.meta.url));

/** One measurement: the runner's figures for "ours", or just the wall time for a baseline. */
export type Sample = Partial<RunnerResult> & {
  wallMs: number;
  /** With `treeRss`: peak RSS of the largest process in the tree (ours and its git children, or the baseline's). */
  treeMaxRssMB?: number;
};

/** GNU time reports the peak RSS of the largest process it waited for, including descendants. */
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

/** `maxrss <KB>` as printed by `/usr/bin/time -f`. */
function treeRss(stderr: string): number | undefined {
  const m = /^maxrss (\d+)$/m.exec(stderr);
  return m ? Number(m[1]) / 1024 : undefined;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns a process, collects its output and times it from spawn to exit; kills it after `timeoutMs`. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 64 * 1024) stderr += s;
    });
    const timer = setTimeout(() => {
      stderr += `\ntimed out after ${Math.round(timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - start });
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** Runs one "ours" measurement in a fresh child process; throws with the reason on failure. */
export async function runOurs(
  scenario: Scenario,
  repo: string,
  options: ScenarioOptions,
  timeoutMs: number,
  measureTree = false,
): Promise<Sample> {
  const argv = [process.execPath, RUNNER, scenario, repo, JSON.stringify(options)];
  const [command, ...args] = measureTree && hasTime ? [TIME, '-f', 'maxrss %M', ...argv] : argv;
  const exit = await run(command!, args, repo, timeoutMs);
  let parsed: (RunnerResult & { error?: undefined }) | { error: string } | undefined;
  try {
    parsed = JSON.parse(lastLine(exit.stdout)) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed && parsed.error === undefined && exit.code === 0) {
    const tree = treeRss(exit.stderr);
    return tree === undefined ? parsed : { ...parsed, treeMaxRssMB: tree };
  }
  const reason = parsed?.error ?? (lastLine(exit.stderr) || `runner exited with code ${String(exit.code)}`);
  throw new Error(reason);
}

/** Runs a git CLI baseline through `sh -c` (output to /dev/null), timed from spawn to exit. */
export async function runBaseline(shell: string, repo: string, timeoutMs: number, measureTree = false): Promise<Sample> {
  const [command, ...args] = measureTree && hasTime ? [TIME, '-f', 'maxrss %M', 'sh', '-c', shell] : ['sh', '-c', shell];
  const exit = await run(command!, args, repo, timeoutMs);
  if (exit.code !== 0) throw new Error(`baseline exited with code ${String(exit.code)}: ${lastLine(exit.stderr)}`);
  const tree = treeRss(exit.stderr);
  return tree === undefined ? { wallMs: exit.ms } : { wallMs: exit.ms, treeMaxRssMB: tree };
}
