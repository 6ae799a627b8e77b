import { commitFiles, createEmptyRepo, createTempDir, type TempRepo } from '@gitfleet/test-kit';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, text } from './cli.js';

// Repository content that tries to drive the terminal: set the window title, clear the screen,
// hide a link (OSC 8), reverse text direction (a bidi override).
const EVIL_NAME = 'Mallory \u001b]0;pwned\u0007\u001b[2J';
const EVIL_SUMMARY = 'Fix \u001b]8;;https://evil.example\u0007docs\u001b]8;;\u0007 \u009b31m \u202eevil';
const EVIL_PATH = 'red\u001b[31m.txt';
const FORMULA_SUMMARY = '=HYPERLINK("https://evil.example","click")';

let repo: TempRepo;
let cacheDir: Awaited<ReturnType<typeof createTempDir>>;
const env = (): Record<string, string> => ({ GITFLEET_CACHE_DIR: cacheDir.path });

/** Terminal-driving bytes: C0 controls but newline and tab, DEL, C1 controls, bidi overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

beforeAll(async () => {
  [repo, cacheDir] = await Promise.all([createEmptyRepo(), createTempDir('gitfleet-cache-')]);
  const evil = { name: EVIL_NAME, email: 'mallory@example.com', date: '1700000000 +0000' };
  await commitFiles(repo.path, { 'a.txt': 'one\n', [EVIL_PATH]: 'two\n' }, { message: `${EVIL_SUMMARY}\n\nBody line.\n`, author: evil });
  await commitFiles(repo.path, { 'b.csv': 'x\n' }, { message: `${FORMULA_SUMMARY}\n\nSecond paragraph,\nwith two lines.\n` });
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), cacheDir?.cleanup()]);
});

describe('table output never passes terminal controls through', () => {
  it.each([
    ['commits', ['commits', '<repo>', '--files']],
    ['blame', ['blame', '<repo>']],
    ['blame --summary', ['blame', '<repo>', '--summary']],
    ['analyze', ['analyze', '<repo>']],
    ['files', ['files', '<repo>']],
    ['branches', ['branches', '<repo>']],
  ])('%s shows controls escaped', async (_name, args) => {
    const r = await runCli(args.map((a) => (a === '<repo>' ? repo.path : a)), { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = text(r);
    expect(out).not.toMatch(CONTROL);
    if (args[0] !== 'branches') expect(out).toMatch(/\\x1b|\\u202e|red\\x1b\[31m\.txt/);
  });

  it('json and ndjson stay faithful', async () => {
    const r = await runCli(['commits', repo.path, '--format', 'ndjson', '--files'], { env: env() });
    const commits = ndjson<{ author: { name: string }; summary: string; files: { path: string }[] }>(r);
    expect(commits[1]!.author.name).toBe(EVIL_NAME);
    expect(commits[1]!.summary).toBe(EVIL_SUMMARY);
    expect(commits[1]!.files.map((f) => f.path)).toContain(EVIL_PATH);
  });
});

describe('csv', () => {
  it('has the full message, booleans as true/false, and cells kept faithful by default', async () => {
    const r = await runCli(['commits', repo.path, '--format', 'csv'], { env: env() });
    expect(r.code).toBe(0);
    const rows = parse(text(r), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row['isMerge'])).toEqual(['false', 'false']);
    expect(rows[0]!['message']).toBe(`${FORMULA_SUMMARY}\n\nSecond paragraph,\nwith two lines.\n`);
    expect(rows[0]!['summary']).toBe(FORMULA_SUMMARY);
    expect(rows[1]!['author.name']).toBe(EVIL_NAME);
  });

  it('--csv-safe neutralises formula-leading cells and leaves numbers alone', async () => {
    const r = await runCli(['commits', repo.path, '--format', 'csv', '--csv-safe'], { env: env() });
    expect(r.code).toBe(0);
    const out = text(r);
    expect(out).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
    expect(out).not.toMatch(/,=HYPERLINK/);
    expect(out).toMatch(/,1700000000,/);
  });
});
