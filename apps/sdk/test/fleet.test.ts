import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, createTrickyRepo, git, gitText, startGitHttpServer, type GitHttpServer, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type FleetTask, type GitFleet } from '../src/index.js';

const API_TOKEN = 'ghp_sdkfleetAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const GIT_TOKEN = 'git-token-sdk-fleet-CCCCCCCCCC';

let tricky: TrickyRepo;
let work: TempDir;
let server: GitHttpServer;
let forge: ForgeServer;
beforeAll(async () => {
  [tricky, work] = await Promise.all([createTrickyRepo(), createTempDir('gitfleet-sdk-fleet-')]);
  const served = join(work.path, 'served');
  for (const name of ['acme/web.git', 'acme/api.git', 'acme/slow.git']) await git(work.path, ['clone', '--quiet', '--bare', tricky.path, join(served, name)]);
  server = await startGitHttpServer({ root: served, token: GIT_TOKEN });
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['ada'] }], repos: ['web', 'api', 'gone'].map((name) => ({ owner: 'acme', name })) },
    identities: [{ token: API_TOKEN, login: 'ada' }],
    webUrl: `http://127.0.0.1:${String(server.port)}`,
  });
});
afterAll(async () => {
  await Promise.all([server?.close(), forge?.close()]);
  await Promise.all([tricky?.cleanup(), work?.cleanup()]);
});

function gitfleet(): GitFleet {
  return createGitFleet({
    cache: false,
    env: {
      ...process.env,
      GITHUB_API_URL: forge.githubUrl,
      GITHUB_TOKEN: API_TOKEN,
      GITFLEET_GIT_TOKENS: `127.0.0.1:${String(server.port)}=${GIT_TOKEN}`,
      GITFLEET_CREDENTIALS_FILE: join(work.path, 'none.enc'),
    },
  });
}

describe('GitFleet: fleets', () => {
  it('clones every repository of an org from the listing, with the git token of that host only; a missing one fails alone; a rerun refreshes', async () => {
    const destination = join(work.path, 'clones');
    const gf = gitfleet();
    try {
      const fleet = await gf.fleet(gf.repositories('github:acme'), { destination, bare: true, retries: 0 });
      const states: string[] = [];
      fleet.on('state', (task: FleetTask) => states.push(`${task.name}:${task.status}`));
      const results = await fleet.cloneAll();
      expect(results.map((r) => [r.url.replace(/^.*\//, ''), r.status]).sort()).toEqual([
        ['api.git', 'completed'],
        ['gone.git', 'failed'],
        ['web.git', 'completed'],
      ]);
      expect(states).toEqual(expect.arrayContaining(['web:completed', 'api:completed', 'gone:failed']));
      // Exactly the server's refs: the git CLI is the oracle.
      for (const name of ['web', 'api']) {
        const clone = results.find((r) => r.url.endsWith(`/acme/${name}.git`))!.path!;
        expect(await gitText(clone, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])).toBe(
          await gitText(join(work.path, 'served', 'acme', `${name}.git`), ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags']),
        );
      }
      // git asks anonymously first; every credential it then sent was this host's token.
      const sent = server.requests.flatMap((r) => (r.authorization ? [Buffer.from(r.authorization.replace(/^Basic /, ''), 'base64').toString().split(':')[1]] : []));
      expect(sent.length).toBeGreaterThan(0);
      expect(new Set(sent)).toEqual(new Set([GIT_TOKEN]));
      expect(JSON.stringify([results, fleet.snapshot()])).not.toContain(GIT_TOKEN);

      const again = await (await gf.fleet([server.url('acme/web.git')], { destination, bare: true })).cloneAll();
      expect(again).toEqual([expect.objectContaining({ status: 'completed', refreshed: true })]);
    } finally {
      await gf.close();
    }
  });

  it('takes URLs, provider repositories and github:owner/repo, and refuses anything else in one line', async () => {
    const gf = gitfleet();
    try {
      const fleet = await gf.fleet([server.url('acme/web.git'), { cloneUrl: server.url('acme/api.git') }, 'github:acme/tools']);
      expect(fleet.snapshot().map((t) => t.url)).toEqual([server.url('acme/web.git'), server.url('acme/api.git'), `${new URL(forge.githubUrl).origin}/acme/tools.git`]);
      await expect(gf.fleet([42 as unknown as string])).rejects.toMatchObject({ code: 'GITFLEET_SDK_INVALID_OPTION', message: expect.stringMatching(/^fleet: expected a URL.*got 42$/) });
      await expect(gf.fleet(['github:acme'])).rejects.toMatchObject({ code: 'GITFLEET_SESSION_INVALID_OPTION' });
    } finally {
      await gf.close();
    }
  });

  it('close() aborts the clones in flight and removes temp-dir clones', async () => {
    server.configure('acme/slow.git', { bytesPerSecond: 2_000 });
    const gf = gitfleet();
    const fleet = await gf.fleet([server.url('acme/web.git'), server.url('acme/slow.git')], { retries: 0 });
    const cloning = new Promise<void>((resolve) => fleet.on('progress', (task: FleetTask) => task.name === 'slow' && task.progress.receivedObjects > 0 && resolve()));
    const settled = fleet.cloneAll();
    await cloning;
    const web = await fleet.clone(server.url('acme/web.git'));
    expect(web.status).toBe('completed');
    expect(existsSync(web.path!)).toBe(true);
    const started = Date.now();
    await gf.close();
    const results = await settled;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(results.find((r) => r.url.endsWith('slow.git'))).toMatchObject({ status: 'failed', error: { code: 'GITFLEET_GIT_ABORTED' } });
    expect(existsSync(web.path!)).toBe(false);
    expect(gf.closed).toBe(true);
    await expect(gf.fleet([server.url('acme/web.git')])).rejects.toMatchObject({ code: 'GITFLEET_SDK_CLOSED' });
    server.configure('acme/slow.git', {});
  });

  it('clones nothing into the destination that is not complete', async () => {
    const destination = join(work.path, 'partial');
    server.configure('acme/slow.git', { bytesPerSecond: 2_000 });
    const gf = gitfleet();
    const fleet = await gf.fleet([server.url('acme/slow.git')], { destination, retries: 0 });
    const cloning = new Promise<void>((resolve) => fleet.on('progress', (task: FleetTask) => task.progress.receivedObjects > 0 && resolve()));
    const settled = fleet.cloneAll();
    await cloning;
    await gf.close();
    expect((await settled)[0]).toMatchObject({ status: 'failed' });
    expect(await readdir(destination).catch(() => [])).toEqual([]);
    server.configure('acme/slow.git', {});
  });
});
