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
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import { CLI, ndjson, runCli, text } from './cli.js';

const TOKEN = 'cli-secret-token-7';
let root: TempDir;
let server: GitHttpServer;

beforeAll(async () => {
  root = await createTempDir('gitfleet-cli-clone-');
  await using small = await createEmptyRepo();
  await commitFiles(small.path, { 'a.txt': 'a\n' }, { message: 'one' });
  await commitFiles(small.path, { 'b.txt': 'b\n' }, { message: 'two' });
  for (const name of ['one.git', 'two.git', 'slow-1.git', 'slow-2.git', 'slow-3.git', 'acme/api.git', 'acme/web.git', 'acme/platform/tools.git']) {
    await createBareClone(small.path, { dir: join(root.path, 'srv', name) });
  }
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: join(root.path, 'srv', 'tricky.git') });
  server = await startGitHttpServer({ root: join(root.path, 'srv'), token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

const env = (): Record<string, string> => ({
  GITFLEET_GIT_TOKEN: TOKEN,
  GITFLEET_GIT_HOST: `127.0.0.1:${String(server.port)}`,
  GITFLEET_CACHE_DIR: join(root.path, 'cache'),
});

describe('gitfleet clone', () => {
  it('clones every URL into --dir, one ndjson result per URL; one bad URL fails alone with exit 1', async () => {
    const dir = join(root.path, 'out-1');
    const urls = [server.url('one.git'), server.url('missing.git'), server.url('two.git')];
    const r = await runCli(['clone', ...urls, '--dir', dir, '--format', 'ndjson', '--retries', '0'], { env: env() });
    expect(r.code).toBe(1);
    const results = ndjson<{ url: string; status: string; path?: string; error?: { message: string }; durationMs: number }>(r);
    // One line per URL, in the order they settle.
    expect(results.map((x) => [x.url, x.status]).sort()).toEqual([
      [urls[0], 'completed'],
      [urls[1], 'failed'],
      [urls[2], 'completed'],
    ].sort());
    const first = results.find((x) => x.url === urls[0])!;
    expect(first.path!.startsWith(dir)).toBe(true);
    expect((await gitText(first.path!, ['log', '--format=%s'])).trim().split('\n')).toEqual(['two', 'one']);
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

interface CloneLine {
  url: string;
  status: string;
  path?: string;
  refreshed?: boolean;
  error?: { code: string; message: string };
}

/** The password of each Authorization header a server received (undefined: none). */
const passwords = (s: GitHttpServer): (string | undefined)[] =>
  s.requests.map((r) => (r.authorization ? Buffer.from(r.authorization.replace(/^Basic /, ''), 'base64').toString().split(':').slice(1).join(':') : undefined));

describe('gitfleet clone: credentials by host', () => {
  it('sends each host only its own token: GITFLEET_GIT_TOKEN for GITFLEET_GIT_HOST, a stored git token for another, nothing to a public server', async () => {
    const other = 'cli-other-token-8';
    await using b = await startGitHttpServer({ root: join(root.path, 'srv'), token: other });
    await using c = await startGitHttpServer({ root: join(root.path, 'srv') });
    const store = {
      GITFLEET_CREDENTIALS_FILE: join(root.path, 'credentials.enc'),
      GITFLEET_CREDENTIALS_KEY: 'ab'.repeat(32),
      GITFLEET_CREDENTIALS_PASSPHRASE: '',
    };
    const added = await runCli(['tokens', 'add', 'git', '--host', `127.0.0.1:${String(b.port)}`], { env: store, input: `${other}\n` });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/stored git token/);
    expect(added.stderr).not.toContain(other);
    const listed = await runCli(['tokens', 'list', '-f', 'json'], { env: store });
    expect(JSON.parse(text(listed))).toMatchObject([{ source: 'store', provider: 'git', host: `127.0.0.1:${String(b.port)}` }]);
    expect(text(listed)).not.toContain(other);

    server.requests.length = 0;
    const urls = [server.url('one.git'), b.url('two.git'), c.url('one.git')];
    const r = await runCli(['clone', ...urls, '--dir', join(root.path, 'out-hosts'), '-f', 'ndjson', '--retries', '0'], { env: { ...env(), ...store } });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson<CloneLine>(r).map((x) => x.status)).toEqual(['completed', 'completed', 'completed']);
    // Every request on every server: its own token or none, never another host's.
    expect(new Set(passwords(server).filter(Boolean))).toEqual(new Set([TOKEN]));
    expect(new Set(passwords(b).filter(Boolean))).toEqual(new Set([other]));
    expect(c.requests.length).toBeGreaterThan(0);
    expect(passwords(c).every((p) => p === undefined)).toBe(true);
    for (const secret of [TOKEN, other]) {
      expect(text(r)).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });
});

describe('gitfleet clone: what it accepts', () => {
  const gitOrigin = (): string => server.url('').replace(/\/$/, '');

  it('`repos github:acme --format ndjson | gitfleet clone --from -` clones every listed repository', async () => {
    const alice = 'ghp_aliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
    await using forge = await startForgeServer({
      webUrl: gitOrigin(),
      seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: [{ owner: 'acme', name: 'api' }, { owner: 'acme', name: 'web' }] },
      identities: [{ token: alice, login: 'alice' }],
    });
    const dir = join(root.path, 'out-pipe');
    const child = spawn('sh', ['-c', '"$NODE" "$CLI" repos github:acme --format ndjson --no-cache | "$NODE" "$CLI" clone --from - --dir "$DIR" --format ndjson'], {
      env: { ...process.env, ...env(), CI: 'true', NODE: process.execPath, CLI, DIR: dir, GITHUB_API_URL: forge.githubUrl, GITHUB_TOKEN: alice, GITHUB_TOKENS: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    const results = out.trim().split('\n').map((l) => JSON.parse(l) as CloneLine);
    expect(results.map((x) => [x.url, x.status]).sort()).toEqual([
      [`${gitOrigin()}/acme/api.git`, 'completed'],
      [`${gitOrigin()}/acme/web.git`, 'completed'],
    ]);
    expect((await readdir(dir)).sort()).toEqual(['api', 'web']);
  });

  it('clone github:owner/repo and gitlab:group/project, on the web host of GITHUB_API_URL / GITLAB_API_URL', async () => {
    const r = await runCli(['clone', 'github:acme/api', 'gitlab:acme/platform/tools', '--dir', join(root.path, 'out-short'), '-f', 'ndjson'], {
      env: { ...env(), GITHUB_API_URL: `${gitOrigin()}/api/v3`, GITLAB_API_URL: `${gitOrigin()}/api/v4` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson<CloneLine>(r).map((x) => [x.url, x.status]).sort()).toEqual([
      [`${gitOrigin()}/acme/api.git`, 'completed'],
      [`${gitOrigin()}/acme/platform/tools.git`, 'completed'],
    ]);
  });

  it('a bad entry of --from fails alone, with a one-line reason', async () => {
    const input = [server.url('one.git'), '{"fullName":"acme/x","provider":"github"}', 'github:acme', '{not json'].join('\n');
    const r = await runCli(['clone', '--from', '-', '--dir', join(root.path, 'out-bad'), '-f', 'ndjson'], { env: env(), input });
    expect(r.code).toBe(1);
    const results = ndjson<CloneLine>(r);
    expect(results.filter((x) => x.status === 'completed').map((x) => x.url)).toEqual([server.url('one.git')]);
    const bad = results.filter((x) => x.status === 'failed');
    expect(bad.map((x) => x.error?.code)).toEqual(['GITFLEET_CLI_BAD_ENTRY', 'GITFLEET_CLI_BAD_ENTRY', 'GITFLEET_CLI_BAD_ENTRY']);
    expect(bad.map((x) => x.error?.message)).toEqual([
      expect.stringMatching(/line 2: a JSON entry without a cloneUrl/),
      expect.stringMatching(/line 3: expected a repository \(github:<owner>\/<repo>/),
      expect.stringMatching(/line 4: not valid JSON/),
    ]);
  });
});

describe('gitfleet clone: results stream', () => {
  it('ndjson: each result prints as it settles; Ctrl-C keeps what was printed', async () => {
    server.configure('slow-3.git', { fault: 'slow-start', slowStartMs: 20_000 });
    const child = spawn(process.execPath, [CLI, 'clone', server.url('one.git'), server.url('slow-3.git'), '--dir', join(root.path, 'out-stream'), '-f', 'ndjson'], {
      env: { ...process.env, ...env(), CI: 'true' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 15_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const stillRunning = child.exitCode === null; // still cloning slow-3 while one's result is out
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(stillRunning).toBe(true);
    expect(out).not.toBe('');
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as CloneLine);
    expect(lines[0]).toMatchObject({ url: server.url('one.git'), status: 'completed' });
    expect(lines[1]).toMatchObject({ url: server.url('slow-3.git'), status: 'failed', error: { code: 'GITFLEET_GIT_ABORTED' } });
    server.configure('slow-3.git', {});
  });

  it('table: Ctrl-C prints what is done and what remains', async () => {
    server.configure('slow-3.git', { fault: 'slow-start', slowStartMs: 20_000 });
    const dir = join(root.path, 'out-table');
    const child = spawn(process.execPath, [CLI, 'clone', server.url('two.git'), server.url('slow-3.git'), '--dir', dir], {
      env: { ...process.env, ...env(), CI: 'true' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 15_000;
    while (!(await readdir(dir).catch(() => [] as string[])).includes('two') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(out).toMatch(new RegExp(`^completed\\s+[\\d.]+\\s+${server.url('two.git')}`, 'm'));
    expect(out).toMatch(new RegExp(`^interrupted\\s+.*${server.url('slow-3.git')}`, 'm'));
    expect(err).toMatch(/1 of 2 done, 1 remaining/);
    server.configure('slow-3.git', {});
  });
});

describe('gitfleet clone on a terminal', () => {
  it('draws a live line with how many are done and how many remain (a real pseudo-terminal)', async () => {
    server.configure('slow-3.git', { fault: 'slow-start', slowStartMs: 3000 });
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, CLI, 'clone', server.url('one.git'), server.url('slow-3.git'), '--dir', join(root.path, 'out-tty')].map(quote).join(' ');
    // util-linux `script` runs the command on a new pseudo-terminal and copies what it draws.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, ...env(), CI: '' } });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    server.configure('slow-3.git', {});
    expect(code).toBe(0);
    expect(screen).toMatch(/clone: 1\/2 done, 1 remaining/);
    expect(screen).toMatch(new RegExp(`completed\\s+[\\d.]+\\s+${server.url('slow-3.git')}`));
  });
});
