import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicEnv, git, gitText } from '@gitfleet/test-kit';
import { CLI, type CliResult } from './cli.js';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A HOME that never exists: no user git config, no user gitfleet config. */
const HOME = join(tmpdir(), 'gitfleet-e2e-no-home');

/** The deterministic environment the helpers below run in. */
export const HOME_ENV = (): Record<string, string> => ({ ...deterministicEnv(HOME), PATH: '/usr/local/bin:/usr/bin:/bin' });

/**
 * git (e.g. `git commit`, which runs our hook) in a deterministic environment plus `env`.
 * PATH is minimal so the hook cannot fall back to a `gitfleet` found on the test runner's PATH.
 */
export function runGit(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return run('git', args, cwd, { ...HOME_ENV(), ...env });
}

/** The built CLI in the same environment as {@link runGit}. */
export async function gitfleet(cwd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<ProcessResult> {
  return run(process.execPath, [CLI, ...args], cwd, { ...HOME_ENV(), ...env }, input);
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>, input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Bytes, mode and symlink target of a path: equal before install and after uninstall means an exact restore. */
export async function fileState(path: string): Promise<{ sha: string; mode: number; link: string | null } | null> {
  const stat = await lstat(path).catch(() => null);
  if (!stat) return null;
  if (stat.isSymbolicLink()) return { sha: '', mode: stat.mode, link: await readlink(path) };
  const sha = createHash('sha256').update(await readFile(path)).digest('hex');
  return { sha, mode: stat.mode, link: null };
}

/** HEAD's full message. */
export async function headMessage(repo: string): Promise<string> {
  return gitText(repo, ['log', '-1', '--format=%B']);
}

export type { CliResult };

/** An API key that must never show up in argv, output or files. */
export const SECRET = 'sk-gitfleet-e2e-4f1d9c2b7a0e';

/** Points the CLI (and the hook it runs) at the fake LLM server, OpenAI protocol. */
export function aiEnv(server: { baseUrls: { openai: string } }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITFLEET_AI_PROVIDER: 'openai',
    GITFLEET_AI_BASE_URL: server.baseUrls.openai,
    GITFLEET_AI_API_KEY: SECRET,
    GITFLEET_AI_MODEL: 'gpt-4.1-mini',
    ...extra,
  };
}

/** Command lines of every live process (Linux /proc), for "no secret in argv" checks. */
export async function processCommandLines(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const lines: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline) lines.push(cmdline.split('\0').join(' ').trim());
  }
  return lines;
}

/** The files husky 9 writes (`husky` / `npx husky init`): core.hooksPath=.husky/_, a runner `h`, one stub per hook. */
export async function writeHusky9(root: string): Promise<void> {
  const dir = join(root, '.husky', '_');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '.gitignore'), '*');
  // Same behaviour as husky's runner: run the user's .husky/<hook> with `sh -e`, if it exists.
  await writeFile(
    join(dir, 'h'),
    [
      '#!/usr/bin/env sh',
      'n=$(basename "$0")',
      's=$(dirname "$(dirname "$0")")/$n',
      '[ ! -f "$s" ] && exit 0',
      '[ "${HUSKY-}" = "0" ] && exit 0',
      'export PATH="node_modules/.bin:$PATH"',
      'sh -e "$s" "$@"',
      'c=$?',
      '[ $c != 0 ] && echo "husky - $n script failed (code $c)"',
      'exit $c',
      '',
    ].join('\n'),
  );
  for (const hook of ['pre-commit', 'prepare-commit-msg', 'commit-msg']) {
    await writeFile(join(dir, hook), '#!/usr/bin/env sh\n. "${0%/*}/h"', { mode: 0o755 });
  }
  await git(root, ['config', 'core.hooksPath', '.husky/_']);
}
