import { afterAll, expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, type PipelineEvent } from '../src/index.js';
import { pathsIn, pipelineHandler, requestTokens, serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

function source(i: number, version: number): string {
  const lines = Array.from({ length: 24 }, (_, n) => `export const value${String(n)} = ${String(n * i)}; // module ${String(i)}`);
  if (version > 0) {
    lines[5] = `export const value5 = computeNew(${String(i)}, 'changed in v${String(version)}');`;
    lines[17] = `export function helper${String(i)}(input: string): string { return input.trim(); }`;
  }
  return `${lines.join('\n')}\n`;
}

test('a 200-file change with a 4,000-token budget: every request fits, one message comes out', async () => {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < 200; i++) {
    const path = `src/module-${String(i).padStart(3, '0')}.ts`;
    base[path] = source(i, 0);
    staged[path] = source(i, 1);
  }
  await using repo = await stagedRepo(base, staged);
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Add helpers to every module' }) });
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({
    repo: repo.path,
    env: serverEnv(server, 'openai', { GITFLEET_AI_MAX_INPUT_TOKENS: '4000' }),
    configFile: false,
    onEvent: (e) => events.push(e),
  });

  expect(result.fallback).toBeNull();
  expect(result.mode).toBe('map-reduce');
  expect(result.subject).toBe('Add helpers to every module');
  expect(result.message.split('\n')).toHaveLength(1);
  const map = server.requests.filter((r) => r.schemaName === 'file_analysis');
  const reduce = server.requests.filter((r) => r.schemaName === 'commit_message');
  expect(map.length).toBeGreaterThan(1);
  expect(reduce).toHaveLength(1);
  expect(result.calls).toBe(server.requests.length);
  // Every request, counted with the model's tokenizer (o200k_base for gpt-4.1-mini), is within budget.
  for (const record of server.requests) expect(requestTokens(record)).toBeLessThanOrEqual(4000);
  // No file is silently dropped: every path reaches some map request.
  const seen = new Set(map.flatMap((r) => pathsIn(r.user)));
  expect(seen.size).toBe(200);
  // The reduce request is water-filled: it names the files that fit and counts the rest.
  expect(reduce[0]!.user).toMatch(/Files by impact/);
  const plan = events.find((e) => e.type === 'plan');
  expect(plan).toMatchObject({ mode: 'map-reduce', parts: map.length });
});
