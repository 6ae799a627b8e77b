import { Worker } from 'node:worker_threads';
import { afterEach, expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, getAiDiffPool, prepareDiff } from '../src/index.js';

afterEach(() => destroyAiDiffPool());

function bigDiff(files: number): string {
  const parts: string[] = [];
  for (let f = 0; f < files; f++) {
    const lines = Array.from({ length: 200 }, (_, i) => `+const value_${String(f)}_${String(i)} = compute(${String(i)}, "file ${String(f)}");`);
    parts.push(`diff --git a/src/f${String(f)}.ts b/src/f${String(f)}.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/f${String(f)}.ts\n@@ -0,0 +1,200 @@\n${lines.join('\n')}`);
  }
  return `${parts.join('\n')}\n`;
}

test('the local stage runs in the worker pool: the event loop keeps turning meanwhile', async () => {
  const diff = bigDiff(300); // ~4 MB of diff, seconds of tokenizing
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const prepared = await prepareDiff({ diff, maxInputTokens: 8000, concurrency: 8 });
    expect(prepared.stats.files).toBe(300);
    expect(prepared.plan.mode).toBe('map');
    if (prepared.plan.mode === 'map') {
      for (const part of prepared.plan.parts) expect(part.tokens).toBeLessThanOrEqual(prepared.budgets.map);
      // Water-filling capped the content at about maxMapCalls full requests.
      expect(prepared.plan.parts.length).toBeLessThanOrEqual(26);
      expect(prepared.plan.truncated.length).toBeGreaterThan(0);
    }
  } finally {
    clearInterval(timer);
  }
  // Had the tokenizer run on this thread, no interval callback could have fired before it finished.
  expect(ticks).toBeGreaterThan(3);
});

test('one process-wide pool, created lazily, destroyable, with an overridable worker file', async () => {
  const first = getAiDiffPool();
  expect(getAiDiffPool()).toBe(first);
  await destroyAiDiffPool();
  const workerUrl = new URL('../dist/ai-diff-worker.js', import.meta.url);
  const prepared = await prepareDiff({ diff: 'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-1\n+2\n', workerUrl });
  expect(prepared.plan.mode).toBe('single');
  expect(getAiDiffPool()).not.toBe(first);

  await destroyAiDiffPool();
  const broken = await prepareDiff({ diff: 'diff --git a/a b/a\n', workerUrl: new URL('./no-such-worker.js', import.meta.url) }).catch((e: unknown) => e);
  expect(broken).toMatchObject({ name: 'AiDiffError', code: 'GITFLEET_AI_WORKER_FAILED' });
});

/** The id the next worker thread of this process gets (ids count up from 1): starts and stops a trivial one. */
async function nextThreadId(): Promise<number> {
  const worker = new Worker('0', { eval: true });
  const id = worker.threadId;
  await worker.terminate();
  return id + 1;
}

test('inProcessMaxChars: a small diff is prepared on the calling thread (no worker thread); a larger one still goes to the pool', async () => {
  await using server = await startLlmServer({ handler: () => ({ json: { subject: 'Change a' } }) });
  const env = { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: server.baseUrls.openai, GITFLEET_AI_API_KEY: 'sk-test-key-123456', GITFLEET_AI_MODEL: 'gpt-4.1-mini' };
  const small = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-old\n+new marker-in-process\n';
  const before = await nextThreadId();
  const result = await generateCommitMessage({ diff: small, env, configFile: false, inProcessMaxChars: 64 * 1024 });
  expect(await nextThreadId()).toBe(before + 1); // only the probe thread itself
  expect(result).toMatchObject({ subject: 'Change a', fallback: null, mode: 'single' });
  expect(server.requests[0]!.user).toContain('+new marker-in-process');

  const big = `${small}${'+more text on another line\n'.repeat(400)}`;
  const start = await nextThreadId();
  const again = await generateCommitMessage({ diff: big, env, configFile: false, inProcessMaxChars: 1024 });
  expect(again.fallback).toBeNull();
  expect(await nextThreadId()).toBeGreaterThan(start + 1); // the pool started a worker
});
