import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateCommitMessage, prepareDiff } from '../src/index.js';
import { serverEnv, stagedRepo } from './helpers.js';

let server: LlmServer;
let repo: TempRepo;
let home: TempDir;
beforeAll(async () => {
  server = await startLlmServer({ handler: () => ({ json: { subject: 'Update the app' } }) });
  home = await createTempDir('gitfleet-ignore-home-');
  repo = await stagedRepo(
    {},
    {
      '.gitfleetignore': '# fixtures are noise (fixtures/ would keep !keep.json from re-including, as in git)\nfixtures/*\n!fixtures/keep.json\n*.snap\n',
      'fixtures/big.json': '{"marker":"fixture-content"}\n',
      'fixtures/keep.json': '{"marker":"kept-content"}\n',
      'src/app.ts': 'export const app = "app-content";\n',
      'src/__snapshots__/app.snap': 'snapshot-content\n',
      'docs/notes.txt': 'notes-content\n',
      'build/out.js': 'out-content\n',
    },
  );
  await mkdir(join(home.path, 'gitfleet'), { recursive: true });
  await writeFile(join(home.path, 'gitfleet', 'ignore'), 'docs/*.txt\n');
  await writeFile(join(home.path, 'gitfleet', 'config.json'), '{}');
});
afterAll(async () => {
  await Promise.all([server.close(), repo.cleanup(), home.cleanup()]);
});

test('.gitfleetignore (repository root), the user ignore file beside the config file and exclude globs leave content out, by gitignore rules', async () => {
  const result = await generateCommitMessage({
    repo: repo.path,
    configFile: join(home.path, 'gitfleet', 'config.json'),
    env: serverEnv(server, 'openai'),
    exclude: ['build/**'],
  });
  expect(result.fallback).toBeNull();
  const excluded = result.omitted.filter((o) => o.reason === 'excluded by config');
  expect(excluded).toEqual(
    expect.arrayContaining([
      { path: 'fixtures/big.json', reason: 'excluded by config', detail: '.gitfleetignore' },
      { path: 'src/__snapshots__/app.snap', reason: 'excluded by config', detail: '.gitfleetignore' },
      { path: 'docs/notes.txt', reason: 'excluded by config', detail: join(home.path, 'gitfleet', 'ignore') },
      { path: 'build/out.js', reason: 'excluded by config' },
    ]),
  );
  expect(excluded).toHaveLength(4);
  const { user } = server.requests.at(-1)!;
  for (const hidden of ['fixture-content', 'snapshot-content', 'notes-content', 'out-content']) expect(user).not.toContain(hidden);
  for (const shown of ['kept-content', 'app-content']) expect(user).toContain(shown);
  // Named, with the reason, in the prompt.
  expect(user).toContain('fixtures/big.json (excluded by config, content omitted)');
});

test('ignoreFiles: false reads neither file; prepareDiff takes the rules as data', async () => {
  server.requests.length = 0;
  const result = await generateCommitMessage({ repo: repo.path, configFile: join(home.path, 'gitfleet', 'config.json'), env: serverEnv(server, 'openai'), ignoreFiles: false });
  expect(result.omitted).toEqual([]);
  expect(server.requests[0]!.user).toContain('fixture-content');
  const prepared = await prepareDiff({ repo: repo.path, ignore: [{ source: 'rules', patterns: '*.json\n' }] });
  expect(prepared.omitted.map((o) => [o.path, o.detail])).toEqual([
    ['fixtures/big.json', 'rules'],
    ['fixtures/keep.json', 'rules'],
  ]);
});
