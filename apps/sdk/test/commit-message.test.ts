import { createTrickyRepo, type TrickyRepo } from '@gitfleet/test-kit';
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
