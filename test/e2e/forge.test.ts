import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createTempDir, startHttpProxy, type HttpProxy, type TempDir } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, text, type CliResult } from './cli.js';

// Tokens of three GitHub identities and one GitLab identity on the fake forge.
const ALICE = 'ghp_aliceAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
const BOB = 'ghp_bobBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';
const CAROL = 'ghp_carolCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3';
const GITLAB = 'glpat-daveDDDDDDDDDDDDDDDDDDD4';
const SECRETS = [ALICE, BOB, CAROL, GITLAB];

let server: ForgeServer;
let home: TempDir;

beforeAll(async () => {
  home = await createTempDir('gitfleet-forge-e2e-');
  server = await startForgeServer({
    seed: {
      orgs: [{ login: 'acme', members: ['alice', 'bob', 'carol'] }],
      groups: [{ path: 'acme/platform' }],
      repos: [
        ...Array.from({ length: 240 }, (_, i) => ({ owner: 'acme', name: `svc-${String(i).padStart(3, '0')}`, private: i % 10 === 0 })),
        {
          owner: 'acme',
          name: 'api',
          issues: 7,
          pulls: 6,
          contributors: [
            { login: 'alice', contributions: 40 },
            { login: 'bob', contributions: 12 },
          ],
        },
        { owner: 'acme/platform', name: 'tools', issues: 3, pulls: 4 },
        { owner: 'acme', name: 'web' },
      ],
    },
    identities: [
      { token: ALICE, login: 'alice', limit: 100 },
      { token: BOB, login: 'bob', limit: 100 },
      { token: CAROL, login: 'carol', limit: 100 },
      { token: GITLAB, login: 'dave', provider: 'gitlab' },
    ],
  });
});

afterAll(async () => {
  await server?.close();
  await home.cleanup();
});

/** Environment of a user with a token pool, a private cache dir and credential file. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_API_URL: server.githubUrl,
    GITLAB_API_URL: server.gitlabUrl,
    GITHUB_TOKENS: `${ALICE},${BOB}`,
    GITLAB_TOKEN: GITLAB,
    GITFLEET_CACHE_DIR: join(home.path, 'cache'),
    GITFLEET_CREDENTIALS_FILE: join(home.path, 'credentials.enc'),
    GITHUB_TOKEN: '',
    GH_TOKEN: '',
    GITLAB_TOKENS: '',
    GITFLEET_CREDENTIALS_PASSPHRASE: '',
    GITFLEET_CREDENTIALS_KEY: '',
    ...extra,
  };
}

function expectNoSecrets(result: CliResult): void {
  for (const secret of SECRETS) {
    expect(text(result)).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

const spent = (login: string): number => server.budget(login).used;

describe('gitfleet repos / issues / pulls / contributors against the fake forge', () => {
  it('lists an org with its private repositories, one normalized model per ndjson line, across pages', async () => {
    const result = await runCli(['repos', 'github:acme', '--format', 'ndjson', '--no-cache'], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const repos = ndjson<{ fullName: string; private: boolean; raw?: unknown; provider: string }>(result);
    expect(repos).toHaveLength(242);
    expect(new Set(repos.map((r) => r.fullName)).size).toBe(242);
    expect(repos.filter((r) => r.private)).toHaveLength(24);
    expect(repos[0]).toMatchObject({ provider: 'github' });
    expect(repos[0]?.raw).toBeUndefined();
    // 3 pages of 100 went to the org endpoint.
    expect(server.requests.filter((r) => r.path.startsWith('/orgs/acme/repos')).length).toBeGreaterThanOrEqual(3);
    expectNoSecrets(result);
  });

  it('keeps the raw payload with --raw, and stops early with --limit', async () => {
    const before = server.requests.length;
    const result = await runCli(['repos', 'github:acme', '--format', 'ndjson', '--raw', '--limit', '5', '--no-cache'], { env: env() });
    expect(result.code).toBe(0);
    const repos = ndjson<{ raw: { full_name: string } }>(result);
    expect(repos).toHaveLength(5);
    expect(repos[0]?.raw.full_name).toMatch(/^acme\//);
    const pages = server.requests.slice(before).filter((r) => r.path.startsWith('/orgs/acme/repos'));
    expect(pages.length).toBeLessThan(3); // not every page
  });

  it('answers a repeated listing from the cache with 304s that cost no quota', async () => {
    const first = await runCli(['repos', 'github:acme', '--format', 'json'], { env: env({ GITHUB_TOKENS: CAROL }) });
    expect(first.code).toBe(0);
    const used = spent('carol');
    const before = server.requests.length;
    const second = await runCli(['repos', 'github:acme', '--format', 'json'], { env: env({ GITHUB_TOKENS: CAROL }) });
    expect(second.code).toBe(0);
    expect(JSON.parse(text(second))).toEqual(JSON.parse(text(first)));
    expect(spent('carol')).toBe(used);
    const again = server.requests.slice(before).filter((r) => r.path.startsWith('/orgs/acme/repos'));
    expect(again.length).toBeGreaterThanOrEqual(3);
    expect(again.every((r) => r.status === 304 && !r.charged)).toBe(true);
  });

  it('finishes a listing on the other identity when one token is revoked', async () => {
    server.revokeToken(BOB);
    const result = await runCli(['repos', 'github:acme', '--format', 'ndjson', '--no-cache'], { env: env() });
    expect(result.code).toBe(0);
    expect(ndjson(result)).toHaveLength(242);
    expectNoSecrets(result);
  });

  it('lists issues (pull requests left out) and pulls with a state filter, in tables and json', async () => {
    const issues = await runCli(['issues', 'github:acme/api', '--state', 'all', '--format', 'json', '--no-cache'], { env: env() });
    expect(issues.code).toBe(0);
    const all = JSON.parse(text(issues)) as { number: number; state: string }[];
    expect(all).toHaveLength(7);
    const open = await runCli(['issues', 'github:acme/api', '--format', 'json', '--no-cache'], { env: env() });
    expect((JSON.parse(text(open)) as { state: string }[]).every((i) => i.state === 'open')).toBe(true);
    const pulls = await runCli(['pulls', 'github:acme/api', '--state', 'closed', '--no-cache'], { env: env() });
    expect(pulls.code).toBe(0);
    expect(text(pulls)).toMatch(/^\s*#\s+state\s+title/);
    expect(text(pulls)).toMatch(/merged/);
    expect(text(pulls)).not.toMatch(/\bopen\b/);
  });

  it('lists contributors, and GitLab merge requests of a project in a subgroup', async () => {
    const contributors = await runCli(['contributors', 'github:acme/api', '--format', 'csv', '--no-cache'], { env: env() });
    expect(contributors.code).toBe(0);
    expect(text(contributors).split('\n')[0]).toContain('login');
    expect(text(contributors)).toMatch(/alice.*40/);
    const mrs = await runCli(['pulls', 'gitlab:acme/platform/tools', '--state', 'all', '--format', 'ndjson', '--no-cache'], { env: env() });
    expect(mrs.stderr).toBe('');
    expect(ndjson<{ provider: string }>(mrs)).toHaveLength(4);
    expect(ndjson<{ provider: string }>(mrs)[0]?.provider).toBe('gitlab');
    const group = await runCli(['repos', 'gitlab:acme', '--format', 'ndjson', '--no-cache'], { env: env() });
    expect(ndjson<{ fullName: string }>(group).map((r) => r.fullName)).toContain('acme/platform/tools');
  });

  it('reports a missing repository and a malformed target clearly', async () => {
    const missing = await runCli(['issues', 'github:acme/nope', '--no-cache'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/i);
    expectNoSecrets(missing);
    const bad = await runCli(['issues', 'github:acme', '--no-cache'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a repository/);
    const unknown = await runCli(['repos', 'bitbucket:acme'], { env: env() });
    expect(unknown.code).toBe(2);
  });
});

describe('gitfleet rate-limit and tokens', () => {
  it("shows each token's budget masked; the first run spends at most the login look-up", async () => {
    const used = spent('alice');
    const result = await runCli(['rate-limit', '--provider', 'github', '--format', 'json'], { env: env({ GITHUB_TOKENS: ALICE }) });
    expect(result.code).toBe(0);
    const rows = JSON.parse(text(result)) as { token: string; login: string; resource: string; remaining: number; limit: number }[];
    const core = rows.find((r) => r.resource === 'core');
    expect(core).toMatchObject({ login: 'alice', limit: 100 });
    expect(core?.token).not.toBe(ALICE);
    expect(core?.token).toMatch(/…/);
    expectNoSecrets(result);
    // /rate_limit is free; the credential check is one /user request.
    expect(spent('alice') - used).toBeLessThanOrEqual(1);
  });

  it('adds, lists, checks and removes stored tokens; the file is encrypted and private', async () => {
    const store = { GITFLEET_CREDENTIALS_PASSPHRASE: 'correct horse battery staple', GITHUB_TOKENS: '', GITLAB_TOKEN: '' };
    const added = await runCli(['tokens', 'add', 'github', '--label', 'work', '--base-url', server.githubUrl], { input: `${CAROL}\n`, env: env(store) });
    expect(added.stderr).toMatch(/stored github token .*\(carol\)/);
    expect(added.code).toBe(0);
    const file = join(home.path, 'credentials.enc');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain(CAROL);

    const list = await runCli(['tokens', 'list', '--format', 'json'], { env: env(store) });
    expect(list.code).toBe(0);
    const entries = JSON.parse(text(list)) as { source: string; label: string; token: string }[];
    expect(entries).toEqual([expect.objectContaining({ source: 'store', label: 'work' })]);

    // The stored token serves listings without any token in the environment.
    const repos = await runCli(['repos', 'github:acme', '--format', 'ndjson', '--limit', '3', '--no-cache'], { env: env(store) });
    expect(repos.stderr).toBe('');
    expect(ndjson(repos)).toHaveLength(3);

    const check = await runCli(['tokens', 'check', '--format', 'json'], { env: env(store) });
    expect(check.code).toBe(0);
    expect(JSON.parse(text(check))).toEqual([expect.objectContaining({ valid: true, login: 'carol' })]);

    const wrong = await runCli(['tokens', 'list'], { env: env({ ...store, GITFLEET_CREDENTIALS_PASSPHRASE: 'wrong' }) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/passphrase|key/i);

    const removed = await runCli(['tokens', 'remove', 'work'], { env: env(store) });
    expect(removed.code).toBe(0);
    const empty = await runCli(['tokens', 'list', '--format', 'json'], { env: env(store) });
    expect(JSON.parse(text(empty))).toEqual([]);
    for (const r of [added, list, repos, check, wrong, removed]) expectNoSecrets(r);
  });

  it('refuses an invalid token on add, and check exits 1 for a revoked one', async () => {
    const store = { GITFLEET_CREDENTIALS_PASSPHRASE: 'pass', GITFLEET_CREDENTIALS_FILE: join(home.path, 'other.enc') };
    const added = await runCli(['tokens', 'add', 'github', '--base-url', server.githubUrl], { input: 'ghp_not_a_real_token\n', env: env(store) });
    expect(added.code).toBe(1);
    expect(added.stderr).not.toContain('ghp_not_a_real_token');
    const check = await runCli(['tokens', 'check', '--format', 'json'], { env: env({ ...store, GITHUB_TOKENS: `${ALICE},${BOB}`, GITLAB_TOKEN: '' }) });
    expect(check.code).toBe(1); // bob's token was revoked above
    const rows = JSON.parse(text(check)) as { valid: boolean; login: string | null }[];
    expect(rows.map((r) => r.valid)).toEqual([true, false]);
    expectNoSecrets(check);
  });
});

describe('a pool of three tokens: quota, waits and messages', () => {
  // Three GitHub identities with separate budgets, one GitLab identity, an org of 12 pages.
  const A = 'ghp_poolAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1';
  const B = 'ghp_poolBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2';
  const C = 'ghp_poolCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3';
  const LAB = 'glpat-poolLLLLLLLLLLLLLLLLLL4';
  const LOGINS = ['ann', 'ben', 'cat'];
  let forge: ForgeServer;
  let dir: TempDir;

  beforeAll(async () => {
    dir = await createTempDir('gitfleet-pool-e2e-');
    forge = await startForgeServer({
      seed: {
        orgs: [{ login: 'bigco', members: LOGINS }],
        repos: Array.from({ length: 1200 }, (_, i) => ({ owner: 'bigco', name: `r-${String(i).padStart(4, '0')}`, private: i % 50 === 0 })),
      },
      identities: [
        { token: A, login: 'ann' },
        { token: B, login: 'ben' },
        { token: C, login: 'cat' },
        { token: LAB, login: 'ann', provider: 'gitlab' },
      ],
    });
  });
  afterAll(async () => {
    await forge?.close();
    await dir.cleanup();
  });

  let cacheCount = 0;
  /** Three GitHub tokens, one GitLab token, and a cache directory of its own per call unless given. */
  function poolEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GITHUB_API_URL: forge.githubUrl,
      GITLAB_API_URL: forge.gitlabUrl,
      GITHUB_TOKENS: `${A},${B},${C}`,
      GITHUB_TOKEN: '',
      GH_TOKEN: '',
      GITLAB_TOKEN: LAB,
      GITLAB_TOKENS: '',
      GITFLEET_CACHE_DIR: join(dir.path, `cache-${++cacheCount}`),
      GITFLEET_CREDENTIALS_FILE: join(dir.path, 'none.enc'),
      GITFLEET_CREDENTIALS_PASSPHRASE: '',
      GITFLEET_CREDENTIALS_KEY: '',
      ...extra,
    };
  }
  const used = (): number => LOGINS.reduce((sum, login) => sum + forge.budget(login).used, 0);
  const noSecrets = (result: CliResult): void => {
    for (const secret of [A, B, C, LAB]) expect(text(result) + result.stderr).not.toContain(secret);
  };

  it('a repeated listing costs no more quota than with one token: every page is a free 304', async () => {
    const env = poolEnv();
    const first = await runCli(['repos', 'github:bigco', '--format', 'ndjson'], { env });
    expect(first.code).toBe(0);
    expect(ndjson(first)).toHaveLength(1200);
    const pages = forge.requests.filter((r) => r.path.startsWith('/orgs/bigco/repos'));
    expect(pages).toHaveLength(12);
    expect(new Set(pages.map((r) => r.identity)).size).toBeGreaterThan(1); // the first listing was spread

    const before = used();
    const mark = forge.requests.length;
    const second = await runCli(['repos', 'github:bigco', '--format', 'ndjson'], { env });
    expect(second.code).toBe(0);
    expect(text(second)).toBe(text(first));
    const again = forge.requests.slice(mark).filter((r) => r.path.startsWith('/orgs/bigco/repos'));
    expect(again).toHaveLength(12);
    expect(again.filter((r) => r.status !== 304)).toEqual([]);
    // Identification is a conditional GET /user too: the whole second run is free.
    expect(used() - before).toBe(0);
    noSecrets(second);
  });

  it('--details --limit 3 fetches exactly 3 repositories in full', async () => {
    const mark = forge.requests.length;
    const result = await runCli(['repos', 'github:bigco', '--details', '--limit', '3', '--format', 'ndjson', '--no-cache'], { env: poolEnv() });
    expect(result.code).toBe(0);
    expect(ndjson(result)).toHaveLength(3);
    const details = forge.requests.slice(mark).filter((r) => r.path.startsWith('/repos/bigco/'));
    expect(details.map((r) => r.path).sort()).toEqual(['/repos/bigco/r-0000', '/repos/bigco/r-0001', '/repos/bigco/r-0002']);
  });

  it('rate-limit says what it costs; a repeated run is free on GitHub, one request per token on GitLab', async () => {
    const help = await runCli(['rate-limit', '--help'], { env: poolEnv() });
    expect(help.code).toBe(0);
    expect(text(help)).not.toMatch(/costs no quota/);
    expect(text(help)).toMatch(/GitLab.*one request per token/s);

    const env = poolEnv();
    const gitlabUsed = (): number => forge.budget('ann', { provider: 'gitlab' }).used;
    const first = await runCli(['rate-limit', '--format', 'json'], { env });
    expect(first.code).toBe(0);
    const rows = JSON.parse(text(first)) as { provider: string; login: string | null; resource: string }[];
    expect(rows.filter((r) => r.provider === 'github' && r.resource === 'core').map((r) => r.login).sort()).toEqual(LOGINS);
    expect(rows.find((r) => r.provider === 'gitlab')).toMatchObject({ login: 'ann', resource: 'gitlab' });

    const before = used();
    const labBefore = gitlabUsed();
    const second = await runCli(['rate-limit', '--format', 'json'], { env });
    expect(second.code).toBe(0);
    expect(used() - before).toBe(0);
    expect(gitlabUsed() - labBefore).toBe(1);
    noSecrets(second);
  });

  it("reads gh's GH_TOKEN like GITHUB_TOKEN", async () => {
    const result = await runCli(['repos', 'github:bigco', '--format', 'ndjson', '--no-cache'], {
      env: poolEnv({ GITHUB_TOKENS: '', GH_TOKEN: B }),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(ndjson<{ private: boolean }>(result).filter((r) => r.private)).toHaveLength(24);
  });

  it('a repository without a provider prefix gets an example of what to write', async () => {
    const result = await runCli(['pulls', 'acme/api'], { env: poolEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/write github:acme\/api or gitlab:acme\/api/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('waiting for a rate-limit reset off a TTY prints one stderr line saying what for and until when', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 6;
    // Identification spends the last unit of every identity: the listing must wait for the reset.
    for (const login of LOGINS) forge.setBudget(login, { remaining: 1, resetAt });
    const result = await runCli(['repos', 'github:bigco', '--limit', '2', '--format', 'ndjson', '--no-cache'], { env: poolEnv() });
    expect(result.code).toBe(0);
    expect(ndjson(result)).toHaveLength(2);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gitfleet: waiting .*github core rate limit/);
    const until = new Date(resetAt * 1000);
    const hhmm = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
    expect(lines[0]).toContain(hhmm);
  });
});

describe('through a proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY)', () => {
  // An HTTPS forge with a self-signed certificate the CLI trusts through NODE_EXTRA_CA_CERTS.
  const TOKEN = 'ghp_proxyPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP1';
  const LAB = 'glpat-proxyPPPPPPPPPPPPPPPPP2';
  let tls: ForgeServer;
  let proxy: HttpProxy;
  let dir: TempDir;
  let cert: string;

  beforeAll(async () => {
    dir = await createTempDir('gitfleet-proxy-e2e-');
    const key = join(dir.path, 'key.pem');
    cert = join(dir.path, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
    tls = await startForgeServer({
      seed: { orgs: [{ login: 'acme', members: ['pat'] }], groups: [{ path: 'acme/tools' }], repos: [{ owner: 'acme', name: 'api', pulls: 3 }, { owner: 'acme/tools', name: 'cli', pulls: 2 }] },
      identities: [
        { token: TOKEN, login: 'pat' },
        { token: LAB, login: 'pat', provider: 'gitlab' },
      ],
      tls: { key: await readFile(key), cert: await readFile(cert) },
    });
    proxy = await startHttpProxy();
  });
  afterAll(async () => {
    await tls?.close();
    await proxy?.close();
    await dir.cleanup();
  });

  const proxyEnv = (vars: Record<string, string>): Record<string, string> => ({
    GITHUB_API_URL: tls.githubUrl,
    GITLAB_API_URL: tls.gitlabUrl,
    GITHUB_TOKEN: TOKEN,
    GH_TOKEN: '',
    GITHUB_TOKENS: '',
    GITLAB_TOKEN: LAB,
    GITLAB_TOKENS: '',
    GITFLEET_CACHE_DIR: join(dir.path, 'cache'),
    GITFLEET_CREDENTIALS_FILE: join(dir.path, 'none.enc'),
    NODE_EXTRA_CA_CERTS: cert,
    ...proxyVars(vars),
  });
  /** Both spellings of each proxy variable (undici, like curl, reads the lower-case one first). */
  const proxyVars = (vars: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) out[name] = out[name.toLowerCase()] = vars[name] ?? '';
    return out;
  };

  it('sends GitHub and GitLab requests through HTTPS_PROXY as CONNECT tunnels: the proxy never sees a token', async () => {
    proxy.requests.length = 0;
    const github = await runCli(['pulls', 'github:acme/api', '--state', 'all', '--format', 'ndjson', '--no-cache'], { env: proxyEnv({ HTTPS_PROXY: proxy.url }) });
    expect(github.stderr).toBe('');
    expect(ndjson(github)).toHaveLength(3);
    const gitlab = await runCli(['pulls', 'gitlab:acme/tools/cli', '--state', 'all', '--format', 'ndjson', '--no-cache'], { env: proxyEnv({ HTTPS_PROXY: proxy.url }) });
    expect(gitlab.stderr).toBe('');
    expect(ndjson(gitlab)).toHaveLength(2);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(proxy.requests.map((r) => `${r.method} ${r.target}`))).toEqual(new Set([`CONNECT 127.0.0.1:${String(tls.port)}`]));
    expect(JSON.stringify(proxy.requests)).not.toMatch(new RegExp(`${TOKEN}|${LAB}`));
    // The forge saw the requests with their tokens, straight through the tunnel.
    expect(tls.requests.filter((r) => r.identity === 'pat').length).toBeGreaterThanOrEqual(4);
  });

  it('leaves hosts in NO_PROXY alone, and uses HTTP_PROXY for plain http', async () => {
    proxy.requests.length = 0;
    const skipped = await runCli(['pulls', 'github:acme/api', '--format', 'ndjson', '--no-cache'], {
      env: proxyEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' }),
    });
    expect(skipped.code).toBe(0);
    expect(proxy.requests).toEqual([]);

    const plain = await runCli(['issues', 'github:acme/api', '--format', 'ndjson', '--no-cache'], {
      env: env(proxyVars({ HTTP_PROXY: proxy.url })),
    });
    expect(plain.code).toBe(0);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.every((r) => r.method === 'CONNECT' && r.target === `127.0.0.1:${String(server.port)}`)).toBe(true);
    expect(JSON.stringify(proxy.requests)).not.toMatch(new RegExp(SECRETS.join('|')));
  });
});
