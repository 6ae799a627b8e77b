import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, git, gitText, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, headMessage, processCommandLines, runGit, SECRET, writeHusky9 } from './ai-helpers.js';

const SUBJECT = 'Add greeting helper';

let server: LlmServer;
let repo: TempRepo;
let scratch: Awaited<ReturnType<typeof createTempDir>>;

const answer = (request: LlmRequest) =>
  request.schemaName === 'commit_message' ? { json: { subject: SUBJECT, body: 'Greets people by name.' } } : { json: { theme: 'greeting', files: [] } };

beforeAll(async () => {
  server = await startLlmServer({ handler: answer });
  scratch = await createTempDir('gitfleet-ai-hook-');
});
afterAll(async () => {
  await Promise.all([server?.close(), scratch?.cleanup()]);
});
beforeEach(async () => {
  server.requests.length = 0;
  server.setHandler(answer);
  repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'README.md': '# demo\n', 'src/app.txt': 'app v1\n' }, { message: 'Initial commit' });
  const install = await gitfleet(repo.path, ['hook', 'install']);
  expect(install.code, install.stderr).toBe(0);
});
afterEach(async () => {
  await repo?.cleanup();
});

/** An editor that saves what git showed it, then accepts the message as is. */
async function recordingEditor(): Promise<{ env: Record<string, string>; seen: () => Promise<string> }> {
  const seenFile = join(scratch.path, `seen-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const editor = join(scratch.path, 'record-editor.sh');
  await writeFile(editor, '#!/bin/sh\ncp "$1" "$SEEN_FILE"\n', { mode: 0o755 });
  return { env: { GIT_EDITOR: editor, SEEN_FILE: seenFile }, seen: () => readFile(seenFile, 'utf8') };
}

describe('prepare-commit-msg hook', () => {
  it('plain git commit: the staged diff goes to the model, the message lands in HEAD above git\'s comments', async () => {
    await writeFile(join(repo.path, 'src/greet.txt'), 'hello marker-staged-greet\n');
    await git(repo.path, ['add', 'src/greet.txt']);
    const editor = await recordingEditor();
    const commit = await runGit(repo.path, ['commit'], { ...aiEnv(server), ...editor.env });
    expect(commit.code, commit.stderr).toBe(0);

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-staged-greet');
    expect(server.requests[0]!.credential?.header).toBe('authorization');
    expect(await headMessage(repo.path)).toBe(`${SUBJECT}\n\n`);
    // The editor saw the generated message on top, git's own comment lines kept below.
    const seen = await editor.seen();
    expect(seen.startsWith(`${SUBJECT}\n\n# Please enter the commit message`)).toBe(true);
    expect(`${commit.stdout}${commit.stderr}`).not.toContain(SECRET);
  });

  it('git commit -a reads git\'s temporary index: unstaged tracked changes are described', async () => {
    await writeFile(join(repo.path, 'src/app.txt'), 'app v2 marker-unstaged-app\n');
    const commit = await runGit(repo.path, ['commit', '-a', '--no-edit'], aiEnv(server));
    expect(commit.code, commit.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-unstaged-app');
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
    expect(await gitText(repo.path, ['show', 'HEAD:src/app.txt'])).toContain('marker-unstaged-app');
  });

  it('git commit <path> reads the path-only index: other staged changes are not described', async () => {
    await writeFile(join(repo.path, 'README.md'), '# demo\nmarker-staged-readme\n');
    await git(repo.path, ['add', 'README.md']);
    await writeFile(join(repo.path, 'src/app.txt'), 'app v2 marker-path-app\n');
    const commit = await runGit(repo.path, ['commit', '--no-edit', '--', 'src/app.txt'], aiEnv(server));
    expect(commit.code, commit.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-path-app');
    expect(server.requests[0]!.user).not.toContain('marker-staged-readme');
    expect(await gitText(repo.path, ['show', '--name-only', '--format=', 'HEAD'])).toBe('src/app.txt\n');
  });

  it('-m, -F, templates, merges, squashes and amends are left alone: no request', async () => {
    const env = { ...aiEnv(server), GIT_EDITOR: 'true' };
    await writeFile(join(repo.path, 'a.txt'), 'a\n');
    await git(repo.path, ['add', 'a.txt']);
    expect((await runGit(repo.path, ['commit', '-m', 'Written by hand'], env)).code).toBe(0);
    expect((await headMessage(repo.path)).trim()).toBe('Written by hand');

    await writeFile(join(scratch.path, 'msg.txt'), 'From a file\n');
    expect((await runGit(repo.path, ['commit', '--allow-empty', '-F', join(scratch.path, 'msg.txt')], env)).code).toBe(0);

    await writeFile(join(scratch.path, 'template.txt'), 'Template subject\n');
    // git refuses an unedited template: this editor edits it.
    const editTemplate = { ...env, GIT_EDITOR: "sed -i -e 's/^Template subject$/Edited template/'" };
    const template = await runGit(repo.path, ['commit', '--allow-empty', '-t', join(scratch.path, 'template.txt')], editTemplate);
    expect(template.code, template.stderr).toBe(0);
    expect((await headMessage(repo.path)).trim()).toBe('Edited template');

    // Amending (source "commit") keeps the existing message, with or without the editor.
    for (const args of [['--amend', '--no-edit'], ['--amend']]) {
      const amend = await runGit(repo.path, ['commit', '--allow-empty', ...args], env);
      expect(amend.code, amend.stderr).toBe(0);
    }
    expect((await headMessage(repo.path)).trim()).toBe('Edited template');

    await git(repo.path, ['checkout', '--quiet', '-b', 'side']);
    await commitFiles(repo.path, { 'side.txt': 'side\n' }, { message: 'Side work' });
    await commitFiles(repo.path, { 'side2.txt': 'side 2\n' }, { message: 'More side work' });
    await git(repo.path, ['checkout', '--quiet', 'main']);
    const merge = await runGit(repo.path, ['merge', '--no-ff', 'side'], env);
    expect(merge.code, merge.stderr).toBe(0);
    expect((await headMessage(repo.path)).trim()).toBe("Merge branch 'side'");

    await git(repo.path, ['checkout', '--quiet', '-b', 'squashed', 'HEAD~1']);
    await git(repo.path, ['merge', '--squash', 'side']);
    const squash = await runGit(repo.path, ['commit'], env);
    expect(squash.code, squash.stderr).toBe(0);
    expect(await headMessage(repo.path)).toMatch(/^Squashed commit of the following:/);

    // Nothing staged (--allow-empty): nothing to describe.
    const empty = await runGit(repo.path, ['commit', '--allow-empty'], { ...env, GIT_EDITOR: "sed -i -e '1i Empty by hand'" });
    expect(empty.code, empty.stderr).toBe(0);
    expect((await headMessage(repo.path)).trim()).toBe('Empty by hand');

    expect(server.requests).toHaveLength(0);
  });

  it('a hanging model: the commit still completes past the deadline, with the local fallback message', async () => {
    // Generous enough for the local stage on a loaded machine, so the request does reach the hanging server.
    server.setHandler(() => ({ hang: true }));
    await writeFile(join(repo.path, 'src/greet.txt'), 'hello\n');
    await git(repo.path, ['add', 'src/greet.txt']);
    const commit = await runGit(repo.path, ['commit', '--no-edit'], aiEnv(server, { GITFLEET_HOOK_DEADLINE_MS: '8000' }));
    expect(commit.code, commit.stderr).toBe(0);
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(commit.stderr).toMatch(/gitfleet: used a locally built message: deadline of 8000 ms passed/);
    const message = (await headMessage(repo.path)).trim();
    expect(message).not.toBe('');
    expect(message).not.toContain(SUBJECT);
  });

  it('an internal error (invalid AI config) leaves the message as it was; the hook still exits 0', async () => {
    await writeFile(join(repo.path, 'b.txt'), 'b\n');
    await git(repo.path, ['add', 'b.txt']);
    const env = { ...aiEnv(server), GITFLEET_AI_CONCURRENCY: 'lots', GIT_EDITOR: 'true' };
    // The hook exits 0 (a failing prepare-commit-msg would abort before the editor); the editor ("true")
    // leaves the file empty, so git itself then refuses the empty message, as it would without the hook.
    const plain = await runGit(repo.path, ['commit'], env);
    expect(plain.stderr).toMatch(/gitfleet: hook: .*GITFLEET_AI_CONCURRENCY.* \(commit message left as it was\)/);
    expect(plain.stderr).toContain('Aborting commit due to empty commit message');
    // With a message, the commit goes through.
    const withMessage = await runGit(repo.path, ['commit', '-m', 'Manual'], env);
    expect(withMessage.code, withMessage.stderr).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('the API key is never on a command line: not the hook script\'s, not gitfleet\'s, not git\'s', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    server.setHandler(async (request) => {
      arrived();
      await gate;
      return answer(request);
    });
    await writeFile(join(repo.path, 'c.txt'), 'c\n');
    await git(repo.path, ['add', 'c.txt']);
    const commit = runGit(repo.path, ['commit', '--no-edit'], aiEnv(server));
    await requestArrived;
    // The hook process is alive now, waiting for the model.
    const lines = await processCommandLines();
    release();
    const hookRuns = lines.filter((l) => l.includes(' hook run ') && l.includes('.git/COMMIT_EDITMSG'));
    expect(hookRuns.length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.includes(SECRET))).toEqual([]);
    const result = await commit;
    expect(result.code, result.stderr).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
    expect(await readFile(join(repo.path, '.git', 'hooks', 'prepare-commit-msg'), 'utf8')).not.toContain(SECRET);
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
  });

  it('GITFLEET_HOOK=0 skips the hook', async () => {
    await writeFile(join(repo.path, 'd.txt'), 'd\n');
    await git(repo.path, ['add', 'd.txt']);
    const commit = await runGit(repo.path, ['commit', '--no-edit'], { ...aiEnv(server), GITFLEET_HOOK: '0' });
    expect(commit.stderr).toContain('Aborting commit due to empty commit message');
    expect(server.requests).toHaveLength(0);
  });

  it('a commit in a linked worktree uses the shared hook and that worktree\'s index', async () => {
    const parent = await createTempDir('gitfleet-ai-wt-');
    try {
      const wt = join(parent.path, 'wt');
      await git(repo.path, ['worktree', 'add', '--quiet', '-b', 'wt-branch', wt]);
      await writeFile(join(wt, 'wt.txt'), 'marker-worktree\n');
      await git(wt, ['add', 'wt.txt']);
      const commit = await runGit(wt, ['commit', '--no-edit'], aiEnv(server));
      expect(commit.code, commit.stderr).toBe(0);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.user).toContain('marker-worktree');
      expect((await headMessage(wt)).trim()).toBe(SUBJECT);
    } finally {
      await parent.cleanup();
    }
  });

  it('husky v9: the hook runs under husky (sh -e) and a plain commit gets the message', async () => {
    expect((await gitfleet(repo.path, ['hook', 'uninstall'])).code).toBe(0);
    await writeHusky9(repo.path);
    expect((await gitfleet(repo.path, ['hook', 'install'])).code).toBe(0);
    await writeFile(join(repo.path, 'e.txt'), 'marker-husky\n');
    await git(repo.path, ['add', 'e.txt']);
    const commit = await runGit(repo.path, ['commit', '--no-edit'], aiEnv(server));
    expect(commit.code, commit.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-husky');
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
  });
});
