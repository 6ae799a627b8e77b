import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { startLlmServer, type LlmProtocol } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage } from '../src/index.js';
import { pathsIn, pipelineHandler, requestTokens, serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

const KEY = 'sk-test-secret-key-1234567890';
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function manyFiles(n: number): { base: Record<string, string>; staged: Record<string, string> } {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const lines = Array.from({ length: 20 }, (_, k) => `row ${String(k)} of table ${String(i)}`);
    base[`data/t${String(i)}.txt`] = `${lines.join('\n')}\n`;
    staged[`data/t${String(i)}.txt`] = `${lines.map((l, k) => (k % 4 === 0 ? `${l} updated` : l)).join('\n')}\n`;
  }
  return { base, staged };
}

describe.each(['openai', 'anthropic', 'ollama'] as LlmProtocol[])('%s protocol end to end', (protocol) => {
  test('a small diff takes exactly one call, with the protocol\'s headers and structured output', async () => {
    await using repo = await stagedRepo({ 'src/a.ts': 'export const a = 1;\n' }, { 'src/a.ts': 'export const a = 2;\n' });
    await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Set a to two', type: 'fix', scope: 'core' }) });
    const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, protocol), configFile: false, conventional: true });
    expect(result).toMatchObject({ subject: 'fix(core): set a to two', fallback: null, calls: 1, mode: 'single' });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.protocol).toBe(protocol);
    expect(request.schemaName).toBe('commit_message');
    expect(request.user).toContain('+export const a = 2;');
    if (protocol === 'openai') {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.mode).toBe('json_schema');
      expect(request.credential).toEqual({ header: 'authorization', sha256: sha(KEY) });
    } else if (protocol === 'anthropic') {
      expect(request.path).toBe('/v1/messages');
      expect(request.mode).toBe('tool');
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
      expect(request.credential).toEqual({ header: 'x-api-key', sha256: sha(KEY) });
      expect(request.body['tool_choice']).toEqual({ type: 'tool', name: 'commit_message' });
    } else {
      expect(request.path).toBe('/api/chat');
      expect(request.mode).toBe('format');
      expect(request.body['stream']).toBe(false);
      expect((request.body['options'] as { num_ctx: number }).num_ctx).toBeGreaterThan(1000);
    }
  });

  test('a big diff goes through map and reduce', async () => {
    const { base, staged } = manyFiles(30);
    await using repo = await stagedRepo(base, staged);
    await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Update the data tables' }) });
    const result = await generateCommitMessage({
      repo: repo.path,
      env: serverEnv(server, protocol, { GITFLEET_AI_MAX_INPUT_TOKENS: '1200' }),
      configFile: false,
    });
    expect(result).toMatchObject({ subject: 'Update the data tables', fallback: null, mode: 'map-reduce' });
    const map = server.requests.filter((r) => r.schemaName === 'file_analysis');
    expect(map.length).toBeGreaterThan(1);
    expect(new Set(map.flatMap((r) => pathsIn(r.user))).size).toBe(30);
    expect(server.requests.at(-1)!.schemaName).toBe('commit_message');
    // Claude and Llama are counted with the cl100k approximation and planned with a 15 % margin.
    const encoding = protocol === 'openai' ? 'o200k_base' : 'cl100k_base';
    for (const record of server.requests) expect(requestTokens(record, encoding)).toBeLessThanOrEqual(1200);
  });
});

test('OpenAI-compatible tool calls (GITFLEET_AI_STRUCTURED_OUTPUT=tool)', async () => {
  await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Change a' }) });
  const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai', { GITFLEET_AI_STRUCTURED_OUTPUT: 'tool' }), configFile: false });
  expect(result.subject).toBe('Change a');
  const request = server.requests[0]!;
  expect(request.mode).toBe('tool');
  expect(request.body['tool_choice']).toEqual({ type: 'function', function: { name: 'commit_message' } });
});

test('a base URL with a path and a query string (Azure style) keeps both', async () => {
  await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Change a' }) });
  await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai', { GITFLEET_AI_BASE_URL: `${server.url}/openai/v1?api-version=2025-01-01` }), configFile: false });
  expect(server.requests[0]!.path).toBe('/openai/v1/chat/completions?api-version=2025-01-01');
  expect(server.requests[0]!.credential?.header).toBe('authorization');
});

test('a unified diff given as text works like the staged diff', async () => {
  const diff = 'diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-int x = 1;\n+int x = 2;\n';
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Set x to two' }) });
  const text = await generateCommitMessage({ diff, env: serverEnv(server, 'openai'), configFile: false });
  expect(text).toMatchObject({ subject: 'Set x to two', calls: 1 });
  expect(server.requests[0]!.user).toContain('+int x = 2;');
});
