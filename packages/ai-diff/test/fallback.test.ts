import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, type PipelineEvent } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

const files = {
  base: { 'src/parser/lexer.ts': 'export const a = 1;\n', 'src/parser/ast.ts': 'export type A = 1;\n' },
  staged: { 'src/parser/lexer.ts': 'export const a = 2;\n', 'src/parser/ast.ts': 'export type A = 2;\n', 'src/parser/emit.ts': 'export {};\n' },
};

test('a hanging server: the local message comes back within the deadline, marked as fallback', async () => {
  await using repo = await stagedRepo(files.base, files.staged);
  await using server = await startLlmServer({ handler: () => ({ hang: true }) });
  const events: PipelineEvent[] = [];
  const started = Date.now();
  const result = await generateCommitMessage({
    repo: repo.path,
    env: serverEnv(server, 'openai', { GITFLEET_AI_TIMEOUT_MS: '60000' }),
    configFile: false,
    deadlineMs: 2500,
    onEvent: (e) => events.push(e),
  });
  const elapsed = Date.now() - started;
  expect(result.fallback?.reason).toMatch(/deadline of 2500 ms/);
  expect(result.mode).toBe('local');
  expect(result.subject).toBe('Update 3 files in src/parser');
  expect(result.body).toContain('- src/parser/emit.ts: added (+1 -0)');
  expect(result.message).toBe(`${result.subject}\n\n${result.body!}`);
  expect(server.requests.length).toBeGreaterThanOrEqual(1);
  expect(events.at(-2)).toMatchObject({ type: 'fallback' });
  expect(elapsed).toBeLessThan(20_000); // generous: the deadline is 2.5 s
  // The hung connection was given up by the client.
  await expect.poll(() => server.inFlight).toBe(0);
});

test('a timed-out request shows the provider is down: no retry, the local message at once', async () => {
  await using repo = await stagedRepo(files.base, files.staged);
  await using server = await startLlmServer({ handler: () => ({ hang: true }) });
  const events: PipelineEvent[] = [];
  const started = Date.now();
  const result = await generateCommitMessage({
    repo: repo.path,
    env: serverEnv(server, 'openai', { GITFLEET_AI_TIMEOUT_MS: '300', GITFLEET_AI_RETRIES: '2' }),
    configFile: false,
    deadlineMs: 30_000,
    onEvent: (e) => events.push(e),
  });
  expect(result.fallback?.reason).toMatch(/no answer from 127\.0\.0\.1:\d+ within 300 ms/);
  expect(server.requests).toHaveLength(1);
  expect(result.calls).toBe(1);
  expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
  expect(Date.now() - started).toBeLessThan(10_000); // generous: the bound is 300 ms + 2 s
});

test('a refused connection stops the map stage: no further request and no retry', async () => {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < 40; i++) {
    base[`m/f${String(i)}.txt`] = `${'line of text number\n'.repeat(30)}`;
    staged[`m/f${String(i)}.txt`] = `${'line of text number\n'.repeat(15)}changed ${String(i)}\n${'line of text number\n'.repeat(15)}`;
  }
  await using repo = await stagedRepo(base, staged);
  const server = await startLlmServer();
  const env = serverEnv(server, 'openai', { GITFLEET_AI_MAX_INPUT_TOKENS: '700', GITFLEET_AI_CONCURRENCY: '2', GITFLEET_AI_RETRIES: '2' });
  await server.close();
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({ repo: repo.path, env, configFile: false, onEvent: (e) => events.push(e) });
  const plan = events.find((e) => e.type === 'plan');
  expect(plan).toMatchObject({ mode: 'map-reduce' });
  expect((plan as { parts: number }).parts).toBeGreaterThan(4);
  expect(result.fallback?.reason).toMatch(/ECONNREFUSED/);
  // At most the requests already started when the first one was refused (concurrency 2).
  expect(events.filter((e) => e.type === 'request').length).toBeLessThanOrEqual(2);
  expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
});

test('a provider that is down (connection refused) falls back at once', async () => {
  await using repo = await stagedRepo(files.base, files.staged);
  const server = await startLlmServer();
  const env = serverEnv(server, 'anthropic', { GITFLEET_AI_RETRIES: '0' });
  await server.close();
  const result = await generateCommitMessage({ repo: repo.path, env, configFile: false, conventional: true });
  expect(result.fallback?.reason).toMatch(/provider failed: request to 127\.0\.0\.1:\d+ failed: ECONNREFUSED/);
  expect(result.subject).toBe('feat(parser): update 3 files in src/parser');
});

test('no provider configured: local message, no request, never throws', async () => {
  await using repo = await stagedRepo(files.base, files.staged);
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({ repo: repo.path, env: { OPENAI_API_KEY: 'sk-vendor-key-abcdef' }, configFile: false, body: false, onEvent: (e) => events.push(e) });
  expect(result).toMatchObject({ subject: 'Update 3 files in src/parser', message: 'Update 3 files in src/parser', calls: 0, mode: 'local' });
  expect(result.fallback?.reason).toMatch(/no provider configured/);
  expect(events.find((e) => e.type === 'warning')).toMatchObject({ message: expect.stringMatching(/GITFLEET_AI_PROVIDER is not set/) as unknown });
});

test('nothing staged: an "Empty commit" fallback, no request', async () => {
  await using repo = await stagedRepo({}, {});
  await using server = await startLlmServer();
  const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai'), configFile: false });
  expect(result).toMatchObject({ subject: 'Empty commit', fallback: { reason: 'no changes staged' }, calls: 0 });
  expect(server.requests).toHaveLength(0);
});

test('the failure of some map parts does not lose the message; all parts failing falls back', async () => {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = {};
  for (let i = 0; i < 12; i++) {
    base[`m/f${String(i)}.txt`] = `${'line of text number\n'.repeat(30)}`;
    staged[`m/f${String(i)}.txt`] = `${'line of text number\n'.repeat(15)}changed ${String(i)}\n${'line of text number\n'.repeat(15)}`;
  }
  await using repo = await stagedRepo(base, staged);
  let maps = 0;
  await using server = await startLlmServer({
    handler: (req) => {
      if (req.schemaName === 'file_analysis') return ++maps === 1 ? { status: 400, message: 'bad request' } : { json: { theme: 'edit texts', files: [] } };
      return { json: { subject: 'Edit the m texts' } };
    },
  });
  const env = serverEnv(server, 'openai', { GITFLEET_AI_MAX_INPUT_TOKENS: '700' });
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({ repo: repo.path, env, configFile: false, onEvent: (e) => events.push(e) });
  expect(result.fallback).toBeNull();
  expect(result.subject).toBe('Edit the m texts');
  expect(events.filter((e) => e.type === 'part-failed')).toHaveLength(1);
  // The failed part's files still reach the reduce request, from local facts.
  const reduce = server.requests.find((r) => r.schemaName === 'commit_message')!;
  expect(reduce.user).toMatch(/not analysed/);

  server.setHandler(() => ({ status: 503, message: 'overloaded' }));
  const down = await generateCommitMessage({ repo: repo.path, env: { ...env, GITFLEET_AI_RETRIES: '0' }, configFile: false });
  expect(down.fallback?.reason).toMatch(/every analysis request failed: provider failed: HTTP 503/);
});

/** A named pipe nobody writes to: reading it blocks until `release()` opens it for writing. */
async function silentPipe(): Promise<{ path: string; release: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ai-diff-fifo-'));
  const path = join(dir, 'pipe');
  await promisify(execFile)('mkfifo', [path]);
  return {
    path,
    release: async () => {
      // Opening the write end lets a reader blocked in open() go on, to an empty read; without
      // a reader (git was killed), a non-blocking open fails at once instead of waiting for one.
      const handle = await open(path, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null);
      await handle?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test.skipIf(process.platform === 'win32')('the deadline bounds reading the diff: a diff file that never arrives gives the local message in time', async () => {
  const pipe = await silentPipe();
  try {
    const events: PipelineEvent[] = [];
    const started = Date.now();
    const result = await generateCommitMessage({ diffFile: pipe.path, env: {}, configFile: false, deadlineMs: 800, onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ subject: 'Update files', message: 'Update files', mode: 'local', calls: 0, omitted: [] });
    expect(result.fallback?.reason).toBe('deadline of 800 ms passed while reading the staged diff');
    expect(events.map((e) => e.type)).toEqual(['config', 'fallback', 'done']);
    expect(Date.now() - started).toBeLessThan(20_000); // generous: the deadline is 0.8 s
  } finally {
    await pipe.release();
  }
});

test.skipIf(process.platform === 'win32')('the deadline bounds reading the staged diff: git blocked on its index, conventional local message', async () => {
  await using repo = await stagedRepo(files.base, files.staged);
  await using server = await startLlmServer();
  const pipe = await silentPipe();
  const saved = process.env['GIT_INDEX_FILE'];
  // git honours GIT_INDEX_FILE; an index that is a pipe nobody writes keeps `git diff --cached` waiting.
  process.env['GIT_INDEX_FILE'] = pipe.path;
  try {
    const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai'), configFile: false, conventional: true, deadlineMs: 1500 });
    expect(result).toMatchObject({ subject: 'chore: update files', mode: 'local', calls: 0 });
    expect(result.fallback?.reason).toMatch(/deadline of 1500 ms passed while reading the staged diff/);
    expect(server.requests).toHaveLength(0);
  } finally {
    if (saved === undefined) delete process.env['GIT_INDEX_FILE'];
    else process.env['GIT_INDEX_FILE'] = saved;
    await pipe.release();
  }
});
