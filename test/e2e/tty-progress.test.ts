import { createTempDir, generateLargeRepo, type LargeRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, text } from './cli.js';
import { render, runInPty } from './pty.js';

// Long enough work that the progress bar (shown after 400 ms on a TTY) does appear.
let repo: LargeRepo;
let cacheDir: Awaited<ReturnType<typeof createTempDir>>;
const env = (): Record<string, string> => ({ GITFLEET_CACHE_DIR: cacheDir.path });

beforeAll(async () => {
  [repo, cacheDir] = await Promise.all([generateLargeRepo({ commits: 10_000, files: 60 }), createTempDir('gitfleet-cache-')]);
}, 120_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), cacheDir?.cleanup()]);
});

/** What the same command prints off a terminal: the lines a user must see on screen. */
async function plainLines(args: string[]): Promise<string[]> {
  const r = await runCli(args, { env: env() });
  expect(r.code).toBe(0);
  return text(r).trimEnd().split('\n');
}

describe('progress on a real terminal never corrupts the output', () => {
  it.each([
    ['blame --summary', ['blame', '<repo>', '--summary', '--no-cache', '-j', '1'], 'ownership ['],
    ['commits --files', ['commits', '<repo>', '--files', '--no-cache'], 'commits '],
  ])('%s: the bar was shown, then cleared; the screen holds exactly the output, the prompt goes below it', async (_name, template, barText) => {
    const args = template.map((a) => (a === '<repo>' ? repo.path : a));
    const pty = await runInPty(args, { env: env() });
    expect(pty.code).toBe(0);
    expect(pty.raw).toContain(barText); // the bar did appear, so this test exercises clearing it
    const screen = await render(pty.raw);
    const expected = await plainLines(args);
    expect(screen.lines).toEqual(expected);
    // The shell's prompt goes at the start of the line after the output, not over it.
    expect(screen.cursor).toEqual({ row: expected.length, col: 0 });
  }, 120_000);
});
