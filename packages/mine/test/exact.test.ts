// The dataset of a test fleet against the git CLI, repository by repository.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createBareClone,
  createEmptyRepo,
  createShallowClone,
  createTempDir,
  createTrickyRepo,
  generateLargeRepo,
  git,
  gitText,
  startGitHttpServer,
  type GitHttpServer,
  type TempDir,
} from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineSet } from '@gitfleet/git';
import { clonePath, mine, type MineSummary } from '../src/index.js';
import { drain, isolatedSession, query } from './helpers.js';
import { oracleCommits, oracleFiles, oracleOwnership, revList } from './oracle.js';

let root: TempDir;
let server: GitHttpServer;
/** Dataset key -> where git can read it (the local repository, or our clone of the URL). */
const fleet = new Map<string, string>();
let summary: MineSummary;
const out = (): string => join(root.path, 'data');

beforeAll(async () => {
  root = await createTempDir('gitfleet-mine-exact-');
  const tricky = await createTrickyRepo({ dir: join(root.path, 'tricky') });
  const generated = await generateLargeRepo({ commits: 400, files: 80, seed: 7, mergeEvery: 40, renameEvery: 50, binaryEvery: 60, dir: join(root.path, 'generated') });
  const empty = await createEmptyRepo({ dir: join(root.path, 'empty') });
  await createShallowClone(generated.path, 25, { dir: join(root.path, 'shallow') });
  const srv = join(root.path, 'srv');
  await createBareClone(tricky.path, { dir: join(srv, 'acme', 'tricky.git') });
  await createBareClone(generated.path, { dir: join(srv, 'acme', 'generated.git') });
  await createBareClone(empty.path, { dir: join(srv, 'acme', 'empty.git') });
  // A second branch on the server, behind main, and one ahead of it with its own commit.
  await git(join(srv, 'acme', 'generated.git'), ['branch', 'old', 'HEAD~30']);
  await git(generated.path, ['checkout', '-q', '-b', 'topic', 'HEAD~12']);
  await gitText(generated.path, ['-c', 'user.name=Topic Writer', '-c', 'user.email=topic@example.org', 'commit', '-q', '--allow-empty', '-m', 'topic work']);
  await git(generated.path, ['push', '-q', join(srv, 'acme', 'generated.git'), 'topic']);
  server = await startGitHttpServer({ root: srv });
  for (const path of [tricky.path, empty.path, join(root.path, 'shallow')]) fleet.set(path, path);
  for (const name of ['acme/tricky.git', 'acme/generated.git', 'acme/empty.git']) fleet.set(server.url(name), clonePath(join(out(), '.clones'), server.url(name)));
  ({ summary } = await drain(mine([...fleet.keys()], { out: out(), session: isolatedSession(), cache: false })));
}, 240_000);

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

describe('mine: the dataset equals git, repository by repository', () => {
  it('publishes every repository of the fleet, with no failure', () => {
    expect(summary.failed).toBe(0);
    expect(summary.results.map((r) => [r.repository, r.status]).sort()).toEqual([...fleet.keys()].map((k) => [k, 'published']).sort());
  });

  it.each([...['tricky', 'empty', 'shallow'].map((n) => `local ${n}`), ...['tricky', 'generated', 'empty'].map((n) => `cloned ${n}`)])('%s', async (label) => {
    const [kind, name] = label.split(' ') as [string, string];
    const key = [...fleet.keys()].find((k) => (kind === 'local' ? k.endsWith(`/${name}`) : k.endsWith(`/acme/${name}.git`)))!;
    const dir = fleet.get(key)!;
    const esc = key.replaceAll("'", "''");

    // Commits: the ids of `git rev-list --branches`, every field as `git log` prints it with the mailmap.
    const ids = await revList(dir);
    const commits = await query<Record<string, unknown>>(
      out(),
      `SELECT sha, parents, author_name, author_email, author_time, author_tz_offset, committer_name, committer_email,
              committer_time, committer_tz_offset, message, additions, deletions, files_changed
       FROM commits WHERE repository = '${esc}' ORDER BY sha`,
    );
    expect(commits.map((c) => c['sha'])).toEqual(ids);
    const oracle = new Map((await oracleCommits(dir)).map((c) => [c.sha, c]));
    for (const c of commits) {
      const { additions: _a, deletions: _d, files_changed: _f, ...fields } = c;
      expect(fields).toEqual(oracle.get(c['sha'] as string));
    }

    // Per-file changes and per-commit totals: `git log --numstat --diff-merges=first-parent`.
    const files = await query(out(), `SELECT sha, path, old_path, status, additions, deletions FROM commit_files WHERE repository = '${esc}'`);
    const expected = await oracleFiles(dir);
    const order = (f: Record<string, unknown>): string => `${String(f['sha'])}\0${String(f['path'])}`;
    expect(files.sort((a, b) => (order(a) < order(b) ? -1 : 1))).toEqual(
      (expected as unknown as Record<string, unknown>[]).sort((a, b) => (order(a) < order(b) ? -1 : 1)),
    );
    for (const c of commits) {
      const mine = expected.filter((f) => f.sha === c['sha']);
      expect([c['sha'], c['files_changed'], c['additions'], c['deletions']]).toEqual([
        c['sha'],
        mine.length,
        mine.reduce((n, f) => n + (f.additions ?? 0), 0),
        mine.reduce((n, f) => n + (f.deletions ?? 0), 0),
      ]);
    }

    // Branches, and ownership at the default branch's tip: the counts of `git blame`.
    const branches = await query<{ name: string; sha: string; is_default: boolean }>(out(), `SELECT name, sha, is_default FROM branches WHERE repository = '${esc}' ORDER BY name`);
    const refs = (await gitText(dir, ['for-each-ref', '--format=%(refname:short) %(objectname) %(HEAD)', 'refs/heads'])).replace(/\n$/, '');
    expect(branches.map((b) => `${b.name} ${b.sha} ${b.is_default ? '*' : ' '}`)).toEqual(refs === '' ? [] : refs.split('\n').sort());
    const [repo] = await query<{ head_sha: string | null; is_empty: boolean; is_shallow: boolean; default_branch: string | null }>(
      out(),
      `SELECT head_sha, is_empty, is_shallow, default_branch FROM repositories WHERE repository = '${esc}'`,
    );
    expect(repo!.is_shallow).toBe(name === 'shallow');
    expect(repo!.is_empty).toBe(name === 'empty');
    const ownership = await query<{ path: string; email: string; lines: number }>(
      out(),
      `SELECT path, lower(trim(author_email)) AS email, lines FROM ownership WHERE repository = '${esc}'`,
    );
    if (name === 'empty') {
      expect([repo!.head_sha, ownership.length, commits.length]).toEqual([null, 0, 0]);
      return;
    }
    expect(repo!.head_sha).toBe((await gitText(dir, ['rev-parse', 'HEAD'])).trim());
    const blame = await oracleOwnership(dir, repo!.head_sha!);
    expect(new Map(ownership.map((o) => [`${o.path}\0${o.email}`, o.lines]))).toEqual(blame);
    // The same identities as the commits: git blame and git log apply the same .mailmap.
    const commitEmails = new Set(commits.map((c) => String(c['author_email']).toLowerCase()));
    for (const o of ownership) expect(commitEmails.has(o.email), o.email).toBe(true);
  });

  it('in process, on the caller\'s engines, the rows are the same as from the git helper process', async () => {
    const engines = new EngineSet();
    const local = [...fleet.keys()].filter((k) => !k.startsWith('http'));
    const cloned = [...fleet.keys()].filter((k) => k.startsWith('http'));
    const inProcess = join(root.path, 'in-process');
    try {
      const { summary: s } = await drain(mine([...local, ...cloned], { out: inProcess, session: isolatedSession(), engines }));
      expect(s.published).toBe(fleet.size);
    } finally {
      await engines.close();
    }
    for (const table of ['repositories', 'commits', 'commit_files', 'branches', 'ownership']) {
      const q = `SELECT * ${table === 'repositories' ? 'EXCLUDE (published_time)' : ''} FROM ${table} ORDER BY ALL`;
      expect(await query(inProcess, q), table).toEqual(await query(out(), q));
    }
  });

  it('ownership comes from one walk over history: row for row (names too) what git blame of every file gives', async () => {
    // A git on PATH that records its argv, then runs the real one (the helper process inherits PATH).
    const shim = await createTempDir('gitfleet-mine-git-shim-');
    const real = (await gitText(root.path, ['--exec-path'])).trim();
    const calls = join(shim.path, 'calls.log');
    await writeFile(join(shim.path, 'git'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${real}/git' "$@"\n`, { mode: 0o755 });
    const local = [...fleet.keys()].filter((k) => !k.startsWith('http'));
    const path = process.env['PATH'];
    process.env['PATH'] = `${shim.path}:${path ?? ''}`;
    try {
      const walked = join(root.path, 'walked');
      await drain(mine(local, { out: walked, session: isolatedSession(), cache: false }));
      const blames = (await readFile(calls, 'utf8')).split('\n').filter((l) => /(^| )blame /.test(l));
      // Only files the walk cannot attribute go to git blame: the shallow clone's boundary, binaries.
      const files = await query<{ n: number }>(walked, 'SELECT count(*)::INTEGER AS n FROM ownership');
      expect(blames.length).toBeLessThan(files[0]!.n / 3);
      const blamed = join(root.path, 'blamed');
      await drain(mine(local, { out: blamed, session: isolatedSession(), cache: false, blameLines: true }));
      const q = 'SELECT * FROM ownership ORDER BY ALL';
      const rows = await query(walked, q);
      expect(rows.length).toBeGreaterThan(50);
      expect(rows).toEqual(await query(blamed, q));
    } finally {
      process.env['PATH'] = path;
      await shim.cleanup();
    }
  });

  it("the tricky repository's .mailmap is applied in commits and ownership, local and cloned alike", async () => {
    const rows = await query<{ repository: string; names: string }>(
      out(),
      `SELECT repository, string_agg(DISTINCT author_name || ' <' || author_email || '>', ', ' ORDER BY author_name || ' <' || author_email || '>') AS names
       FROM ownership WHERE repository LIKE '%tricky%' GROUP BY ALL ORDER BY repository`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]!.names).toBe(rows[1]!.names);
    expect(rows[0]!.names).not.toContain('dpatel@old-corp.example');
  });
});
