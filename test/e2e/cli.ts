import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built, bundled CLI: what users run. */
export const CLI = fileURLToPath(new URL('../../apps/cli/dist/gitfleet.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built CLI; `input` is written to its stdin (without it, stdin is empty). */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CI: 'true', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(options.input ?? '');
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

export const text = (r: CliResult): string => r.stdout.toString('utf8');
export const ndjson = <T = Record<string, unknown>>(r: CliResult): T[] =>
  text(r).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
