import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { startHttpProxy } from '@gitfleet/test-kit';
import { startLlmServer, type LlmProtocol } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage } from '../src/index.js';
import { pipelineHandler, serverEnv, stagedRepo } from './helpers.js';

// The model providers' HTTP client honours HTTP(S)_PROXY and NO_PROXY (undici's EnvHttpProxyAgent),
// tested with a real proxy and the fake model server on loopback.
afterAll(() => destroyAiDiffPool());
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = saved[name];
  }
});
function setProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARIABLES) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, vars);
}

describe.each(['openai', 'anthropic', 'ollama'] as LlmProtocol[])('%s through a proxy', (protocol) => {
  test('goes through HTTP_PROXY as a CONNECT tunnel (the key never reaches the proxy), and NO_PROXY skips it', async () => {
    await using repo = await stagedRepo({ 'src/a.ts': 'export const a = 1;\n' }, { 'src/a.ts': 'export const a = 2;\n' });
    await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Set a to two' }) });
    await using proxy = await startHttpProxy();
    const env = serverEnv(server, protocol);
    const host = new URL(server.url).host;

    setProxyEnv({ HTTP_PROXY: proxy.url });
    const result = await generateCommitMessage({ repo: repo.path, env, configFile: false });
    expect(result).toMatchObject({ subject: 'Set a to two', fallback: null });
    expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([['CONNECT', host]]);
    expect(JSON.stringify(proxy.requests)).not.toContain(env['GITFLEET_AI_API_KEY']);

    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect((await generateCommitMessage({ repo: repo.path, env, configFile: false })).fallback).toBeNull();
    expect(proxy.requests).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });
});
