import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  commitFiles,
  createBareClone,
  createEmptyRepo,
  createTempDir,
  createTrickyRepo,
  gitText,
  startGitHttpServer,
  type GitHttpServer,
  type TempDir,
} from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ndjson, runCli, text } from './cli.js';

const TOKEN = 'cli-secret-token-7';
let root: TempDir;
let server: GitHttpServer;

beforeAll(async () => {
  root = await createTempDir('gitfleet-cli-clone-');
  await using small = await createEmptyRepo();
  await commitFiles(small.path, { 'a.txt': 'a\n' }, { message: 'one' });
  await commitFiles(small.path, { 'b.txt': 'b\n' }, { message: 'two' });
  for (const name of ['one.git', 'two.git', 'slow-1.git', 'slow-2.git']) await createBareClone(small.path, { dir: join(root.path, 'srv', name) });
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: join(root.path, 'srv', 'tricky.git') });
  server = await startGitHttpServer({ root: join(root.path, 'srv'), token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

const env = (): Record<string, string> => ({ GITFLEET_GIT_TOKEN: TOKEN, GITFLEET_CACHE_DIR: join(root.path, 'cache') });

describe('gitfleet clone', () => {
  it('clones every URL into --dir, one ndjson result per URL; one bad URL fails alone with exit 1', async () => {
    const dir = join(root.path, 'out-1');
    const urls = [server.url('one.git'), server.url('missing.git'), server.url('two.git')];
    const r = await runCli(['clone', ...urls, '--dir', dir, '--format', 'ndjson', '--retries', '0'], { env: env() });
    expect(r.code).toBe(1);
    const results = ndjson<{ url: string; status: string; path?: string; error?: { message: string }; durationMs: number }>(r);
    expect(results.map((x) => [x.url, x.status])).toEqual([
      [urls[0], 'completed'],
      [urls[1], 'failed'],
      [urls[2], 'completed'],
    ]);
    expect(results[0]!.path!.startsWith(dir)).toBe(true);
    expect((await gitText(results[0]!.path!, ['log', '--format=%s'])).trim().split('\n')).toEqual(['two', 'one']);
    expect(text(r)).not.toContain(TOKEN);
    expect(r.stderr).not.toContain(TOKEN);
    expect((await readdir(dir)).sort()).toEqual(['one', 'two']);
  });

  it('a second run refreshes the existing clones', async () => {
    const dir = join(root.path, 'out-2');
    await runCli(['clone', server.url('one.git'), '--dir', dir], { env: env() });
    const again = await runCli(['clone', server.url('one.git'), '--dir', dir, '-f', 'json'], { env: env() });
    expect(again.code).toBe(0);
    expect(JSON.parse(text(again))).toMatchObject([{ status: 'completed', refreshed: true }]);
  });

  it('--from - reads URLs from stdin; a wrong token fails with an auth error', async () => {
    const child = spawn(process.execPath, [CLI, 'clone', '--from', '-', '--dir', join(root.path, 'out-3'), '-f', 'json'], {
      env: { ...process.env, ...env(), GITFLEET_GIT_TOKEN: 'wrong' },
    });
    child.stdin.end(`# fleet\n${server.url('one.git')}\n\n`);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject([{ status: 'failed', error: { code: 'GITFLEET_GIT_AUTH_FAILED' } }]);
  });

  it('Ctrl-C stops every clone within 2 s and leaves no partial clone', async () => {
    for (const name of ['slow-1.git', 'slow-2.git']) server.configure(name, { fault: 'slow-start', slowStartMs: 10_000 });
    const dir = join(root.path, 'out-4');
    const child = spawn(process.execPath, [CLI, 'clone', server.url('slow-1.git'), server.url('slow-2.git'), '--dir', dir], {
      env: { ...process.env, ...env() },
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(code).toBe(130);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });

  it('analyze accepts a URL: clones it bare into a temp dir and reports', async () => {
    const r = await runCli(['analyze', server.url('tricky.git'), '--format', 'json'], { env: env() });
    expect(r.code).toBe(0);
    const report = JSON.parse(text(r)) as { repoName: string; commits: { count: number } };
    expect(report.commits.count).toBeGreaterThan(40);
  });
});
