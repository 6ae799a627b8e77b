import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { generateLargeRepo } from '@gitfleet/test-kit';
import { expect, it } from 'vitest';
import { CLI } from './cli.js';

it('Ctrl-C (SIGINT) stops a long blame quickly with exit 130 and leaves no git subprocess', async () => {
  await using repo = await generateLargeRepo({ commits: 3000, files: 300, seed: 7 });
  const child = spawn(process.execPath, [CLI, 'blame', repo.path, '--no-cache', '-f', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  child.stdout.on('data', (c: Buffer) => (lines += c.toString().split('\n').length - 1));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Wait until blame output is flowing, then interrupt.
  await new Promise<void>((resolve) => {
    const t = setInterval(() => lines > 0 && (clearInterval(t), resolve()), 20);
  });
  const sent = Date.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(Date.now() - sent).toBeLessThan(2000);
  expect(code).toBe(130);
  expect(stderr).toMatch(/interrupted/);
  expect(gitProcessesIn(repo.path)).toEqual([]);
});

/** Live `git` processes whose working directory is `dir` (Linux /proc). */
function gitProcessesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'git' && readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}
