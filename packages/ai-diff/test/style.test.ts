import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildLocalMessage, generateCommitMessage, normalizeSubject } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

let server: LlmServer;
let repo: TempRepo;
let home: TempDir;
beforeAll(async () => {
  server = await startLlmServer();
  repo = await stagedRepo({ 'src/login.ts': 'export const a = 1;\n' }, { 'src/login.ts': 'export const a = 2;\n', 'src/session.ts': 'export const s = 1;\n' });
  home = await createTempDir('gitfleet-style-home-');
});
afterAll(async () => {
  await Promise.all([server.close(), repo.cleanup(), home.cleanup()]);
});
afterEach(() => {
  server.requests.length = 0;
});

const run = (options: Parameters<typeof generateCommitMessage>[0]) => generateCommitMessage({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai'), ...options });

describe('--style', () => {
  test('gitmoji: the schema offers every gitmoji code, the prompt the common ones; the emoji leads the subject', async () => {
    server.setHandler(() => ({ json: { subject: 'added session handling', gitmoji: ':sparkles:' } }));
    const result = await run({ style: 'gitmoji' });
    const request = server.requests[0]!;
    const schema = request.schema as { properties: { gitmoji: { enum: string[] } } };
    expect(schema.properties.gitmoji.enum).toContain(':sparkles:');
    expect(schema.properties.gitmoji.enum.length).toBeGreaterThan(60);
    expect(request.system).toContain(':bug: Fix a bug.');
    expect(result).toMatchObject({ subject: '✨ Add session handling', style: 'gitmoji' });
  });

  test('gitmoji written by the model inside the subject (emoji or code) is not doubled; a Conventional prefix is dropped', () => {
    const opts = { maxLength: 72, conventional: false, style: 'gitmoji' as const };
    expect(normalizeSubject('🐛 fix the parser', opts)).toBe('🐛 Fix the parser');
    expect(normalizeSubject(':zap: faster log', { ...opts, gitmojiFormat: 'code' })).toBe(':zap: Faster log');
    expect(normalizeSubject('feat: add x', opts)).toBe('✨ Add x');
  });

  test('conventional and plain; --conventional is the short form; a conflict is a caller error', async () => {
    server.setHandler(() => ({ json: { subject: 'Add session handling', type: 'feat', scope: 'auth' } }));
    expect((await run({ style: 'conventional' })).subject).toBe('feat(auth): add session handling');
    expect((await run({ conventional: true })).subject).toBe('feat(auth): add session handling');
    expect((await run({ style: 'plain' })).subject).toBe('Add session handling');
    await expect(run({ style: 'gitmoji', conventional: true })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
    await expect(run({ style: 'emoji' as never })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
  });

  test('GITFLEET_AI_STYLE in the config decides when the caller does not', async () => {
    server.setHandler(() => ({ json: { subject: 'Fix login', gitmoji: ':bug:' } }));
    const result = await generateCommitMessage({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai', { GITFLEET_AI_STYLE: 'gitmoji' }) });
    expect(result.subject).toBe('🐛 Fix login');
  });

  test('the local message follows the style', async () => {
    const result = await generateCommitMessage({ repo: repo.path, configFile: false, env: {}, style: 'gitmoji' });
    expect(result.fallback).not.toBeNull();
    expect(result.subject).toBe('✨ Update 2 files in src');
  });
});

describe('--lang', () => {
  test('the prompt and the schema ask for the language; the subject is not forced into English imperatives', async () => {
    server.setHandler(() => ({ json: { subject: 'Ajouté la gestion des sessions', body: 'Nouvelle session.' } }));
    const result = await run({ language: 'fr', body: true });
    const request = server.requests[0]!;
    expect(request.system).toContain('Write the subject and the body in French (fr).');
    expect(JSON.stringify(request.schema)).toContain('Subject line in French');
    expect(result.message).toBe('Ajouté la gestion des sessions\n\nNouvelle session.');
  });

  test('GITFLEET_AI_LANGUAGE from the config file; the local message uses the language\'s fixed words', async () => {
    const dir = join(home.path, 'gitfleet');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ GITFLEET_AI_LANGUAGE: 'de' }));
    const result = await generateCommitMessage({ repo: repo.path, configFile: join(dir, 'config.json'), env: {}, body: true });
    expect(result.fallback).not.toBeNull();
    expect(result.subject).toBe('2 Dateien in src aktualisieren');
    expect(result.body).toBe('- src/login.ts: geändert (+1 -1)\n- src/session.ts: hinzugefügt (+1 -0)');
  });

  test('fixed words in several languages, plural forms included; unknown languages fall back to English words', () => {
    const facts = [
      { path: 'a/x.ts', oldPath: null, status: 'added' as const, additions: 1, deletions: 0, binary: false },
      { path: 'a/y.ts', oldPath: null, status: 'added' as const, additions: 1, deletions: 0, binary: false },
    ];
    const subject = (language: string, style?: 'conventional'): string => buildLocalMessage(facts, { maxLength: 72, conventional: style === 'conventional', language }).subject;
    expect(subject('fr')).toBe('Ajouter 2 fichiers dans a');
    expect(subject('ru')).toBe('Добавить 2 файла в a');
    expect(subject('ja')).toBe('a の 2 個のファイル を追加');
    expect(subject('zh-TW')).toBe('新增 a 中的 2 個檔案');
    expect(subject('pt-BR', 'conventional')).toBe('feat(a): adicionar 2 arquivos em a');
    expect(subject('sw')).toBe('Add 2 files in a');
  });

  test('a language that is not a language code is a caller error, before any request', async () => {
    await expect(run({ language: 'french!' })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });
    await expect(run({ language: 'french' })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION', message: expect.stringMatching(/^language: not a language code/) });
    const bad = await generateCommitMessage({ repo: repo.path, configFile: false, env: { GITFLEET_AI_LANGUAGE: 'xx yy' } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'GITFLEET_AI_INVALID_CONFIG', message: expect.stringContaining('GITFLEET_AI_LANGUAGE') });
    expect(server.requests).toHaveLength(0);
  });
});
