import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { checkPromptTemplate, generateCommitMessage, PROMPT_VARIABLES } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

let server: LlmServer;
let repo: TempRepo;
let dir: TempDir;
beforeAll(async () => {
  server = await startLlmServer({ handler: () => ({ json: { subject: 'Add the session store' } }) });
  repo = await stagedRepo({ 'src/a.ts': 'a\n' }, { 'src/a.ts': 'b\n', 'src/session.ts': 'export {}\n' });
  dir = await createTempDir('gitfleet-prompt-');
});
afterAll(async () => {
  await Promise.all([server.close(), repo.cleanup(), dir.cleanup()]);
});
afterEach(() => {
  server.requests.length = 0;
});

const TEMPLATE = [
  'You are the release scribe of ACME.',
  'Plan: {{plan}}',
  'Files:',
  '{{files}}',
  'Conventions: {{conventions}}',
  'Language: {{ language }}; subject at most {{max_subject_length}} characters.',
  'Style:',
  '{{style}}',
].join('\n');

test('GITFLEET_AI_PROMPT_FILE: every variable is replaced, and the JSON contract is kept', async () => {
  const file = join(dir.path, 'prompt.md');
  await writeFile(file, TEMPLATE);
  const result = await generateCommitMessage({
    repo: repo.path,
    configFile: false,
    env: serverEnv(server, 'openai', { GITFLEET_AI_PROMPT_FILE: file, GITFLEET_AI_SUBJECT_MAX_LENGTH: '60' }),
    style: 'conventional',
    language: 'es',
  });
  expect(result.fallback).toBeNull();
  const { system } = server.requests[0]!;
  expect(system).toBe(
    [
      'You are the release scribe of ACME.',
      'Plan: The user message holds the whole staged diff, with files whose content is not shown listed by name. Write one commit message for the whole change.',
      'Files:',
      '- src/a.ts (modified, +1 -1)',
      '- src/session.ts (added, +1 -0)',
      'Conventions: (none learned)',
      'Language: Spanish (es); subject at most 60 characters.',
      'Style:',
      '- Pick a Conventional Commits type (feat, fix, docs, style, refactor, perf, test, build, ci, chore, revert) and, when one area dominates, a short scope. The subject is the description only, starting lower-case, without the type prefix.',
      'Answer with the requested JSON only.',
    ].join('\n'),
  );
});

test('the prompt file from the config file is relative to it; a prompt without {{language}} still gets the language rule', async () => {
  const configDir = join(dir.path, 'cfg');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'short.txt'), 'Write a terse commit message.');
  await writeFile(join(configDir, 'config.json'), JSON.stringify({ GITFLEET_AI_PROMPT_FILE: 'short.txt' }));
  await generateCommitMessage({ repo: repo.path, configFile: join(configDir, 'config.json'), env: serverEnv(server, 'openai'), language: 'it' });
  expect(server.requests[0]!.system).toBe(
    'Write a terse commit message.\n- Write the subject and the body in Italian (it). Keep code identifiers and file paths as they are.\nAnswer with the requested JSON only.',
  );
});

test('a broken prompt file is a one-line error naming the problem, and nothing is sent', async () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['unknown.md', 'Hello {{file_list}}', /^prompt file .*unknown\.md: unknown variable \{\{file_list\}\} on line 1 \(known: plan, files, conventions, language, max_subject_length, style\)$/],
    ['brace.md', 'ok {{files}}\nthen {{language', /^prompt file .*brace\.md: unmatched \{\{ on line 2 \(variables are written \{\{name\}\}\)$/],
    ['empty.md', '  \n', /^prompt file .*empty\.md: empty$/],
    ['binary.md', Buffer.from([0xff, 0xfe, 0x00, 0x41]), /^prompt file .*binary\.md: not UTF-8 text$/],
    ['huge.md', 'x'.repeat(70_000), /^prompt file .*huge\.md: larger than 64 KiB$/],
  ];
  for (const [name, content, message] of cases) {
    const file = join(dir.path, name);
    await writeFile(file, content);
    const error = await generateCommitMessage({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai'), promptFile: file }).catch((e: unknown) => e);
    expect(error, name).toMatchObject({ code: 'GITFLEET_AI_INVALID_PROMPT', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('\n');
  }
  const missing = await generateCommitMessage({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai', { GITFLEET_AI_PROMPT_FILE: join(dir.path, 'nope.md') }) }).catch((e: unknown) => e);
  expect(missing).toMatchObject({ code: 'GITFLEET_AI_INVALID_PROMPT', message: expect.stringMatching(/nope\.md: cannot read \(ENOENT\)$/) });
  expect(server.requests).toHaveLength(0);
});

test('promptFile: false uses our prompt even when the config names one; the variables are documented', async () => {
  await generateCommitMessage({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai', { GITFLEET_AI_PROMPT_FILE: join(dir.path, 'nope.md') }), promptFile: false });
  expect(server.requests[0]!.system).toMatch(/^You write one git commit message/);
  expect(PROMPT_VARIABLES).toEqual(['plan', 'files', 'conventions', 'language', 'max_subject_length', 'style']);
  expect(checkPromptTemplate('{{plan}} {{ files }}', 'x')).toBe('{{plan}} {{ files }}');
});
