import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createTempDir } from '@gitfleet/test-kit';
import { startLlmServer } from '@gitfleet/test-kit/llm-server';
import { AiDiffError, destroyAiDiffPool, generateCommitMessage, loadAiConfig, type PipelineEvent } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

const KEY = 'sk-live-DO-NOT-LEAK-0123456789abcdef';

describe('loadAiConfig', () => {
  test('defaults: no provider, nothing sent anywhere', async () => {
    const { config, errors, warnings } = await loadAiConfig({ env: {}, configFile: false });
    expect(config).toMatchObject({ provider: 'none', timeoutMs: 30_000, concurrency: 4, subjectMaxLength: 72 });
    expect(config.apiKey).toBeUndefined();
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('the user config file (XDG) is read; the environment wins over it', async () => {
    await using home = await createTempDir();
    await mkdir(join(home.path, 'gitfleet'), { recursive: true });
    await writeFile(
      join(home.path, 'gitfleet', 'config.json'),
      JSON.stringify({ GITFLEET_AI_PROVIDER: 'ollama', GITFLEET_AI_MODEL: 'qwen2.5-coder', GITFLEET_AI_CONCURRENCY: 3, GITFLEET_AI_TIMEOUT_MS: '9000', GITFLEET_AI_EXCLUDE: ['**/*.snap'], GITFLEET_AI_TYPO: 1 }),
    );
    const env = { XDG_CONFIG_HOME: home.path, GITFLEET_AI_MODEL: 'llama3.3', GITFLEET_AI_TIMEOUT_MS: '1234' };
    const { config, errors, warnings } = await loadAiConfig({ env });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({ provider: 'ollama', model: 'llama3.3', concurrency: 3, timeoutMs: 1234, exclude: ['**/*.snap'] });
    expect(warnings).toEqual(['config file: unknown key GITFLEET_AI_TYPO']);
  });

  test('invalid values are reported per key, never echoing the API key', async () => {
    const { errors } = await loadAiConfig({
      env: { GITFLEET_AI_PROVIDER: 'gemini', GITFLEET_AI_BASE_URL: 'ftp://x', GITFLEET_AI_CONCURRENCY: '0', GITFLEET_AI_API_KEY: `${KEY} extra` },
      configFile: false,
    });
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/GITFLEET_AI_PROVIDER/);
    expect(errors.join('\n')).toMatch(/GITFLEET_AI_BASE_URL: not an http\(s\) URL/);
    expect(errors.join('\n')).not.toContain(KEY);
  });

  test('an unreadable or malformed config file is an error, not a crash', async () => {
    await using dir = await createTempDir();
    const file = join(dir.path, 'config.json');
    await writeFile(file, '{ "GITFLEET_AI_PROVIDER": ');
    const { errors } = await loadAiConfig({ env: {}, configFile: file });
    expect(errors).toEqual([`config file ${file}: invalid JSON`]);
  });

  describe('the key-host rule', () => {
    test('OPENAI_API_KEY is used for api.openai.com', async () => {
      const { config } = await loadAiConfig({ env: { GITFLEET_AI_PROVIDER: 'openai', OPENAI_API_KEY: KEY }, configFile: false });
      expect(config).toMatchObject({ apiKey: KEY, apiKeySource: 'OPENAI_API_KEY' });
    });

    test('OPENAI_API_KEY is dropped for another host; ANTHROPIC_API_KEY likewise', async () => {
      const openai = await loadAiConfig({ env: { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: 'https://evil.example/v1', OPENAI_API_KEY: KEY }, configFile: false });
      expect(openai.config.apiKey).toBeUndefined();
      expect(openai.warnings).toEqual(['OPENAI_API_KEY is only sent to api.openai.com, not to evil.example; set GITFLEET_AI_API_KEY for this endpoint']);
      const anthropic = await loadAiConfig({ env: { GITFLEET_AI_PROVIDER: 'anthropic', GITFLEET_AI_BASE_URL: 'https://proxy.example', ANTHROPIC_API_KEY: KEY }, configFile: false });
      expect(anthropic.config.apiKey).toBeUndefined();
    });

    test('overrides win; a provider override picks that vendor\'s key and default model', async () => {
      const env = { GITFLEET_AI_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-openai', ANTHROPIC_API_KEY: KEY };
      const { config } = await loadAiConfig({ env, configFile: false, overrides: { provider: 'anthropic', concurrency: 2 } });
      expect(config).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5', apiKey: KEY, apiKeySource: 'ANTHROPIC_API_KEY', concurrency: 2 });
      const explicit = await loadAiConfig({ env, configFile: false, overrides: { apiKey: 'sk-mine', baseUrl: 'https://gw.example/v1' } });
      expect(explicit.config).toMatchObject({ apiKey: 'sk-mine', apiKeySource: 'options', baseUrl: 'https://gw.example/v1' });
    });

    test('GITFLEET_AI_API_KEY goes wherever the base URL points', async () => {
      const { config } = await loadAiConfig({ env: { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: 'https://llm.internal/v1', GITFLEET_AI_API_KEY: KEY, OPENAI_API_KEY: 'other' }, configFile: false });
      expect(config).toMatchObject({ apiKey: KEY, apiKeySource: 'GITFLEET_AI_API_KEY' });
    });
  });
});

describe('generateCommitMessage and configuration', () => {
  test('a vendor key is never sent to a non-vendor host, on the wire', async () => {
    await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
    await using server = await startLlmServer({ handler: () => ({ json: { subject: 'Change a' } }) });
    const env = { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: server.baseUrls.openai, OPENAI_API_KEY: KEY };
    const events: PipelineEvent[] = [];
    const result = await generateCommitMessage({ repo: repo.path, env, configFile: false, onEvent: (e) => events.push(e) });
    expect(result.fallback).toBeNull();
    expect(server.requests[0]!.credential).toBeNull();
    expect(events.find((e) => e.type === 'warning')).toMatchObject({ message: expect.stringMatching(/OPENAI_API_KEY is only sent to api\.openai\.com/) as unknown });
  });

  test('options.config overrides env and file; a base URL override re-applies the key-host rule', async () => {
    await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
    await using server = await startLlmServer({ handler: () => ({ json: { subject: 'Change a' } }) });
    const result = await generateCommitMessage({
      repo: repo.path,
      env: { GITFLEET_AI_PROVIDER: 'openai', OPENAI_API_KEY: KEY, GITFLEET_AI_SUBJECT_MAX_LENGTH: '40' },
      configFile: false,
      config: { baseUrl: server.baseUrls.openai, subjectMaxLength: 60 },
    });
    expect(result.fallback).toBeNull();
    expect(server.requests[0]!.credential).toBeNull();
    expect(server.requests[0]!.system).toContain('at most 60 characters');
  });

  test('the API key never appears in errors, events or fallback reasons', async () => {
    await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
    // A provider that echoes the key in its error, as some do ("Incorrect API key provided: sk-...").
    await using server = await startLlmServer({ handler: () => ({ status: 401, message: `Incorrect API key provided: ${KEY}` }) });
    const events: PipelineEvent[] = [];
    const result = await generateCommitMessage({
      repo: repo.path,
      env: serverEnv(server, 'openai', { GITFLEET_AI_API_KEY: KEY, GITFLEET_AI_BASE_URL: `http://user:${KEY}@127.0.0.1:${String(server.port)}/v1` }),
      configFile: false,
      onEvent: (e) => events.push(e),
    });
    expect(result.fallback?.reason).toMatch(/HTTP 401/);
    expect(result.fallback?.reason).toContain('[redacted]');
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(JSON.stringify(events)).not.toContain(KEY);

    const error = await generateCommitMessage({ repo: repo.path, env: { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_API_KEY: `${KEY} x`, GITFLEET_AI_TIMEOUT_MS: 'soon' }, configFile: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDiffError);
    expect((error as AiDiffError).code).toBe('GITFLEET_AI_INVALID_CONFIG');
    expect(JSON.stringify({ message: (error as Error).message, data: (error as AiDiffError).data })).not.toContain(KEY);
  });
});

describe('caller mistakes throw typed errors', () => {
  test('no input, two inputs, bad candidates', async () => {
    await expect(generateCommitMessage({ env: {}, configFile: false })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
    await expect(generateCommitMessage({ diff: '', repo: '.', env: {}, configFile: false })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
    await expect(generateCommitMessage({ diff: '', candidates: 9, env: {}, configFile: false })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
  });

  test('not a repository; unreadable diff file', async () => {
    await using dir = await createTempDir();
    const notRepo = await generateCommitMessage({ repo: dir.path, env: {}, configFile: false }).catch((e: unknown) => e);
    expect(notRepo).toMatchObject({ name: 'AiDiffError', code: 'GITFLEET_AI_NOT_A_REPOSITORY' });
    const missing = await generateCommitMessage({ diffFile: join(dir.path, 'nope.diff'), env: {}, configFile: false }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'GITFLEET_AI_DIFF_UNREADABLE' });
  });

  test('a diff file is read like diff text', async () => {
    await using dir = await createTempDir();
    const file = join(dir.path, 'change.diff');
    await writeFile(file, 'diff --git a/x.c b/x.c\ndeleted file mode 100644\n--- a/x.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-int x;\n');
    const result = await generateCommitMessage({ diffFile: file, env: {}, configFile: false });
    expect(result).toMatchObject({ subject: 'Remove x.c', fallback: { reason: expect.stringMatching(/no provider/) as unknown } });
  });

  test('the caller\'s abort rejects with GITFLEET_AI_ABORTED', async () => {
    await using repo = await stagedRepo({ 'a.txt': '1\n' }, { 'a.txt': '2\n' });
    await using server = await startLlmServer({ handler: () => ({ hang: true }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai'), configFile: false, signal: controller.signal })).rejects.toMatchObject({ code: 'GITFLEET_AI_ABORTED' });
  });
});
