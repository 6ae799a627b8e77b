import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityPool } from '@gitfleet/tokens';
import { startHttpProxy } from '@gitfleet/test-kit';
import type { HttpProxy } from '@gitfleet/test-kit';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';
import type { ForgeServer } from '@gitfleet/test-kit/forge-server';
import { collect, createGitHubClient, createGitLabClient, identifyProvider } from '../src/index.js';
import { ALL_SECRETS, TOKENS, gitlabIdentities } from './helpers.js';

// Real proxy and real servers on loopback; the clients read the proxy variables from the environment.
let forge: ForgeServer;
let proxy: HttpProxy;
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  forge = await startForgeServer({
    seed: { orgs: [{ login: 'acme', members: ['alice'] }], repos: Array.from({ length: 12 }, (_, i) => ({ owner: 'acme', name: `r${String(i)}` })) },
    identities: [{ token: TOKENS.alice, login: 'alice' }, ...gitlabIdentities()],
  });
  proxy = await startHttpProxy();
});
afterAll(async () => {
  await forge.close();
  await proxy.close();
});
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = saved[name];
  }
  proxy.requests.length = 0;
});

function setProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARIABLES) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, vars);
}

/** The forge's `host:port`, as a CONNECT names it. */
const forgeHost = (): string => `127.0.0.1:${String(forge.port)}`;

function expectNoTokenAtProxy(): void {
  const seen = JSON.stringify(proxy.requests);
  for (const secret of ALL_SECRETS) expect(seen).not.toContain(secret);
}

describe('HTTP_PROXY / HTTPS_PROXY / NO_PROXY', () => {
  it('GitHub (octokit over undici) and GitLab requests go through the proxy, as a CONNECT tunnel to their host', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const mark = forge.requests.length;
    const pool = createIdentityPool({
      sources: [{ token: TOKENS.alice, provider: 'github', baseUrl: forge.githubUrl }],
      identify: identifyProvider(),
    });
    const github = createGitHubClient({ pool, baseUrl: forge.githubUrl, perPage: 5, cache: false });
    expect(await collect(github.listRepositories('acme'))).toHaveLength(12);
    const gitlab = createGitLabClient({ token: TOKENS.aliceLab, baseUrl: forge.gitlabUrl, cache: false });
    expect((await gitlab.getAuthenticatedUser()).login).toBe('alice');

    expect(forge.requests.length - mark).toBeGreaterThanOrEqual(6);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.every((r) => r.method === 'CONNECT' && r.target === forgeHost())).toBe(true);
    // The tunnel carries the Authorization header; the proxy never sees it.
    expectNoTokenAtProxy();
  });

  it('NO_PROXY keeps a host off the proxy', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    const github = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache: false });
    expect((await github.getRepository('acme/r1')).name).toBe('r1');
    const gitlab = createGitLabClient({ token: TOKENS.aliceLab, baseUrl: forge.gitlabUrl, cache: false });
    expect((await gitlab.getAuthenticatedUser()).login).toBe('alice');
    expect(proxy.requests).toEqual([]);
  });

  it('without proxy variables nothing goes to the proxy; the env option carries them like GITHUB_API_URL', async () => {
    setProxyEnv({});
    expect((await createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache: false }).getRepository('acme/r2')).name).toBe('r2');
    expect(proxy.requests).toEqual([]);

    // The `env` option carries the proxy variables too (here: none), like GITHUB_API_URL.
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const client = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache: false, env: {} });
    expect((await client.getRepository('acme/r3')).name).toBe('r3');
    expect(proxy.requests).toEqual([]);
    const viaEnv = createGitHubClient({ token: TOKENS.alice, baseUrl: forge.githubUrl, cache: false, env: { http_proxy: proxy.url } });
    setProxyEnv({});
    expect((await viaEnv.getRepository('acme/r4')).name).toBe('r4');
    expect(proxy.requests.map((r) => r.target)).toEqual([forgeHost()]);
  });
});
