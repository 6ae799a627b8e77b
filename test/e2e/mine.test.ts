import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDataset } from '@gitfleet/dataset';
import { createBareClone, createTempDir, createTrickyRepo, generateLargeRepo, git, gitText, startGitHttpServer, type GitHttpServer, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleCommits, oracleFiles, oracleOwnership, revList } from '../../packages/mine/test/oracle.js';
import { CLI, ndjson, runCli, text } from './cli.js';
import { render, runInPty } from './pty.js';

// `gitfleet mine github:acme --out data` against the test kit's forge (listing, several tokens)
// and smart-HTTP git server (clones, with a git token): the dataset against git, a failing
// repository, kill -9 and resume, the unchanged rerun, Ctrl-C, a real terminal.

const GIT_TOKEN = 'mine-git-token-31';
const ALICE = 'ghp_mineAliceAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const BOB = 'ghp_mineBobBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';
const GOOD = ['tricky', 'gen-1', 'gen-2', 'gen-3'];

let root: TempDir;
let git_: GitHttpServer;
let forge: ForgeServer;
const srv = (name: string): string => join(root.path, 'srv', 'acme', `${name}.git`);

beforeAll(async () => {
  root = await createTempDir('gitfleet-e2e-mine-');
  await using tricky = await createTrickyRepo();
  await createBareClone(tricky.path, { dir: srv('tricky') });
  for (const [i, name] of ['gen-1', 'gen-2', 'gen-3'].entries()) {
    await using gen = await generateLargeRepo({ commits: 150 + 100 * i, files: 40 + 20 * i, seed: 40 + i, mergeEvery: 30, renameEvery: 40 });
    await createBareClone(gen.path, { dir: srv(name) });
  }
  await git(srv('gen-2'), ['branch', 'release', 'HEAD~20']);
  git_ = await startGitHttpServer({ root: join(root.path, 'srv'), token: GIT_TOKEN });
  forge = await startForgeServer({
    webUrl: git_.url('').replace(/\/$/, ''),
    seed: {
      orgs: [{ login: 'acme', members: ['alice', 'bob'] }],
      // `gone` is listed by the forge, but its git repository is missing on the git server.
      repos: [...GOOD, 'gone'].map((name) => ({ owner: 'acme', name, private: name === 'gen-3' })),
    },
    identities: [
      { token: ALICE, login: 'alice' },
      { token: BOB, login: 'bob' },
    ],
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([git_?.close(), forge?.close()]);
  await root?.cleanup();
});

const env = (): Record<string, string> => ({
  GITHUB_API_URL: forge.githubUrl,
  GITHUB_TOKENS: `${ALICE},${BOB}`,
  GITHUB_TOKEN: '',
  GH_TOKEN: '',
  GITFLEET_GIT_TOKEN: GIT_TOKEN,
  GITFLEET_GIT_HOST: `127.0.0.1:${String(git_.port)}`,
  GITFLEET_CACHE_DIR: join(root.path, 'cache'),
  GITFLEET_CREDENTIALS_FILE: join(root.path, 'no-credentials.enc'),
});

async function sql<T = Record<string, unknown>>(data: string, text_: string): Promise<T[]> {
  const dataset = await openDataset(data);
  try {
    return (await dataset.query(text_)) as T[];
  } finally {
    await dataset.close();
  }
}

/** Every good repository of the dataset equals git on the server's repository; no duplicate row anywhere. */
async function expectExact(data: string): Promise<void> {
  const repos = await sql<{ repository: string; provider: string; head_sha: string }>(data, 'SELECT repository, provider, head_sha FROM repositories ORDER BY 1');
  expect(repos.map((r) => [r.repository, r.provider])).toEqual(GOOD.map((n) => [`acme/${n}`, 'github']).sort());
  for (const table of ['commits', 'commit_files', 'ownership', 'branches']) {
    const key = { commits: 'sha', commit_files: "sha || '/' || path", ownership: "path || '/' || author_key", branches: 'name' }[table]!;
    const [dupes] = await sql<{ n: number }>(data, `SELECT (count(*) - count(DISTINCT repository || '/' || ${key}))::INTEGER AS n FROM ${table}`);
    expect(dupes!.n, table).toBe(0);
  }
  for (const name of GOOD) {
    const dir = srv(name);
    const repository = `acme/${name}`;
    const commits = await sql<{ sha: string; author_name: string; author_email: string; author_time: number; parents: string[] }>(
      data,
      `SELECT sha, author_name, author_email, author_time, parents FROM commits WHERE repository = '${repository}' ORDER BY sha`,
    );
    expect(commits.map((c) => c.sha), name).toEqual(await revList(dir));
    const oracle = new Map((await oracleCommits(dir)).map((c) => [c.sha, c]));
    for (const c of commits) {
      const o = oracle.get(c.sha)!;
      expect([c.author_name, c.author_email, c.author_time, c.parents]).toEqual([o.author_name, o.author_email, o.author_time, o.parents]);
    }
    const files = await sql<Record<string, unknown>>(data, `SELECT sha, path, old_path, status, additions, deletions FROM commit_files WHERE repository = '${repository}'`);
    const order = (f: Record<string, unknown>): string => `${String(f['sha'])}\0${String(f['path'])}`;
    const sort = (rows: Record<string, unknown>[]) => rows.sort((a, b) => (order(a) < order(b) ? -1 : 1));
    expect(sort(files), name).toEqual(sort((await oracleFiles(dir)) as unknown as Record<string, unknown>[]));
    const head = repos.find((r) => r.repository === repository)!.head_sha;
    expect(head).toBe((await gitText(dir, ['rev-parse', 'HEAD'])).trim());
    const ownership = await sql<{ path: string; email: string; lines: number }>(
      data,
      `SELECT path, lower(trim(author_email)) AS email, lines FROM ownership WHERE repository = '${repository}'`,
    );
    expect(new Map(ownership.map((o) => [`${o.path}\0${o.email}`, o.lines])), name).toEqual(await oracleOwnership(dir, head));
  }
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `gitfleet mine github:acme` in a process group of its own, so the group can be killed as a whole. */
function startMine(data: string, extra: string[] = []): Run {
  const child = spawn(process.execPath, [CLI, 'mine', 'github:acme', '--out', data, '-f', 'ndjson', '--retries', '0', ...extra], {
    detached: true,
    env: { ...process.env, CI: 'true', ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}

async function killGroupWhen(run: Run, condition: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await condition())) {
    if (run.child.exitCode !== null) throw new Error(`mine ended before the kill point: ${(await run.done).stderr}`);
    if (Date.now() > deadline) throw new Error('kill point not reached in 90 s');
    await sleep(2);
  }
  process.kill(-run.child.pid!, 'SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
}

type Line = { type: string; repository?: string; stage?: string; error?: { code: string; message: string } } & Record<string, unknown>;

describe('gitfleet mine github:<org>', { timeout: 300_000 }, () => {
  it('mines the org into a dataset equal to git; the repository whose git server path is missing is recorded in errors, the rest complete, exit 1', async () => {
    const data = join(root.path, 'data');
    const r = await runCli(['mine', 'github:acme', '--out', data, '-f', 'ndjson', '--retries', '0'], { env: env() });
    expect(r.code, r.stderr).toBe(1);
    const lines = ndjson<Line>(r);
    expect(lines.filter((l) => l.type === 'published').map((l) => l.repository).sort()).toEqual(GOOD.map((n) => `acme/${n}`).sort());
    expect(lines.filter((l) => l.type === 'failed')).toMatchObject([{ repository: 'acme/gone', stage: 'clone', error: { code: 'GITFLEET_GIT_CLONE_FAILED' } }]);
    expect(lines.find((l) => l.type === 'listed')).toMatchObject({ source: 'github:acme', repositories: 5 });
    expect(lines.at(-1)).toMatchObject({ type: 'summary', published: 4, failed: 1, unchanged: 0 });
    for (const secret of [GIT_TOKEN, ALICE, BOB]) expect(text(r) + r.stderr).not.toContain(secret);
    await expectExact(data);
    const errors = await sql<{ repository: string; phase: string; code: string; message: string }>(data, 'SELECT repository, phase, code, message FROM errors');
    expect(errors).toMatchObject([{ repository: 'acme/gone', phase: 'clone', code: 'GITFLEET_GIT_CLONE_FAILED' }]);
    // Both tokens of the pool listed and looked up; neither leaked into the dataset.
    const identities = new Set(forge.requests.map((q) => q.identity));
    expect(identities.has('alice') || identities.has('bob')).toBe(true);
    // Authors were merged by finalize: every commit joins to an author.
    const [orphans] = await sql<{ n: number }>(data, 'SELECT count(*)::INTEGER AS n FROM commits WHERE author_id IS NULL');
    expect(orphans!.n).toBe(0);

    // The unchanged rerun: a fetch per repository, free 304s from the forge, nothing republished.
    const states = await readdir(join(data, 'commits'));
    const mtimes = await Promise.all(states.map(async (f) => (await stat(join(data, 'commits', f))).mtimeMs));
    expect(git_.requests.filter((q) => q.pack).length).toBeGreaterThanOrEqual(4); // the first run did transfer packs
    git_.requests.length = 0;
    forge.requests.length = 0;
    const again = await runCli(['mine', 'github:acme', '--out', data, '-f', 'ndjson', '--retries', '0'], { env: env() });
    expect(again.code).toBe(1);
    expect(ndjson<Line>(again).at(-1)).toMatchObject({ type: 'summary', published: 0, unchanged: 4, failed: 1 });
    for (const name of GOOD) {
      const requests = git_.requests.filter((q) => q.repo === `acme/${name}.git`);
      expect(requests.length, name).toBeGreaterThan(0); // a fetch...
      expect(requests.filter((q) => q.pack), name).toEqual([]); // ...that found nothing to transfer
    }
    expect(forge.requests.length).toBeGreaterThan(0);
    expect(forge.requests.filter((q) => q.charged)).toEqual([]);
    expect(await Promise.all(states.map(async (f) => (await stat(join(data, 'commits', f))).mtimeMs))).toEqual(mtimes);
    await expectExact(data);
  });

  // Kill points hit by polling a live run; retried when a poll misses its moment on a loaded machine.
  it('kill -9 of the whole process group mid-extraction and right after a publish, then a rerun: complete, no duplicate, no partial repository', { retry: 2 }, async () => {
    const data = join(root.path, `data-kill-${String(Date.now())}`);
    // Slow transfers keep the run going while it is killed.
    for (const name of GOOD) git_.configure(`acme/${name}.git`, { latencyMs: 150, bytesPerSecond: 256 * 1024 });
    try {
      const staging = join(data, '_gitfleet', 'staging');
      const first = startMine(data);
      await killGroupWhen(first, async () => (await readdir(staging).catch(() => [])).length > 0);
      const second = startMine(data);
      await killGroupWhen(second, () => second.stdout().includes('"type":"published"'));
      // What a killed run leaves is published whole or not at all: every repository the dataset
      // shows has all of its commits (a publish the kill interrupted is rolled forward first).
      const dataset = await openDataset(data, { repair: true });
      try {
        const shown = (await dataset.query('SELECT repository FROM repositories')) as { repository: string }[];
        expect(shown.length).toBeGreaterThan(0);
        expect(shown.length).toBeLessThan(4);
        for (const { repository } of shown) {
          const ids = (await dataset.query(`SELECT sha FROM commits WHERE repository = '${repository}' ORDER BY sha`)) as { sha: string }[];
          expect(ids.map((r) => r.sha), repository).toEqual(await revList(srv(repository.slice('acme/'.length))));
        }
      } finally {
        await dataset.close();
      }
    } finally {
      for (const name of GOOD) git_.configure(`acme/${name}.git`, {});
    }
    const last = startMine(data);
    const done = await last.done;
    expect(done.code, done.stderr).toBe(1);
    expect(ndjson<Line>({ code: 1, stdout: Buffer.from(done.stdout), stderr: '' }).at(-1)).toMatchObject({ type: 'summary', failed: 1 });
    await expectExact(data);
    expect(await readdir(join(data, '_gitfleet', 'staging'))).toEqual([]);
  });

  it('Ctrl-C stops the run within seconds with exit 130; no git process is left, and a rerun completes', async () => {
    const data = join(root.path, 'data-int');
    for (const name of GOOD) git_.configure(`acme/${name}.git`, { fault: 'slow-start', slowStartMs: 30_000 });
    try {
      const run = startMine(data);
      await sleep(1500);
      const sent = Date.now();
      run.child.kill('SIGINT');
      const done = await run.done;
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(done.code).toBe(130);
      expect(done.stderr).toMatch(/interrupted/);
      const group = await processesInGroup(run.child.pid!);
      expect(group).toEqual([]);
    } finally {
      for (const name of GOOD) git_.configure(`acme/${name}.git`, {});
    }
    const again = await startMine(data).done;
    expect(again.code).toBe(1);
    await expectExact(data);
  });

  it('on a terminal: live bars, then the summary table, on a clean screen', async () => {
    const data = join(root.path, 'data-tty');
    for (const name of GOOD) git_.configure(`acme/${name}.git`, { latencyMs: 200 });
    let pty;
    try {
      pty = await runInPty(['mine', 'github:acme', '--out', data, '--retries', '0'], { env: env() });
    } finally {
      for (const name of GOOD) git_.configure(`acme/${name}.git`, {});
    }
    expect(pty.code).toBe(1);
    expect(pty.raw).toContain('mine: '); // the bars were drawn
    const screen = await render(pty.raw);
    const table = screen.lines.filter((l) => /^(published|failed) /.test(l));
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(['failed', 'published', 'published', 'published', 'published']);
    expect(screen.lines.some((l) => l.startsWith('5 repositories: 4 published, 0 unchanged, 1 failed'))).toBe(true);
    expect(pty.raw).not.toMatch(/Warning|Error/); // nothing but bars and our lines reached the terminal
    expect(screen.lines.some((l) => l.startsWith('mine: '))).toBe(false); // cleared
  });
});

describe('analyze --format parquet', { timeout: 120_000 }, () => {
  it('writes one repository through the same pipeline: the same tables mine writes', async () => {
    const local = join(root.path, 'local-gen-2');
    await git(root.path, ['clone', '-q', srv('gen-2'), local]);
    const viaAnalyze = join(root.path, 'data-analyze');
    const viaMine = join(root.path, 'data-mine-one');
    const a = await runCli(['analyze', local, '--format', 'parquet', '--out', viaAnalyze, '--exclude-path', 'src/mod01/**'], { env: env() });
    expect(a.code, a.stderr).toBe(0);
    expect(text(a)).toMatch(/1 repository: 1 published/);
    const m = await runCli(['mine', local, '--out', viaMine, '--exclude-path', 'src/mod01/**'], { env: env() });
    expect(m.code, m.stderr).toBe(0);
    for (const table of ['commits', 'commit_files', 'branches', 'ownership']) {
      const q = `SELECT * EXCLUDE (repository) FROM ${table} ORDER BY ALL`;
      expect(await sql(viaAnalyze, q), table).toEqual(await sql(viaMine, q));
    }
    const counts = await sql<{ files: number; excluded: number; owned: number }>(
      viaAnalyze,
      "SELECT (SELECT count(*) FROM commit_files)::INTEGER AS files, (SELECT count(*) FROM commit_files WHERE path LIKE 'src/mod01/%')::INTEGER AS excluded, (SELECT count(*) FROM ownership)::INTEGER AS owned",
    );
    expect(counts[0]!.excluded).toBe(0);
    expect(counts[0]!.files).toBeGreaterThan(0);
    expect(counts[0]!.owned).toBeGreaterThan(0);
    const usage = await runCli(['analyze', local, '--format', 'parquet'], { env: env() });
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/--format parquet needs --out/)]);
  });
});

/** Live processes whose process group is `pgid` (the CLI's own group, detached). */
async function processesInGroup(pgid: number): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    try {
      const statText = (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}
