import type { TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmReply, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { proposeSplit } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

let server: LlmServer;
let repo: TempRepo;
beforeAll(async () => {
  server = await startLlmServer();
  repo = await stagedRepo(
    { 'src/parser.ts': 'export const p = 1;\n', 'docs/old.md': '# old\n' },
    { 'src/parser.ts': 'export const p = 2;\n', 'test/parser.test.ts': 'test("p", () => {});\n', 'docs/guide.md': '# Guide\n', 'package.json': '{"name":"x"}\n' },
    [['docs/old.md', 'docs/renamed.md']],
  );
});
afterAll(async () => {
  await Promise.all([server.close(), repo.cleanup()]);
});
afterEach(() => {
  server.requests.length = 0;
});

const FILES = ['README.md', 'docs/guide.md', 'docs/renamed.md', 'package.json', 'src/parser.ts', 'test/parser.test.ts'].filter((f) => f !== 'README.md');
const run = (extra: Record<string, string> = {}) => proposeSplit({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai', extra), conventional: true });
const replies = (list: LlmReply[]): ((r: LlmRequest) => LlmReply) => {
  let i = 0;
  return () => list[Math.min(i++, list.length - 1)]!;
};
const group = (files: string[], subject: string, type = 'feat', scope = '') => ({ files, subject, body: `Body of ${subject}.`, type, scope });

test('one request: the model groups the files and writes a message per group, in order; the schema asks for groups', async () => {
  server.setHandler(
    replies([
      {
        json: {
          groups: [
            group(['src/parser.ts', 'test/parser.test.ts'], 'Handle empty hunks', 'fix', 'parser'),
            // The model names the renamed file by its old path and with a b/ prefix: both match.
            group(['docs/guide.md', 'docs/old.md'], 'Add the guide', 'docs'),
            group(['b/package.json'], 'Name the package', 'build'),
          ],
        },
      },
    ]),
  );
  const proposal = await run();
  expect(server.requests).toHaveLength(1);
  const request = server.requests[0]!;
  expect(request.schemaName).toBe('commit_split');
  expect(request.user).toMatch(/^Split this staged change \(5 files, /);
  expect(request.system).toContain('Put every file of the change in exactly one group');
  expect(proposal).toMatchObject({ fallback: null, mode: 'single', calls: 1, style: 'conventional' });
  expect(proposal.groups).toEqual([
    { files: ['src/parser.ts', 'test/parser.test.ts'], subject: 'fix(parser): handle empty hunks', body: 'Body of Handle empty hunks.', message: 'fix(parser): handle empty hunks\n\nBody of Handle empty hunks.' },
    { files: ['docs/guide.md', 'docs/renamed.md'], subject: 'docs: add the guide', body: 'Body of Add the guide.', message: 'docs: add the guide\n\nBody of Add the guide.' },
    { files: ['package.json'], subject: 'build: name the package', body: 'Body of Name the package.', message: 'build: name the package\n\nBody of Name the package.' },
  ]);
  expect(proposal.groups.flatMap((g) => g.files).sort()).toEqual([...FILES].sort());
  expect(proposal.facts.find((f) => f.path === 'docs/renamed.md')).toMatchObject({ status: 'renamed', oldPath: 'docs/old.md' });
});

test('a file in no group or in two: asked once more with what is wrong; the second answer is used', async () => {
  server.setHandler(
    replies([
      { json: { groups: [group(['src/parser.ts', 'docs/guide.md'], 'A'), group(['docs/guide.md', 'invented.ts'], 'B')] } },
      { json: { groups: [group(['src/parser.ts', 'test/parser.test.ts', 'package.json'], 'Parse', 'fix'), group(['docs/guide.md', 'docs/renamed.md'], 'Docs', 'docs')] } },
    ]),
  );
  const events: string[] = [];
  const proposal = await proposeSplit({ repo: repo.path, configFile: false, env: serverEnv(server, 'openai'), onEvent: (e) => e.type === 'warning' && events.push(e.message) });
  expect(server.requests).toHaveLength(2);
  const note = server.requests[1]!.user;
  expect(note).toContain('Your previous grouping was not valid: docs/guide.md is in groups 1 and 2;');
  expect(note).toContain('test/parser.test.ts is in no group');
  expect(note).not.toContain('invented.ts is');
  expect(events[0]).toMatch(/grouping was not valid \(\d problems\); asking again/);
  expect(proposal.fallback).toBeNull();
  expect(proposal.groups.map((g) => [g.subject, g.files.length])).toEqual([
    ['Parse', 3],
    ['Docs', 2],
  ]);
});

test('invalid twice: the groups are made locally, by directory, and every file is still in exactly one group', async () => {
  server.setHandler(replies([{ json: { groups: [group(['src/parser.ts'], 'Only one')] } }]));
  const proposal = await run();
  expect(server.requests).toHaveLength(2);
  expect(proposal.fallback?.reason).toMatch(/^the model's grouping was not valid twice: /);
  expect(proposal.mode).toBe('local');
  expect(proposal.groups.flatMap((g) => g.files).sort()).toEqual([...FILES].sort());
  // Largest directory first; each group's message is built from its own files.
  expect(proposal.groups.map((g) => g.subject)).toEqual(['docs: update 2 files in docs', 'build: add package.json', 'chore: update src/parser.ts', 'test(test): add test/parser.test.ts']);
});

test('without a provider the split is local; a down provider too', async () => {
  const none = await proposeSplit({ repo: repo.path, configFile: false, env: {} });
  expect(none.fallback?.reason).toMatch(/no provider/);
  expect(none.groups.flatMap((g) => g.files).sort()).toEqual([...FILES].sort());
  server.setHandler(() => ({ status: 500, message: 'boom' }));
  const down = await run({ GITFLEET_AI_RETRIES: '0' });
  expect(down.fallback?.reason).toMatch(/HTTP 500/);
  expect(down.groups.length).toBeGreaterThan(1);
});
