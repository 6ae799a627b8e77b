import { expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';

// The test kit's fake LLM API, checked on its own wire format (fetch, no library code).
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

test('speaks the three protocols and logs requests without secrets', async () => {
  await using server = await startLlmServer({ handler: (req) => (req.schemaName ? { json: { subject: 'Add x' } } : { text: 'plain' }) });
  const schema = { type: 'object', properties: { subject: { type: 'string' } } };
  const openai = await post(`${server.baseUrls.openai}/chat/completions`, {
    model: 'gpt-4.1-mini',
    messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hello' }],
    tools: [{ type: 'function', function: { name: 'commit_message', parameters: schema } }],
    tool_choice: { type: 'function', function: { name: 'commit_message' } },
  }, { authorization: 'Bearer sk-secret' });
  expect(openai.json).toMatchObject({
    object: 'chat.completion',
    choices: [{ finish_reason: 'tool_calls', message: { tool_calls: [{ type: 'function', function: { name: 'commit_message', arguments: expect.stringContaining('"Add x"') as unknown } }] } }],
    usage: { prompt_tokens: expect.any(Number) as unknown },
  });
  const anthropic = await post(`${server.baseUrls.anthropic}/v1/messages`, {
    model: 'claude-haiku-4-5', max_tokens: 10, system: 'sys', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    tools: [{ name: 'commit_message', input_schema: schema }], tool_choice: { type: 'tool', name: 'commit_message' },
  }, { 'x-api-key': 'sk-ant-secret' });
  expect(anthropic.json).toMatchObject({ type: 'message', stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'commit_message', input: { subject: 'Add x' } }] });
  const ollama = await post(`${server.baseUrls.ollama}/api/chat`, { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] });
  expect(ollama.json).toMatchObject({ done: true, message: { role: 'assistant', content: 'plain' } });

  expect(server.requests.map((r) => [r.protocol, r.mode, r.schemaName])).toEqual([
    ['openai', 'tool', 'commit_message'],
    ['anthropic', 'tool', 'commit_message'],
    ['ollama', 'text', undefined],
  ]);
  expect(server.requests[0]!.system).toBe('sys');
  expect(server.requests[1]!.user).toBe('hi');
  expect(server.requests[0]!.credential?.header).toBe('authorization');
  expect(JSON.stringify(server.requests)).not.toMatch(/sk-secret|sk-ant-secret/);
});

test('errors in each protocol\'s shape, Retry-After headers, malformed answers, hangs ended by close()', async () => {
  const server = await startLlmServer();
  server.setHandler(() => ({ status: 429, message: 'slow down', headers: { 'retry-after': '2' } }));
  const limited = await post(`${server.url}/v1/messages`, { messages: [] });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('2');
  expect(limited.json).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });

  server.setHandler(() => ({ json: { a: 1 }, malformed: 'trailing-comma', think: 'hmm' }));
  const bad = (await post(`${server.baseUrls.openai}/chat/completions`, { messages: [] })).json as { choices: { message: { content: string } }[] };
  expect(bad.choices[0]!.message.content).toMatch(/^<think>hmm<\/think>\n\{[\s\S]*,\n\}$/);

  server.setHandler(() => ({ hang: true }));
  const hanging = fetch(`${server.url}/api/chat`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
  await expect.poll(() => server.inFlight).toBe(1);
  await server.close();
  expect(await hanging).toBeInstanceOf(Error);
  expect(server.requests.at(-1)).toMatchObject({ outcome: 'hang', endedAt: expect.any(Number) as unknown });
});
