import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, git, gitText, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, headMessage, HOME_ENV } from './ai-helpers.js';
import { KEYS, plain, render, runInPty } from './pty.js';

// `gitfleet commit` on a real terminal (util-linux `script`): the choice is an @inquirer/select
// list, driven by the keys a user types.
let server: LlmServer;
let repo: TempRepo;
let scratch: TempDir;
const FIRST = 'Add the greeting helper';

beforeAll(async () => {
  server = await startLlmServer();
  scratch = await createTempDir('gitfleet-tty-');
});
afterAll(async () => {
  await Promise.all([server?.close(), scratch?.cleanup()]);
});
beforeEach(async () => {
  server.requests.length = 0;
  server.setHandler((r: LlmRequest) => (r.schemaName === 'commit_message' ? { json: { subject: FIRST } } : { json: { theme: 't', files: [] } }));
  repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'README.md': '# demo\n' }, { message: 'Initial commit' });
  await writeFile(join(repo.path, 'greet.txt'), 'hello\n');
  await git(repo.path, ['add', 'greet.txt']);
});
afterEach(async () => {
  await repo?.cleanup();
});

const terminal = (args: string[], steps: { after: string | RegExp; keys: string }[], env: Record<string, string> = {}) =>
  runInPty(['commit', ...args], { cwd: repo.path, env: { ...HOME_ENV(), ...aiEnv(server), ...env }, steps });

describe.skipIf(!existsSync('/usr/bin/script'))('gitfleet commit on a terminal', () => {
  it('shows the message with Edit, Regenerate and Cancel; Enter commits it', async () => {
    const run = await terminal([], [{ after: 'Cancel', keys: KEYS.enter }]);
    expect(run.code, plain(run.raw)).toBe(0);
    const screen = (await render(run.raw)).lines.join('\n');
    expect(screen).toContain('Commit message');
    expect(plain(run.raw)).toMatch(/Commit: Add the greeting helper[\s\S]*Edit a message first[\s\S]*Regenerate[\s\S]*Cancel/);
    expect((await headMessage(repo.path)).trim()).toBe(FIRST);
    expect(server.requests).toHaveLength(1);
  });

  it('Cancel aborts: nothing committed, exit 1', async () => {
    const head = await gitText(repo.path, ['rev-parse', 'HEAD']);
    const run = await terminal([], [{ after: 'Cancel', keys: KEYS.down.repeat(3) + KEYS.enter }]);
    expect(run.code).toBe(1);
    expect(plain(run.raw)).toContain('commit aborted; nothing was committed');
    expect(await gitText(repo.path, ['rev-parse', 'HEAD'])).toBe(head);
  });

  it('with --candidates, each candidate is a choice: the second one is committed, body included', async () => {
    const candidates = ['Add a greeting helper for the CLI', 'Introduce greet.txt with a hello line', 'Create the first greeting file'];
    server.setHandler(() => ({ json: { candidates: candidates.map((subject) => ({ subject, body: `Why: ${subject}.` })) } }));
    const run = await terminal(['--candidates', '3', '--body'], [{ after: 'Cancel', keys: KEYS.down + KEYS.enter }]);
    expect(run.code, plain(run.raw)).toBe(0);
    expect(plain(run.raw)).toContain('Choose a commit message');
    expect((await headMessage(repo.path)).trim()).toBe(`${candidates[1]!}\n\nWhy: ${candidates[1]!}.`);
  });

  it('Regenerate asks the model again and shows the new message', async () => {
    let n = 0;
    server.setHandler(() => ({ json: { subject: ++n === 1 ? FIRST : 'Write the second greeting' } }));
    const run = await terminal([], [
      { after: 'Cancel', keys: KEYS.down.repeat(2) + KEYS.enter },
      { after: 'Commit: Write the second greeting', keys: KEYS.enter },
    ]);
    expect(run.code, plain(run.raw)).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect((await headMessage(repo.path)).trim()).toBe('Write the second greeting');
  });

  it('Edit opens the git editor on the message; its text is committed', async () => {
    const editor = join(scratch.path, 'edit.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i -e "1s/^Add/Introduce/" "$1"\n', { mode: 0o755 });
    const run = await terminal([], [{ after: 'Cancel', keys: KEYS.down + KEYS.enter }], { GIT_EDITOR: editor });
    expect(run.code, plain(run.raw)).toBe(0);
    expect((await headMessage(repo.path)).trim()).toBe('Introduce the greeting helper');
  });
});
