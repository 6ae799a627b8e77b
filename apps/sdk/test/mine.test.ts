import { join } from 'node:path';
import { createTempDir, createTrickyRepo, git, gitText, startGitHttpServer, type GitHttpServer, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type GitFleet, type MineEvent, type MineRun, type MineSummary } from '../src/index.js';

const API_TOKEN = 'ghp_sdkmineAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const GIT_TOKEN = 'git-token-sdk-mine-DDDDDDDDDD';

let tricky: TrickyRepo;
let work: TempDir;
let server: GitHttpServer;
let forge: ForgeServer;
beforeAll(async () => {
  [tricky, work] = await Promise.all([createTrickyRepo(), createTempDir('gitfleet-sdk-mine-')]);
  const served = join(work.path, 'served');
  for (const name of ['web', 'api', 'slow']) await git(work.path, ['clone', '--quiet', '--bare', tricky.path, join(served, 'acme', `${name}.git`)]);
  server = await startGitHttpServer({ root: served, token: GIT_TOKEN });
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['ada'] }], repos: ['web', 'api', 'gone'].map((name) => ({ owner: 'acme', name, issues: 2 })) },
    identities: [{ token: API_TOKEN, login: 'ada', limit: 1000 }],
    webUrl: `http://127.0.0.1:${String(server.port)}`,
  });
});
afterAll(async () => {
  await Promise.all([server?.close(), forge?.close()]);
  await Promise.all([tricky?.cleanup(), work?.cleanup()]);
});

function gitfleet(): GitFleet {
  return createGitFleet({
    cache: join(work.path, 'cache'),
    env: {
      ...process.env,
      GITHUB_API_URL: forge.githubUrl,
      GITHUB_TOKEN: API_TOKEN,
      GITFLEET_GIT_TOKENS: `127.0.0.1:${String(server.port)}=${GIT_TOKEN}`,
      GITFLEET_CREDENTIALS_FILE: join(work.path, 'none.enc'),
    },
  });
}

async function drain(run: MineRun): Promise<{ events: MineEvent[]; summary: MineSummary }> {
  const events: MineEvent[] = [];
  for await (const event of run) events.push(event);
  return { events, summary: await run.summary };
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean).sort();

describe('GitFleet: mine', () => {
  it("mines an org and a local repository with the GitFleet's session (pool, HTTP cache, git tokens) and engines: exact, a failure alone, a free unchanged rerun", async () => {
    const out = join(work.path, 'data');
    const gf = gitfleet();
    try {
      const { events, summary } = await drain(gf.mine(['github:acme', tricky.path], { out, with: ['issues'] }));
      expect(summary).toMatchObject({ repositories: 4, published: 3, failed: 1, aborted: false });
      expect(events.filter((e) => e.type === 'failed').map((e) => e.repository)).toEqual(['acme/gone']);
      expect(events.at(-1)?.type).toBe('finalized');

      const dataset = await gf.openDataset(out);
      // Per repository, the commit ids are what the git CLI lists on the server's branches.
      for (const [repository, dir] of [
        ['acme/web', join(work.path, 'served', 'acme', 'web.git')],
        ['acme/api', join(work.path, 'served', 'acme', 'api.git')],
      ] as const) {
        const shas = await dataset.query<{ sha: string }>('SELECT sha FROM commits WHERE repository = $repository', { repository });
        expect(shas.map((r) => r.sha).sort()).toEqual(lines(await gitText(dir, ['rev-list', '--branches'])));
      }
      expect(await dataset.query('SELECT repository, count(*) AS n FROM issues GROUP BY ALL ORDER BY 1')).toEqual([
        { repository: 'acme/api', n: 2 },
        { repository: 'acme/web', n: 2 },
      ]);
      expect(await dataset.query('SELECT repository, phase FROM errors')).toEqual([{ repository: 'acme/gone', phase: expect.any(String) }]);
      // The clones were fetched with the git token of that host, which no result carries.
      expect(server.requests.some((r) => r.authorization)).toBe(true);
      expect(JSON.stringify([events, summary])).not.toContain(GIT_TOKEN);

      // The same GitFleet again: nothing changed, nothing published; the listing is answered by free 304s.
      const spent = forge.budget('ada').used;
      const again = await drain(gf.mine(['github:acme', tricky.path], { out, with: ['issues'] }));
      expect(again.summary).toMatchObject({ published: 0, unchanged: 3, failed: 1 });
      expect(forge.budget('ada').used - spent).toBeLessThanOrEqual(1);
      // The run left the shared engines running.
      expect((await gf.branches(tricky.path)).length).toBeGreaterThan(0);
    } finally {
      await gf.close();
    }
  });

  it('close() stops a run and waits for it; a rerun completes the dataset', async () => {
    const out = join(work.path, 'stopped');
    server.configure('acme/slow.git', { bytesPerSecond: 2_000 });
    const sources = [server.url('acme/slow.git'), tricky.path];
    const gf = gitfleet();
    const run = gf.mine(sources, { out });
    let over = false;
    void run.summary.then(() => (over = true));
    // Leaving the loop does not stop the run; close() does, and returns once it has wound down.
    for await (const event of run) if (event.type === 'progress' && event.stage === 'clone' && (event.percent ?? 0) > 0) break;
    expect(over).toBe(false);
    await gf.close();
    expect(over).toBe(true);
    const summary = await run.summary;
    expect(summary.aborted).toBe(true);
    expect(summary.results.find((r) => r.repository === server.url('acme/slow.git'))?.status).toBe('interrupted');
    server.configure('acme/slow.git', {});

    const next = gitfleet();
    try {
      const { summary: rerun } = await drain(next.mine(sources, { out }));
      expect(rerun).toMatchObject({ failed: 0, aborted: false });
      expect(rerun.published + rerun.unchanged).toBe(2);
    } finally {
      await next.close();
    }
  });

  it('rejects bad options at once, and mine after close()', async () => {
    const gf = gitfleet();
    expect(() => gf.mine(['.'], { out: '' })).toThrow(expect.objectContaining({ code: 'GITFLEET_MINE_INVALID_OPTION' }));
    await gf.close();
    expect(() => gf.mine(['.'], { out: join(work.path, 'never') })).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_CLOSED' }));
  });
});
