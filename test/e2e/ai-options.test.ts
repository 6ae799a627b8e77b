import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, createTempDir, git, type TempDir, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, headMessage, runGit } from './ai-helpers.js';

// The CLI's message options against the test kit's model server and real repositories.
let server: LlmServer;
let repo: TempRepo;
let scratch: TempDir;

beforeAll(async () => {
  server = await startLlmServer();
  scratch = await createTempDir('gitfleet-ai-options-');
});
afterAll(async () => {
  await Promise.all([server?.close(), scratch?.cleanup()]);
});
beforeEach(async () => {
  server.requests.length = 0;
  repo = await createEmptyRepo();
  // A history written in Conventional Commits, with the scope `parser` for src/parser.
  for (let i = 0; i < 6; i++) await commitFiles(repo.path, { [`src/parser/p${String(i)}.ts`]: `${String(i)}\n` }, { message: `fix(parser): case ${String(i)}` });
  await writeFile(join(repo.path, 'src/parser/p0.ts'), 'changed marker-source\n');
  await writeFile(join(repo.path, 'fixture.json'), '{"marker":"marker-fixture"}\n');
  await writeFile(join(repo.path, 'snap.txt'), 'marker-snapshot\n');
  await writeFile(join(repo.path, '.gitfleetignore'), 'snap.txt\n');
  await git(repo.path, ['add', '-A']);
});
afterEach(async () => {
  await repo?.cleanup();
});

const answer = (json: Record<string, unknown>): void => server.setHandler(() => ({ json: { subject: 'Handle another case', ...json } }));

describe('commit-msg options', () => {
  it('the history decides Conventional Commits and the scope (learned by default); --no-conventions turns that off', async () => {
    answer({ type: 'fix', scope: 'parser' });
    const learned = await gitfleet(repo.path, ['commit-msg'], aiEnv(server));
    expect(learned.code, learned.stderr).toBe(0);
    expect(learned.stdout).toBe('fix(parser): handle another case\n');
    expect(server.requests[0]!.system).toContain('the scope parser (src/parser) for the paths of this change');
    const off = await gitfleet(repo.path, ['commit-msg', '--no-conventions'], aiEnv(server));
    expect(off.stdout).toBe('Handle another case\n');
    expect(server.requests[1]!.system).not.toContain('conventions');
  });

  it('--style gitmoji wins over the history; --conventional with another --style is a usage error', async () => {
    answer({ gitmoji: ':bug:' });
    const r = await gitfleet(repo.path, ['commit-msg', '--style', 'gitmoji'], aiEnv(server));
    expect(r.stdout).toBe('🐛 Handle another case\n');
    const bad = await gitfleet(repo.path, ['commit-msg', '--style', 'plain', '--conventional'], aiEnv(server));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('gitfleet: --conventional conflicts with --style plain\n');
  });

  it('--lang fr: asked of the model, and the local message (no provider) uses French words', async () => {
    answer({ subject: 'Gérer un autre cas', type: 'fix', scope: 'parser' });
    const r = await gitfleet(repo.path, ['commit-msg', '--lang', 'fr'], aiEnv(server));
    expect(r.stdout).toBe('fix(parser): gérer un autre cas\n');
    expect(server.requests[0]!.system).toContain('in French (fr)');
    const local = await gitfleet(repo.path, ['commit-msg', '--lang', 'fr', '--body', '--no-conventions'], {});
    expect(local.stdout).toMatch(/^Mettre à jour 4 fichiers\n\n/);
    expect(local.stdout).toContain('- src/parser/p0.ts: modifié (+1 -1)\n');
    expect(local.stdout).toContain('- snap.txt: ajouté (+1 -0, excluded by config)\n');
  });

  it('--exclude (repeatable) and .gitfleetignore leave content out and say so on stderr', async () => {
    answer({});
    const r = await gitfleet(repo.path, ['commit-msg', '--exclude', '*.json', '--no-conventions'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('gitfleet: omitted fixture.json (excluded by config)');
    expect(r.stderr).toContain('gitfleet: omitted snap.txt (excluded by config)');
    const { user } = server.requests[0]!;
    expect(user).toContain('marker-source');
    expect(user).not.toContain('marker-fixture');
    expect(user).not.toContain('marker-snapshot');
  });

  it('--prompt-file: a custom prompt is used; a broken one is one line on stderr, exit 1, nothing sent', async () => {
    const good = join(scratch.path, 'good.md');
    await writeFile(good, 'Be brief. At most {{max_subject_length}} characters.');
    answer({});
    const r = await gitfleet(repo.path, ['commit-msg', '--prompt-file', good, '--no-conventions'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests[0]!.system).toBe('Be brief. At most 72 characters.\nAnswer with the requested JSON only.');
    const bad = join(scratch.path, 'bad.md');
    await writeFile(bad, 'Hello {{diff}}');
    const broken = await gitfleet(repo.path, ['commit-msg'], aiEnv(server, { GITFLEET_AI_PROMPT_FILE: bad }));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe(`gitfleet: prompt file ${bad}: unknown variable {{diff}} on line 1 (known: plan, files, conventions, language, max_subject_length, style)\n`);
    expect(server.requests).toHaveLength(1);
  });

  it('--dry-run leaves out what a real run leaves out: .gitfleetignore and --exclude', async () => {
    const r = await gitfleet(repo.path, ['commit-msg', '--dry-run', '--exclude', '*.json', '-f', 'json'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { omitted: { path: string; detail?: string }[]; files: string[] };
    expect(summary.omitted.map((o) => [o.path, o.detail ?? null])).toEqual([
      ['fixture.json', null],
      ['snap.txt', '.gitfleetignore'],
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it('hook install --style gitmoji --lang fr: a plain git commit gets a French gitmoji message', async () => {
    const install = await gitfleet(repo.path, ['hook', 'install', '--style', 'gitmoji', '--lang', 'fr']);
    expect(install.code, install.stderr).toBe(0);
    answer({ subject: 'Gérer un autre cas', gitmoji: ':bug:' });
    const commit = await runGit(repo.path, ['commit', '--no-edit'], aiEnv(server));
    expect(commit.code, commit.stderr).toBe(0);
    expect((await headMessage(repo.path)).split('\n')[0]).toBe('🐛 Gérer un autre cas');
    expect(server.requests.at(-1)!.system).toContain('in French (fr)');
  });

  it('--help explains the new options', async () => {
    const r = await gitfleet(repo.path, ['commit', '--help']);
    for (const flag of ['--style <style>', '--lang <code>', '--exclude <glob>', '--no-conventions', '--prompt-file <path>', '--split']) expect(r.stdout).toContain(flag);
    const msg = await gitfleet(repo.path, ['commit-msg', '--help']);
    for (const flag of ['--style <style>', '--lang <code>', '--exclude <glob>', '--no-conventions', '--prompt-file <path>', '.gitfleetignore', 'GITFLEET_AI_EXCLUDE']) expect(msg.stdout).toContain(flag);
    // Every variable a prompt template may use is named.
    for (const name of ['plan', 'files', 'conventions', 'language', 'max_subject_length', 'style']) expect(msg.stdout.replace(/\s+/g, ' ')).toContain(`{{${name}}}`);
    const hook = await gitfleet(repo.path, ['hook', 'install', '--help']);
    for (const flag of ['--style <style>', '--lang <code>', '.gitfleetignore', 'GITFLEET_AI_PROMPT_FILE']) expect(hook.stdout).toContain(flag);
  });
});
