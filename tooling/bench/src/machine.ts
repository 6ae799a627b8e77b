import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

export interface Machine {
  cpu: string;
  /** os.availableParallelism(): what default blame concurrency and the xargs baseline use. */
  cores: number;
  ramGB: number;
  os: string;
  node: string;
  git: string;
  /** 1-minute load average when the run started: a hint of how noisy the machine was. */
  loadAvg: number;
  date: string;
}

/** Which code was measured: the monorepo commit, and whether packages/git has uncommitted changes. */
export async function describeSource(root: string): Promise<string> {
  // Read-only git commands; GIT_OPTIONAL_LOCKS=0 keeps them from refreshing the index.
  const run = async (args: string[]): Promise<string> =>
    (await promisify(execFile)('git', args, { cwd: root, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } })).stdout;
  try {
    const head = (await run(['rev-parse', '--short=12', 'HEAD'])).trim();
    const changed = (await run(['status', '--porcelain', '--', 'packages/git/src'])).trim() !== '';
    return `${head}${changed ? ' + uncommitted changes in packages/git/src' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export async function describeMachine(): Promise<Machine> {
  const { stdout } = await promisify(execFile)('git', ['--version']);
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    node: process.version,
    git: stdout.trim().replace(/^git version /, ''),
    loadAvg: Math.round(os.loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}
