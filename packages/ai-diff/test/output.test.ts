import { afterAll, describe, expect, test } from 'vitest';
import { startLlmServer, type LlmReply } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, type PipelineEvent } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

const base = { 'src/parser/lexer.ts': 'export const a = 1;\n' };
const staged = { 'src/parser/lexer.ts': 'export const a = 2;\n' };

async function run(replies: LlmReply[], options: { conventional?: boolean; body?: boolean; candidates?: number; env?: Record<string, string> } = {}) {
  const repo = await stagedRepo(base, staged);
  const server = await startLlmServer();
  let i = 0;
  server.setHandler(() => replies[Math.min(i++, replies.length - 1)]!);
  const events: PipelineEvent[] = [];
  try {
    const result = await generateCommitMessage({
      repo: repo.path,
      env: serverEnv(server, 'openai', options.env),
      configFile: false,
      onEvent: (e) => events.push(e),
      ...(options.conventional === undefined ? {} : { conventional: options.conventional }),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
    });
    return { result, events, requests: server.requests };
  } finally {
    await server.close();
    await repo.cleanup();
  }
}

describe('invalid JSON', () => {
  test.each(['fence', 'trailing-comma', 'prose'] as const)('%s: repaired locally, one call', async (malformed) => {
    const { result, events } = await run([{ json: { subject: 'Bump the lexer constant' }, malformed }]);
    expect(result).toMatchObject({ subject: 'Bump the lexer constant', fallback: null, calls: 1 });
    expect(events.some((e) => e.type === 'repaired')).toBe(true);
  });

  test('unrepairable: retried once, then the good answer is used', async () => {
    const { result, events } = await run([{ json: {}, malformed: 'garbage' }, { json: { subject: 'Bump the lexer constant' } }]);
    expect(result).toMatchObject({ subject: 'Bump the lexer constant', fallback: null, calls: 2 });
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: expect.stringMatching(/unusable single answer/) as unknown });
  });

  test('unrepairable twice: only one retry for bad output, then the fallback', async () => {
    const { result } = await run([{ json: {}, malformed: 'garbage' }], { env: { GITFLEET_AI_RETRIES: '5' } });
    expect(result.calls).toBe(2);
    expect(result.fallback?.reason).toMatch(/unusable single answer: no JSON object/);
  });

  test('valid JSON of the wrong shape counts as bad output', async () => {
    const { result } = await run([{ json: { title: 'x' } }, { json: { subject: 'Fix it properly' } }]);
    expect(result).toMatchObject({ subject: 'Fix it properly', calls: 2 });
  });
});

test('<think> blocks are stripped, in JSON content and in text answers', async () => {
  const { result } = await run([{ json: { subject: 'Raise the lexer constant' }, think: 'The user wants {"subject": "no"} ... hmm' }]);
  expect(result.subject).toBe('Raise the lexer constant');
  const text = await run([{ text: '<think>\nreasoning {not json}\n</think>\n{"subject": "Raise the lexer constant"}' }]);
  expect(text.result.subject).toBe('Raise the lexer constant');
});

describe('subject rules', () => {
  test('imperative mood, no trailing period, capitalised', async () => {
    const { result } = await run([{ json: { subject: 'added support for nested parsers.' } }]);
    expect(result.subject).toBe('Add support for nested parsers');
  });

  test('cut to the configured length at a word boundary', async () => {
    const long = 'Updated the lexer so that every constant and every token kind is recomputed when the grammar changes and documented';
    const { result } = await run([{ json: { subject: long } }], { env: { GITFLEET_AI_SUBJECT_MAX_LENGTH: '50' } });
    expect(result.subject.length).toBeLessThanOrEqual(50);
    expect(result.subject).toBe('Update the lexer so that every constant and every');
  });

  test('the prompt and schema carry the limit', async () => {
    const { requests } = await run([{ json: { subject: 'Fix lexer' } }], { env: { GITFLEET_AI_SUBJECT_MAX_LENGTH: '60' } });
    expect(requests[0]!.system).toContain('at most 60 characters');
  });

  test('conventional type(scope) from structured fields, lower-case description', async () => {
    const { result, requests } = await run([{ json: { type: 'Feat', scope: 'Parser', subject: 'Added hunk splitting.', body: '' } }], { conventional: true });
    expect(result.subject).toBe('feat(parser): add hunk splitting');
    const schema = requests[0]!.schema as { properties: Record<string, { enum?: string[] }> };
    expect(schema.properties['type']?.enum).toContain('refactor');
  });

  test('conventional prefix written into the subject is normalised; an unknown type becomes chore', async () => {
    const a = await run([{ json: { type: '', scope: '', subject: 'FIX(lexer)!: Handles empty input' } }], { conventional: true });
    expect(a.result.subject).toBe('fix(lexer)!: handle empty input');
    const b = await run([{ json: { type: 'feature', scope: '', subject: 'README update for API' } }], { conventional: true });
    expect(b.result.subject).toBe('chore: README update for API');
  });

  test('body on request', async () => {
    const { result } = await run([{ json: { subject: 'Raise the lexer constant', body: 'The constant was 1.\n\n\n\nIt is 2 now.  ' } }], { body: true });
    expect(result.body).toBe('The constant was 1.\n\nIt is 2 now.');
    expect(result.message).toBe('Raise the lexer constant\n\nThe constant was 1.\n\nIt is 2 now.');
  });
});

test('candidates: asked for N in one call, the best is kept', async () => {
  const { result, requests } = await run(
    [{ json: { candidates: [{ subject: 'Update files' }, { subject: 'Raise the lexer constant to 2' }, { subject: 'Changed' }] } }],
    { candidates: 3 },
  );
  expect(requests).toHaveLength(1);
  expect((requests[0]!.schema as { required: string[] }).required).toEqual(['candidates']);
  expect(result.subject).toBe('Raise the lexer constant to 2');
  expect(result.candidates).toHaveLength(3);
});
