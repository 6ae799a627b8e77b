import { afterAll, expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage } from '../src/index.js';
import { peakOverlap, pipelineHandler, serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

test('a slow server (2 s a call), 40 files, concurrency 8: map calls overlap, at most 8 at once', async () => {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < 40; i++) {
    const path = `lib/part-${String(i).padStart(2, '0')}.js`;
    const lines = Array.from({ length: 30 }, (_, n) => `const item${String(n)} = { id: ${String(n)}, owner: 'part ${String(i)}' };`);
    base[path] = `${lines.join('\n')}\n`;
    staged[path] = `${lines.map((l, n) => (n % 3 === 0 ? l.replace('owner', 'maintainer') : l)).join('\n')}\n`;
  }
  await using repo = await stagedRepo(base, staged);
  await using server = await startLlmServer({ latencyMs: 2000, handler: pipelineHandler({ subject: 'Rename owner to maintainer in parts' }) });

  const started = Date.now();
  const result = await generateCommitMessage({
    repo: repo.path,
    env: serverEnv(server, 'openai', { GITFLEET_AI_MAX_INPUT_TOKENS: '1500', GITFLEET_AI_CONCURRENCY: '8' }),
    configFile: false,
    deadlineMs: 120_000,
  });
  const wall = Date.now() - started;

  expect(result.fallback).toBeNull();
  expect(result.subject).toBe('Rename owner to maintainer in parts');
  const map = server.requests.filter((r) => r.schemaName === 'file_analysis');
  const reduce = server.requests.find((r) => r.schemaName === 'commit_message')!;
  expect(map.length).toBeGreaterThan(8);
  // The cap holds and is reached: the recorded timeline peaks at exactly 8 open requests.
  expect(server.maxInFlight).toBe(8);
  expect(peakOverlap(server.requests)).toBe(8);
  // Map calls overlap each other, and the reduce call starts after the last one ended.
  const [first, second] = map;
  expect(second!.startedAt).toBeLessThan(first!.endedAt!);
  expect(reduce.startedAt).toBeGreaterThanOrEqual(Math.max(...map.map((r) => r.endedAt!)));
  // Loose bound: far below the sequential time of (map + 1) x 2 s.
  expect(wall).toBeLessThan(0.5 * (map.length + 1) * 2000);
});
