import { afterAll, expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, type PipelineEvent } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

const base = { 'a.txt': 'one\n' };
const staged = { 'a.txt': 'two\n' };

test('429 with Retry-After: the retry waits at least that long', async () => {
  await using repo = await stagedRepo(base, staged);
  let n = 0;
  await using server = await startLlmServer({
    handler: () => (++n === 1 ? { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } : { json: { subject: 'Change a to two' } }),
  });
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'anthropic'), configFile: false, onEvent: (e) => events.push(e) });
  expect(result).toMatchObject({ subject: 'Change a to two', fallback: null, calls: 2 });
  const [first, second] = server.requests;
  expect(first!.status).toBe(429);
  expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(950);
  expect(events.find((e) => e.type === 'retry')).toMatchObject({ delayMs: expect.any(Number) as unknown, reason: expect.stringMatching(/HTTP 429/) as unknown });
  const retry = events.find((e) => e.type === 'retry') as { delayMs: number };
  expect(retry.delayMs).toBeGreaterThanOrEqual(1000);
});

test('5xx is retried with backoff; 4xx is not', async () => {
  await using repo = await stagedRepo(base, staged);
  let n = 0;
  await using server = await startLlmServer({ handler: () => (++n <= 2 ? { status: 502 } : { json: { subject: 'Change a to two' } }) });
  const ok = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'ollama'), configFile: false });
  expect(ok).toMatchObject({ subject: 'Change a to two', fallback: null, calls: 3 });

  server.setHandler(() => ({ status: 404, message: 'model "nope" not found' }));
  const failed = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'ollama'), configFile: false });
  expect(failed.calls).toBe(1);
  expect(failed.fallback?.reason).toMatch(/HTTP 404 from 127\.0\.0\.1:\d+: model "nope" not found/);
});
