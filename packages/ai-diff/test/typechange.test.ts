// A type change (a symlink that becomes a file, or back) is one file that git prints as two
// patches: the old side deleted, the new side added. Both halves reach the model as one file.
import { git, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { destroyAiDiffPool, generateCommitMessage, parseDiff, prepareDiff } from '../src/index.js';
import { pipelineHandler, serverEnv, stagedRepo } from './helpers.js';

let server: LlmServer;
let repo: TempRepo;
beforeAll(async () => {
  server = await startLlmServer({ handler: pipelineHandler({ subject: 'Give the docs their own README' }) });
  repo = await stagedRepo(
    { 'docs/README.md': { symlink: '../README.md' }, 'src/a.ts': 'export const a = 1;\n' },
    { 'docs/README.md': '# Docs\n\nThe docs site has its own page now.\n', 'src/a.ts': 'export const a = 2;\n' },
  );
});
afterAll(async () => {
  await Promise.all([server.close(), repo.cleanup(), destroyAiDiffPool()]);
});

describe('a staged type change', () => {
  for (const source of ['repo', 'diff'] as const) {
    test(`from ${source === 'repo' ? 'the repository' : 'the diff text'}: one file, the old link and the new content both in the request`, async () => {
      const text = (await git(repo.path, ['diff', '--cached'])).toString('utf8');
      const input = source === 'repo' ? { repo: repo.path } : { diff: text };
      const mark = server.requests.length;
      const result = await generateCommitMessage({ ...input, configFile: false, env: serverEnv(server, 'openai') });
      expect(result.fallback).toBeNull();
      const [request] = server.requests.slice(mark);
      expect(request!.user).toContain('-../README.md');
      expect(request!.user).toContain('+The docs site has its own page now.');
      expect(request!.user.match(/^\+The docs site/gm)).toHaveLength(1);
      const { facts } = await prepareDiff(input);
      expect(facts.filter((f) => f.path === 'docs/README.md')).toEqual([expect.objectContaining({ status: 'typechange', additions: 3, deletions: 1 })]);
    });
  }

  test('parseDiff: the two patches of one path are one typechange file', async () => {
    const text = (await git(repo.path, ['diff', '--cached'])).toString('utf8');
    expect(parseDiff(text).map((f) => [f.path, f.status, f.additions, f.deletions, f.hunks.length])).toEqual([
      ['docs/README.md', 'typechange', 3, 1, 2],
      ['src/a.ts', 'modified', 1, 1, 1],
    ]);
    expect(parseDiff(text)[0]!.modeChange).toEqual({ from: '120000', to: '100644' });
  });
});
