import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, git, gitText, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, headMessage } from './ai-helpers.js';

const SUBJECT = 'Add greeting helper';
let server: LlmServer;
let repo: TempRepo;
let scratch: Awaited<ReturnType<typeof createTempDir>>;

const answer = (request: LlmRequest) =>
  request.schemaName === 'commit_message' ? { json: { subject: SUBJECT } } : { json: { theme: 'greeting', files: [] } };

beforeAll(async () => {
  server = await startLlmServer({ handler: answer });
  scratch = await createTempDir('gitfleet-ai-commit-');
});
afterAll(async () => {
  await Promise.all([server?.close(), scratch?.cleanup()]);
});
beforeEach(async () => {
  server.requests.length = 0;
  repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'README.md': '# demo\n', 'app.txt': 'v1\n' }, { message: 'Initial commit' });
});
afterEach(async () => {
  await repo?.cleanup();
});

async function stage(): Promise<void> {
  await writeFile(join(repo.path, 'greet.txt'), 'hello marker-commit\n');
  await git(repo.path, ['add', 'greet.txt']);
}

describe('gitfleet commit', () => {
  it('--yes commits the generated message', async () => {
    await stage();
    const r = await gitfleet(repo.path, ['commit', '--yes'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-commit');
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
    expect(await gitText(repo.path, ['status', '--porcelain'])).toBe('');
    // The message file is gone after a successful commit.
    expect(existsSync(join(repo.path, '.git', 'GITFLEET_EDITMSG'))).toBe(false);
  });

  it('--edit opens the git editor; its changes are committed, comment lines stripped', async () => {
    await stage();
    const editor = join(scratch.path, 'edit.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i -e "1s/^Add/Introduce/" "$1"\n', { mode: 0o755 });
    const r = await gitfleet(repo.path, ['commit', '--edit'], { ...aiEnv(server), GIT_EDITOR: editor });
    expect(r.code, r.stderr).toBe(0);
    expect(await headMessage(repo.path)).toBe('Introduce greeting helper\n\n');
  });

  it('a failing git commit keeps the message file and says where', async () => {
    await stage();
    // A commit-msg hook that rejects everything makes git commit fail after our message is written.
    await writeFile(join(repo.path, '.git', 'hooks', 'commit-msg'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const r = await gitfleet(repo.path, ['commit', '--yes'], aiEnv(server));
    expect(r.code).toBe(1);
    const file = join(repo.path, '.git', 'GITFLEET_EDITMSG');
    expect(r.stderr).toContain(`gitfleet: git commit exited with code 1 (the message is kept in ${file})`);
    expect(await readFile(file, 'utf8')).toBe(`${SUBJECT}\n`);
  });

  it('an editor that fails aborts without committing', async () => {
    await stage();
    const head = await gitText(repo.path, ['rev-parse', 'HEAD']);
    const r = await gitfleet(repo.path, ['commit', '--edit'], { ...aiEnv(server), GIT_EDITOR: 'false' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gitfleet: the editor \(false\) exited with code 1; nothing was committed$/m);
    expect(await gitText(repo.path, ['rev-parse', 'HEAD'])).toBe(head);
  });

  it('--all describes and commits tracked changes that were not staged', async () => {
    await writeFile(join(repo.path, 'app.txt'), 'v2 marker-all\n');
    const r = await gitfleet(repo.path, ['commit', '--all', '--yes'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests[0]!.user).toContain('marker-all');
    expect(await gitText(repo.path, ['show', 'HEAD:app.txt'])).toBe('v2 marker-all\n');
  });

  it('arguments after -- go to git commit', async () => {
    await stage();
    const r = await gitfleet(repo.path, ['commit', '--yes', '--', '--signoff'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(await headMessage(repo.path)).toMatch(new RegExp(`^${SUBJECT}\\n\\nSigned-off-by: `));
  });

  it('nothing staged: exit 1 with a clear message, no request', async () => {
    const r = await gitfleet(repo.path, ['commit', '--yes'], aiEnv(server));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('gitfleet: nothing staged to commit: stage changes with git add, or use --all\n');
    expect(server.requests).toHaveLength(0);
  });

  it('off a terminal without --yes or --edit: usage error, exit 2, no request', async () => {
    await stage();
    const r = await gitfleet(repo.path, ['commit'], aiEnv(server));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --yes/);
    expect(server.requests).toHaveLength(0);
  });
});
