// blame and analyze as users run them: size limits, bounded memory, engine notes on stderr.
import { spawn } from 'node:child_process';
import { commitFiles, createEmptyRepo, createTempDir, createTrickyRepo, type TempRepo, type TrickyRepo } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ndjson, runCli, text, type CliResult } from './cli.js';

let tricky: TrickyRepo;
let huge: TempRepo;
let cacheDir: Awaited<ReturnType<typeof createTempDir>>;
const env = (): Record<string, string> => ({ GITFLEET_CACHE_DIR: cacheDir.path });

/** Lines of the big file: enough that holding a file's blame at once needs far more than the heap below. */
const HUGE_LINES = 400_000;

beforeAll(async () => {
  [tricky, huge, cacheDir] = await Promise.all([createTrickyRepo(), createEmptyRepo(), createTempDir('gitfleet-cache-')]);
  const lines = Array.from({ length: HUGE_LINES }, (_, i) => `row ${i}`);
  const who = (name: string, time: number) => ({ name, email: `${name}@example.com`, date: `${time} +0000` });
  await commitFiles(huge.path, { 'data.txt': `${lines.join('\n')}\n`, 'small.txt': 'small\n' }, { message: 'data', author: who('ada', 1_700_000_000) });
  for (let i = 0; i < lines.length; i += 1000) lines[i] = `edited ${i}`;
  await commitFiles(huge.path, { 'data.txt': `${lines.join('\n')}\n` }, { message: 'edit', author: who('bob', 1_700_001_000) });
}, 120_000);

afterAll(async () => {
  await Promise.all([tricky?.cleanup(), huge?.cleanup(), cacheDir?.cleanup()]);
});

/** The built CLI under a small V8 heap: a run that holds a big file's blame at once dies. */
function runSmallHeap(args: string[], heapMB: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMB}`, CLI, ...args], {
      env: { ...process.env, CI: 'true', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe('big files fail alone, and memory stays bounded per file', () => {
  it('blame: a file above --max-file-size is skipped with one stderr line naming it; the rest is blamed', async () => {
    const r = await runCli(['blame', tricky.path, 'src/big.txt', 'README.md', '--max-file-size', '2KB', '-f', 'ndjson'], { env: env() });
    expect(r.code).toBe(0);
    const files = ndjson<{ path: string; error?: { code: string }; lines: unknown[] }>(r);
    expect(files.map((f) => [f.path, f.error?.code ?? f.lines.length > 0])).toEqual([
      ['README.md', true],
      ['src/big.txt', 'GITFLEET_GIT_FILE_TOO_LARGE'],
    ]);
    expect(r.stderr).toMatch(/^gitfleet: skipped src\/big\.txt: [\d.]+ KB, larger than the 2 KB blame limit; raise it with --max-file-size\n$/);
  });

  it('analyze: the file above the limit is named on stderr and in the report; the rest is reported', async () => {
    const r = await runCli(['analyze', tricky.path, '--max-file-size', '2KB'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped src\/big\.txt: .*larger than the 2 KB blame limit; raise it with --max-file-size/);
    expect(text(r)).toMatch(/Ownership\s+\d+ surviving lines in \d+ files \(\d+ skipped: \d+ binary, 1 over the 2 KB limit: src\/big\.txt\)/);
    const json = JSON.parse(text(await runCli(['analyze', tricky.path, '--max-file-size', '2KB', '-f', 'json'], { env: env() }))) as {
      ownership: { files: number; skipped: { path: string; code: string }[] };
    };
    expect(json.ownership.skipped).toContainEqual(expect.objectContaining({ path: 'src/big.txt', code: 'GITFLEET_GIT_FILE_TOO_LARGE' }));
    expect(json.ownership.files).toBeGreaterThan(20);
  });

  it('a bad --max-file-size is a usage error', async () => {
    const r = await runCli(['blame', tricky.path, '--max-file-size', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-file-size/);
  });

  it(`analyze of a ${HUGE_LINES}-line file runs in a 64 MB heap`, async () => {
    const r = await runSmallHeap(['analyze', huge.path, '-f', 'json'], 64);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(text(r)) as { ownership: { totalLines: number; authors: { name: string; lines: number }[] } };
    expect(report.ownership.totalLines).toBe(HUGE_LINES + 1);
    expect(report.ownership.authors.map((a) => [a.name, a.lines])).toEqual([
      ['ada', HUGE_LINES - HUGE_LINES / 1000 + 1],
      ['bob', HUGE_LINES / 1000],
    ]);
  }, 120_000);

  it(`blame --format ndjson of a ${HUGE_LINES}-line file streams its lines in a 64 MB heap`, async () => {
    const r = await runSmallHeap(['blame', huge.path, 'data.txt', '-f', 'ndjson'], 64);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [file] = ndjson<{ path: string; lines: { line: number; content: string; authorName: string }[] }>(r);
    expect(file!.path).toBe('data.txt');
    expect(file!.lines.length).toBe(HUGE_LINES);
    expect(file!.lines.every((l, i) => l.line === i + 1)).toBe(true);
    expect(file!.lines[1000]).toMatchObject({ content: 'edited 1000', authorName: 'bob' });
  }, 120_000);
});

describe('fields an engine cannot deliver are named on stderr', () => {
  const note = 'gitfleet: es-git engine: tz offsets unavailable (null)\n';

  it('blame and commits with --engine es-git say once that tz offsets are null', async () => {
    const blame = await runCli(['blame', tricky.path, 'README.md', '--engine', 'es-git', '-f', 'ndjson', '--no-cache']);
    expect(blame.code).toBe(0);
    expect(blame.stderr).toBe(note);
    expect(ndjson<{ lines: { authorTzOffset: unknown }[] }>(blame)[0]!.lines.every((l) => l.authorTzOffset === null)).toBe(true);
    const commits = await runCli(['commits', tricky.path, '-n', '3', '--engine', 'es-git', '-f', 'ndjson', '--no-cache']);
    expect(commits.code).toBe(0);
    expect(commits.stderr).toBe(note);
  });

  it('no note where nothing is missing: the git engine, or output without time zones', async () => {
    expect((await runCli(['blame', tricky.path, 'README.md', '--engine', 'git', '-f', 'ndjson', '--no-cache'])).stderr).toBe('');
    expect((await runCli(['blame', tricky.path, 'README.md', '--engine', 'es-git', '--summary', '--no-cache'])).stderr).toBe('');
  });
});
