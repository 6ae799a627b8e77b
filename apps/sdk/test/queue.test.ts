import { join } from 'node:path';
import { createTempDir, createTrickyRepo, git, startGitHttpServer, startRedis, type GitHttpServer, type RedisServer, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type QueueWorkerEvent } from '../src/index.js';

// The SDK's coordinator and embedded workers on a real Redis, against the forge: 4 workers and 3
// tokens of 50 requests spend one budget per identity, kept in Redis, and no request is refused.

const TOKENS = ['ghp_queueAdaAAAAAAAAAAAAAAAAAAAAAAAAAAAA1', 'ghp_queueBobBBBBBBBBBBBBBBBBBBBBBBBBBBBB2', 'ghp_queueCyCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3'];
const REPOS = Array.from({ length: 60 }, (_, i) => `r${String(i).padStart(2, '0')}`);
const LIMIT = 50;
const RESET_SECONDS = 8;

let work: TempDir;
let server: GitHttpServer;
let forge: ForgeServer;
let redis: RedisServer;
beforeAll(async () => {
  work = await createTempDir('gitfleet-sdk-queue-');
  await using tricky = await createTrickyRepo();
  const served = join(work.path, 'served');
  for (const name of REPOS) await git(work.path, ['clone', '--quiet', '--bare', tricky.path, join(served, 'acme', `${name}.git`)]);
  server = await startGitHttpServer({ root: served });
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['ada'] }], repos: REPOS.map((name) => ({ owner: 'acme', name, issues: 2, pulls: 2 })) },
    identities: TOKENS.map((token, i) => ({ token, login: ['ada', 'bob', 'cy'][i]!, limit: LIMIT })),
    // Short windows: the run needs more than 3 x 50 requests, so budgets run out and refill while it goes.
    resetSeconds: RESET_SECONDS,
    webUrl: `http://127.0.0.1:${String(server.port)}`,
  });
  redis = await startRedis({ persistent: false });
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.close(), forge?.close(), redis?.stop()]);
  await work?.cleanup();
});

describe('GitFleet.enqueueMine and startWorker', () => {
  it('4 workers and 3 tokens of 50 requests: one budget per identity in Redis, no request refused, every repository mined', async () => {
    const gf = createGitFleet({
      cache: join(work.path, 'cache'),
      env: { ...process.env, GITHUB_API_URL: forge.githubUrl, GITHUB_TOKENS: TOKENS.join(','), GITHUB_TOKEN: '', GH_TOKEN: '', GITFLEET_CREDENTIALS_FILE: join(work.path, 'none.enc') },
    });
    try {
      const events: QueueWorkerEvent[][] = [[], [], [], []];
      const workers = events.map((mine) => gf.startWorker({ queue: redis.url, concurrency: 2, onEvent: (e) => mine.push(e) }));
      await Promise.all(workers.map((w) => w.ready));
      const out = join(work.path, 'data');
      const run = await gf.enqueueMine(['github:acme'], { out, queue: redis.url, with: ['prs', 'issues', 'contributors'], blame: false });
      expect(run.repositories).toBe(REPOS.length);
      const summary = await run.watch().summary;
      expect(summary).toMatchObject({ repositories: REPOS.length, published: REPOS.length, failed: 0 });
      // The workers shared the jobs; the provider data of each repository is in.
      expect(events.filter((mine) => mine.some((e) => e.type === 'finished')).length).toBeGreaterThanOrEqual(2);
      expect(events.flat().filter((e) => e.type === 'finished')).toHaveLength(REPOS.length);
      const dataset = await gf.openDataset(out);
      expect(await dataset.query('SELECT count(DISTINCT repository)::INTEGER AS n FROM issues')).toEqual([{ n: REPOS.length }]);
      // The forge's view: no request refused for a spent budget, and no identity spent more than it had.
      const refused = forge.requests.filter((r) => r.status === 403 || r.status === 429);
      expect(refused).toEqual([]);
      const charged = forge.requests.filter((r) => r.charged).length;
      expect(charged).toBeGreaterThan(LIMIT * 2); // more than two identities could pay for
      for (const login of ['ada', 'bob', 'cy']) expect(forge.budget(login).remaining).toBeGreaterThanOrEqual(0);
    } finally {
      await gf.close();
    }
  });
});
