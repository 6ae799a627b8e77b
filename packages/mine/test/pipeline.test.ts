// Incremental reruns, failures, progress events and abort, on a fleet served over smart HTTP.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitFiles, createBareClone, createTempDir, generateLargeRepo, git, gitText, startGitHttpServer, type GitHttpServer, type TempDir } from '@gitfleet/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clonePath, mine, type MineEvent } from '../src/index.js';
import { descendants, drain, isolatedSession, query } from './helpers.js';
import { revList } from './oracle.js';

const NAMES = ['alpha', 'beta', 'gamma', 'delta'];
let root: TempDir;
let server: GitHttpServer;
let work: string;

beforeAll(async () => {
  root = await createTempDir('gitfleet-mine-pipeline-');
  await using source = await generateLargeRepo({ commits: 120, files: 30, seed: 21 });
  for (const name of NAMES) await createBareClone(source.path, { dir: join(root.path, 'srv', `${name}.git`) });
  work = join(root.path, 'work');
  await git(root.path, ['clone', '-q', join(root.path, 'srv', 'beta.git'), work]);
  server = await startGitHttpServer({ root: join(root.path, 'srv') });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await root?.cleanup();
});

const urls = (): string[] => NAMES.map((n) => server.url(`${n}.git`));
const run = (out: string, sources: string[] = urls(), extra: Record<string, unknown> = {}) =>
  drain(mine(sources, { out, session: isolatedSession(), cache: false, ...extra }));

/** Mtime of each repository's published state: it changes only when the repository is published again. */
async function publishedStamps(out: string): Promise<Map<string, number>> {
  const rows = await query<{ repository: string; published_time: number }>(out, 'SELECT repository, published_time FROM repositories');
  return new Map(rows.map((r) => [r.repository, r.published_time]));
}

describe('incremental runs', () => {
  it('an unchanged rerun costs one fetch per repository and publishes nothing; a push republishes that repository alone', async () => {
    const out = join(root.path, 'incremental');
    const first = await run(out);
    expect(first.summary.published).toBe(4);
    const commitsFile = join(out, 'commits');
    const before = await stat(commitsFile);

    server.requests.length = 0;
    const again = await run(out);
    expect([again.summary.published, again.summary.unchanged, again.summary.failed]).toEqual([0, 4, 0]);
    expect(again.events.filter((e) => e.type === 'published')).toEqual([]);
    // A fetch with nothing new: ref discovery and the ref listing, no pack.
    for (const name of NAMES) {
      const requests = server.requests.filter((r) => r.repo === `${name}.git`);
      expect(requests.length, name).toBeGreaterThan(0);
      expect(requests.filter((r) => r.pack), name).toEqual([]);
    }
    expect((await stat(commitsFile)).mtimeMs).toBe(before.mtimeMs);
    const stamps = await publishedStamps(out);

    await commitFiles(work, { 'new.txt': 'new\n' }, { message: 'new work' });
    await git(work, ['push', '-q', 'origin', 'HEAD']);
    await sleep(1100); // published_time has one-second resolution
    const third = await run(out);
    expect(third.summary.results.map((r) => [r.repository, r.status]).sort()).toEqual(
      urls().map((u) => [u, u.endsWith('/beta.git') ? 'published' : 'unchanged']).sort(),
    );
    const after = await publishedStamps(out);
    for (const url of urls()) expect(after.get(url) === stamps.get(url), url).toBe(!url.endsWith('/beta.git'));
    const beta = server.url('beta.git');
    const ids = await query<{ sha: string }>(out, `SELECT sha FROM commits WHERE repository = '${beta}' ORDER BY sha`);
    expect(ids.map((r) => r.sha)).toEqual(await revList(clonePath(join(out, '.clones'), beta)));
    expect(ids).toHaveLength(121);
  });

  it('changing an option that shapes the rows mines every repository again', async () => {
    const out = join(root.path, 'options');
    await run(out);
    const again = await run(out, urls(), { excludePaths: ['src/**'] });
    expect(again.summary.published).toBe(4);
    const [excluded] = await query<{ n: number }>(out, "SELECT count(*)::INTEGER AS n FROM commit_files WHERE path LIKE 'src/%'");
    expect(excluded!.n).toBe(0);
  });

  it('a branch the server rewrote is cloned afresh and mined as the server has it', async () => {
    const out = join(root.path, 'rewrite');
    const gamma = server.url('gamma.git');
    await run(out, [gamma]);
    // Rewrite main on the server: drop its last commit and add another.
    const rewrite = join(root.path, 'rewrite-work');
    await git(root.path, ['clone', '-q', join(root.path, 'srv', 'gamma.git'), rewrite]);
    await git(rewrite, ['reset', '-q', '--hard', 'HEAD~1']);
    await commitFiles(rewrite, { 'other.txt': 'other\n' }, { message: 'rewritten' });
    await git(rewrite, ['push', '-q', '--force', 'origin', 'HEAD:main']);
    const again = await run(out, [gamma]);
    expect(again.summary.results).toMatchObject([{ repository: gamma, status: 'published' }]);
    const ids = await query<{ sha: string }>(out, `SELECT sha FROM commits WHERE repository = '${gamma}' ORDER BY sha`);
    expect(ids.map((r) => r.sha)).toEqual(await revList(join(root.path, 'srv', 'gamma.git')));
  });
});

describe('failures', () => {
  it('a repository that fails is recorded in errors with its stage; the rest complete', async () => {
    const out = join(root.path, 'failures');
    const notRepo = await createTempDir('gitfleet-not-a-repo-');
    try {
      const sources = [...urls(), server.url('missing.git'), notRepo.path, 'gitlab:'];
      const { summary, events } = await run(out, sources, { retries: 0 });
      expect([summary.published, summary.failed]).toEqual([4, 3]);
      const failed = events.filter((e): e is Extract<MineEvent, { type: 'failed' }> => e.type === 'failed');
      expect(failed.map((e) => [e.repository, e.stage, e.error.code]).sort()).toEqual(
        [
          [server.url('missing.git'), 'clone', 'GITFLEET_GIT_CLONE_FAILED'],
          [notRepo.path, 'open', 'GITFLEET_GIT_NOT_A_REPOSITORY'],
          ['gitlab:', 'source', 'GITFLEET_MINE_INVALID_SOURCE'],
        ].sort(),
      );
      const errors = await query<{ repository: string; phase: string; code: string }>(out, 'SELECT repository, phase, code FROM errors ORDER BY repository');
      expect(errors.map((e) => [e.repository, e.phase, e.code]).sort()).toEqual(failed.map((e) => [e.repository, e.stage, e.error.code]).sort());
      expect(summary.authors).toBeGreaterThan(0);
    } finally {
      await notRepo.cleanup();
    }
  });
});

describe('progress events and abort', () => {
  it('reports each repository through its stages, then its end; the summary agrees with the events', async () => {
    const out = join(root.path, 'events');
    const { events, summary } = await run(out, urls().slice(0, 2));
    for (const url of urls().slice(0, 2)) {
      const mineOnly = events.filter((e) => 'repository' in e && e.repository === url);
      expect(mineOnly[0]).toMatchObject({ type: 'queued', repository: url, source: url });
      expect(mineOnly.at(-1)).toMatchObject({ type: 'published', repository: url });
      const stages = [...new Set(mineOnly.flatMap((e) => (e.type === 'progress' ? [e.stage] : [])))];
      expect(stages).toEqual(['clone', 'history', 'blame', 'write']);
      const blame = mineOnly.filter((e) => e.type === 'progress' && e.stage === 'blame').at(-1);
      const served = join(root.path, 'srv', url.split('/').pop()!);
      const files = (await gitText(served, ['ls-tree', '-r', '--name-only', 'HEAD'])).trim().split('\n').length;
      expect(blame).toMatchObject({ done: files, total: files });
      const history = mineOnly.filter((e) => e.type === 'progress' && e.stage === 'history').at(-1);
      expect(history).toMatchObject({ done: Number((await gitText(served, ['rev-list', '--count', 'HEAD'])).trim()) });
    }
    expect(events.at(-1)).toMatchObject({ type: 'finalized', repositories: 2 });
    const counts = await Promise.all(urls().slice(0, 2).map(async (u) => Number((await gitText(join(root.path, 'srv', u.split('/').pop()!), ['rev-list', '--count', '--branches'])).trim())));
    expect(summary.rows.commits).toBe(counts[0]! + counts[1]!);
  });

  it('an abort settles the run within a few seconds: what finished stays, the rest is interrupted, no git process is left', async () => {
    const out = join(root.path, 'abort');
    server.configure('delta.git', { fault: 'slow-start', slowStartMs: 20_000 });
    try {
      const controller = new AbortController();
      const started = mine(urls(), { out, session: isolatedSession(), cache: false, signal: controller.signal });
      const seen: MineEvent[] = [];
      const reader = (async () => {
        for await (const event of started) {
          seen.push(event);
          if (seen.filter((e) => e.type === 'published').length === 3) controller.abort();
        }
      })();
      const summary = await started.summary;
      const abortedAt = Date.now();
      await reader;
      expect(summary.aborted).toBe(true);
      expect(summary.published).toBe(3);
      expect(summary.results.find((r) => r.repository === server.url('delta.git'))).toMatchObject({ status: 'interrupted' });
      expect(summary.authors).toBeNull();
      while (descendants(/\bgit\b/).length > 0 && Date.now() - abortedAt < 2000) await sleep(50);
      expect(descendants(/\bgit\b/)).toEqual([]);
      // Nothing of the interrupted repository was published, nor recorded as an error.
      const rows = await query<{ repository: string }>(out, 'SELECT repository FROM repositories UNION ALL SELECT repository FROM errors');
      expect(rows.map((r) => r.repository).sort()).toEqual(urls().filter((u) => !u.endsWith('/delta.git')).sort());
    } finally {
      server.configure('delta.git', {});
    }
  });

  it('rejects bad options at once, with one line naming the option', () => {
    expect(() => mine([], { out: '' })).toThrow(expect.objectContaining({ code: 'GITFLEET_MINE_INVALID_OPTION', message: expect.stringMatching(/^out must be/) }));
    expect(() => mine([], { out: 'x', since: 'last tuesday' })).toThrow(/since must be a date/);
    expect(() => mine([], { out: 'x', with: ['commits' as never] })).toThrow(/with: unknown "commits"/);
    expect(() => mine([], { out: 'x', jobs: 0 })).toThrow(/jobs must be an integer >= 1/);
  });
});

describe('sources', () => {
  it('a clone URL with credentials is keyed without them; the same repository twice is mined once', async () => {
    const out = join(root.path, 'sources');
    const withUser = server.url('alpha.git').replace('http://', 'http://someone@');
    const { summary } = await run(out, [withUser, server.url('alpha.git')]);
    expect(summary.results.map((r) => [r.repository, r.status])).toEqual([[server.url('alpha.git'), 'published']]);
    expect((await gitText(clonePath(join(out, '.clones'), server.url('alpha.git')), ['rev-parse', '--is-bare-repository'])).trim()).toBe('true');
  });
});
