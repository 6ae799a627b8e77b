import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitFiles, createEmptyRepo, git, gitText, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, SECRET } from './ai-helpers.js';

const SUBJECT = 'Add greeting helper';
let server: LlmServer;
let repo: TempRepo;

const answer = (request: LlmRequest) =>
  request.schemaName === 'commit_message'
    ? { json: { subject: SUBJECT, body: 'Greets people by name.', type: 'feat', scope: 'greet' } }
    : { json: { theme: 'greeting', files: [] } };

beforeAll(async () => {
  server = await startLlmServer({ handler: answer });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  server.requests.length = 0;
  server.setHandler(answer);
  repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'README.md': '# demo\n' }, { message: 'Initial commit' });
});
afterEach(async () => {
  await repo?.cleanup();
});

async function stageGreeting(): Promise<void> {
  await writeFile(join(repo.path, 'greet.js'), 'export const greet = (name) => `hello ${name}`; // marker-greet\n');
  await writeFile(join(repo.path, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'demo' } } }, null, 2));
  await git(repo.path, ['add', 'greet.js', 'package-lock.json']);
}

describe('gitfleet commit-msg', () => {
  it('stdout is the message alone; omitted files go to stderr', async () => {
    await stageGreeting();
    const r = await gitfleet(repo.path, ['commit-msg'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${SUBJECT}\n`);
    expect(r.stderr).toMatch(/^gitfleet: omitted package-lock\.json \(lock file\)$/m);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.user).toContain('marker-greet');
    expect(server.requests[0]!.user).not.toContain('lockfileVersion');
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
  });

  it('--conventional --body: type(scope): subject, blank line, body', async () => {
    await stageGreeting();
    const r = await gitfleet(repo.path, ['commit-msg', '--conventional', '--body', '--repo', repo.path], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^feat\(greet\): \S.*\n\nGreets people by name\.\n$/);
  });

  it('--format json: the whole result', async () => {
    await stageGreeting();
    const r = await gitfleet(repo.path, ['commit-msg', '-f', 'json'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { subject: string; fallback: boolean; fallbackReason: string | null; calls: number; omitted: { path: string }[] };
    expect(result).toMatchObject({ subject: SUBJECT, fallback: false, fallbackReason: null, calls: 1 });
    expect(result.omitted.map((o) => o.path)).toEqual(['package-lock.json']);
  });

  it('--diff - reads a unified diff from stdin (no repository needed)', async () => {
    await stageGreeting();
    const diff = await gitText(repo.path, ['diff', '--cached']);
    const r = await gitfleet(repo.path, ['commit-msg', '--diff', '-'], aiEnv(server), diff);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${SUBJECT}\n`);
    expect(server.requests[0]!.user).toContain('marker-greet');
  });

  it('--diff with --repo is a usage error (exit 2)', async () => {
    const r = await gitfleet(repo.path, ['commit-msg', '--diff', 'x.patch', '--repo', '.'], aiEnv(server));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gitfleet: give either --repo or --diff, not both\n');
  });

  it('--dry-run shows files, omitted files, budget and calls without calling the model', async () => {
    await stageGreeting();
    const text = await gitfleet(repo.path, ['commit-msg', '--dry-run'], aiEnv(server, { GITFLEET_AI_MAX_INPUT_TOKENS: '8000' }));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^provider: +openai \(gpt-4\.1-mini\) at http:\/\/127\.0\.0\.1:\d+\/v1$/m);
    expect(text.stdout).toMatch(/^budget: +8000 input tokens per request/m);
    expect(text.stdout).toMatch(/^calls: +1 model call /m);
    expect(text.stdout).toMatch(/^ +greet\.js +added +1 +0$/m);
    expect(text.stdout).toMatch(/^omitted: +package-lock\.json \(lock file\)$/m);

    const json = await gitfleet(repo.path, ['commit-msg', '--dry-run', '-f', 'json'], aiEnv(server));
    const plan = JSON.parse(json.stdout) as { calls: number; files: string[]; mode: string };
    expect(plan).toMatchObject({ calls: 1, files: ['greet.js'], mode: 'single' });
    expect(json.stdout).not.toContain(SECRET);
    expect(server.requests).toHaveLength(0);
  });

  it('a failing provider: the local message on stdout, the reason on stderr, exit 0', async () => {
    server.setHandler(() => ({ status: 500, message: 'overloaded' }));
    await stageGreeting();
    const r = await gitfleet(repo.path, ['commit-msg'], aiEnv(server, { GITFLEET_AI_RETRIES: '0' }));
    expect(r.code, r.stderr).toBe(0);
    // One line (no --body): the library's locally built subject, not the model's.
    expect(r.stdout).toMatch(/^\S.*\n$/);
    expect(r.stdout).not.toContain(SUBJECT);
    expect(r.stderr).toMatch(/^gitfleet: used a locally built message: provider failed/m);
    expect(server.requests).toHaveLength(1);
  });

  it('nothing staged: exit 1 with a clear message, no request', async () => {
    const r = await gitfleet(repo.path, ['commit-msg'], aiEnv(server));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('gitfleet: nothing staged to commit: stage changes with git add\n');
    expect(r.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('invalid AI configuration is reported in one line, exit 1', async () => {
    await stageGreeting();
    const r = await gitfleet(repo.path, ['commit-msg'], aiEnv(server, { GITFLEET_AI_PROVIDER: 'skynet' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gitfleet: invalid AI configuration: .*GITFLEET_AI_PROVIDER/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
