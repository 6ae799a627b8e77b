import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, createTrickyRepo, git, writeFiles, type TrickyRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFleet, type PipelineEvent } from '../src/index.js';

const API_KEY = 'sk-sdk-commit-message-1a2b3c';

let tricky: TrickyRepo;
let llm: LlmServer;
beforeAll(async () => {
  tricky = await createTrickyRepo();
  llm = await startLlmServer({
    handler: (request) => (request.schemaName === 'file_analysis' ? { json: { theme: 'parts', files: [] } } : { json: { subject: 'Add the staged pages', body: '', type: 'feat', scope: '' } }),
  });
});
afterAll(async () => {
  await llm?.close();
  await tricky?.cleanup();
});

describe('GitFleet: commit messages', () => {
  it("writes the message for the staged change with the model in the GitFleet's env, never sending or emitting the key", async () => {
    const gf = createGitFleet({
      cache: false,
      env: { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: llm.baseUrls.openai, GITFLEET_AI_API_KEY: API_KEY, GITFLEET_AI_MODEL: 'gpt-4.1-mini' },
    });
    try {
      const events: PipelineEvent[] = [];
      const mark = llm.requests.length;
      const result = await gf.commitMessage({ repo: tricky.path, configFile: false, onEvent: (e) => events.push(e) });
      expect(result).toMatchObject({ subject: 'Add the staged pages', fallback: null, mode: 'single', calls: 1 });
      const [request] = llm.requests.slice(mark);
      // The staged change is what the model saw (the tricky repository stages its facts.staged paths).
      for (const entry of tricky.facts.staged) expect(request!.user).toContain(entry.path);
      expect(request!.credential?.header).toBe('authorization');
      expect(JSON.stringify(events)).not.toContain(API_KEY);
    } finally {
      await gf.close();
    }
  });

  it('without a model, a local message from the diff', async () => {
    const gf = createGitFleet({ cache: false, env: {} });
    try {
      const mark = llm.requests.length;
      const result = await gf.commitMessage({ diff: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n', configFile: false });
      expect(result.mode).toBe('local');
      expect(result.fallback?.reason).toBeTruthy();
      expect(result.subject.length).toBeGreaterThan(0);
      expect(llm.requests.length).toBe(mark);
    } finally {
      await gf.close();
    }
  });
});

describe('GitFleet: style, language, exclude, conventions and split', () => {
  it("conventions(), commitMessage({ conventions, style, language, exclude }) and proposeSplit() on a real repository, the conventions cached in the GitFleet's cache", async () => {
    await using repo = await createEmptyRepo();
    await using cacheDir = await createTempDir('gitfleet-sdk-conventions-');
    for (let i = 0; i < 6; i++) {
      await commitFiles(repo.path, { [`packages/git/src/f${String(i)}.ts`]: `export const v = ${String(i)};\n` }, { message: `feat(git): add reader ${String(i)}` });
    }
    await writeFiles(repo.path, { 'packages/git/src/f0.ts': 'export const v = 10;\n', 'packages/git/fixtures/big.json': '{"secretish": "do not send"}\n', 'docs/guide.md': '# Guide\n' });
    await git(repo.path, ['add', '-A']);
    const env = { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: llm.baseUrls.openai, GITFLEET_AI_API_KEY: API_KEY, GITFLEET_AI_MODEL: 'gpt-4.1-mini' };
    const gf = createGitFleet({ cache: cacheDir.path, env });
    try {
      const learned = await gf.conventions(repo.path);
      expect(learned).toMatchObject({ style: 'conventional', cached: false, commits: 6 });
      expect(await readdir(join(cacheDir.path, 'ai-conventions'))).not.toHaveLength(0);
      expect((await gf.conventions(repo.path)).cached).toBe(true);

      llm.setHandler(() => ({ json: { subject: 'Lire les fichiers plus vite', body: '', type: 'perf', scope: 'git' } }));
      let mark = llm.requests.length;
      const result = await gf.commitMessage({ repo: repo.path, configFile: false, conventions: true, language: 'fr', exclude: ['**/fixtures/**'] });
      const [request] = llm.requests.slice(mark);
      expect(request!.system).toContain('Write the subject and the body in French (fr).');
      expect(request!.system).toContain('the scope git (packages/git) for the paths of this change');
      expect(request!.user).not.toContain('do not send');
      expect(result).toMatchObject({ style: 'conventional', subject: 'perf(git): lire les fichiers plus vite', fallback: null });
      expect(result.omitted.map((o) => o.path)).toContain('packages/git/fixtures/big.json');

      await expect(gf.commitMessage({ repo: repo.path, configFile: false, style: 'gitmoji', conventional: true })).rejects.toMatchObject({ code: 'GITFLEET_AI_INVALID_OPTION' });

      llm.setHandler(() => ({
        json: {
          groups: [
            { files: ['packages/git/src/f0.ts', 'packages/git/fixtures/big.json'], subject: 'Read faster', body: '', type: 'perf', scope: 'git' },
            { files: ['docs/guide.md'], subject: 'Write the guide', body: '', type: 'docs', scope: '' },
          ],
        },
      }));
      mark = llm.requests.length;
      const split = await gf.proposeSplit({ repo: repo.path, configFile: false, conventions: true, body: false });
      expect(llm.requests.slice(mark).map((r) => r.schemaName)).toEqual(['commit_split']);
      expect(split).toMatchObject({ fallback: null, style: 'conventional' });
      expect(split.groups.map((g) => [g.subject, g.files])).toEqual([
        ['perf(git): read faster', ['packages/git/src/f0.ts', 'packages/git/fixtures/big.json']],
        ['docs: write the guide', ['docs/guide.md']],
      ]);
    } finally {
      await gf.close();
    }
    expect(() => gf.proposeSplit({ repo: repo.path })).toThrow(expect.objectContaining({ code: 'GITFLEET_SDK_CLOSED' }));
  });
});
