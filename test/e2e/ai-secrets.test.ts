import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitFiles, createEmptyRepo, fakeSecret, git, type TempRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiEnv, gitfleet, headMessage, runGit } from './ai-helpers.js';

// What issue 9 staged: four files that are secrets by their path, each with a unique marker,
// plus ordinary paths carrying well-known token formats, next to an ordinary change.
const BY_PATH: Record<string, string> = {
  '.env': 'STRIPE_KEY=marker-e2e-dotenv-1d4f\n',
  'keys/id_rsa': 'marker-e2e-idrsa-77aa\n',
  'server.pem': 'marker-e2e-pem-0c9e\n',
  'secrets.yml': 'db_password: marker-e2e-secretsyml-5b21\n',
};
const BY_CONTENT: Record<string, string> = {
  'src/client.ts': `export const token = '${fakeSecret('github-token', 'MarkerE2eGithub')}';\n`,
  'docs/setup.md': `# Setup\n\n${fakeSecret('private-key-block', 'MarkerE2ePrivateKey')}\n`,
};
const MARKERS = ['marker-e2e-dotenv-1d4f', 'marker-e2e-idrsa-77aa', 'marker-e2e-pem-0c9e', 'marker-e2e-secretsyml-5b21', 'MarkerE2eGithub', 'MarkerE2ePrivateKey'];
const SECRET_PATHS = [...Object.keys(BY_PATH), ...Object.keys(BY_CONTENT)];
const SUBJECT = 'Add the payment client';

let server: LlmServer;
let repo: TempRepo;

const answer = (request: LlmRequest) =>
  request.schemaName === 'commit_message' ? { json: { subject: SUBJECT, body: 'Wire up the client.' } } : { json: { theme: 'client', files: [] } };

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
  await commitFiles(repo.path, { 'README.md': '# shop\n', 'src/app.ts': 'export const app = 1;\n' }, { message: 'Initial commit' });
  for (const [path, content] of Object.entries({ ...BY_PATH, ...BY_CONTENT, 'src/app.ts': 'export const app = "marker-e2e-ordinary";\n' })) {
    await mkdir(dirname(join(repo.path, path)), { recursive: true });
    await writeFile(join(repo.path, path), content);
  }
  await git(repo.path, ['add', '-A']);
});
afterEach(async () => {
  await repo?.cleanup();
});

/** Every request body the model server received, as sent. */
const received = (): string => server.requests.map((r) => JSON.stringify(r.body)).join('\n');

function expectNoSecretSent(): void {
  expect(server.requests.length).toBeGreaterThan(0);
  const bodies = received();
  for (const marker of MARKERS) expect(bodies, marker).not.toContain(marker);
  // The rest of the change still went to the model.
  expect(bodies).toContain('marker-e2e-ordinary');
}

function expectNamedOnStderr(stderr: string, paths = SECRET_PATHS): void {
  for (const path of paths) {
    expect(stderr).toMatch(new RegExp(`^gitfleet: omitted ${path.replace(/[.]/g, '\\.')} \\(looks like a secret: .+\\)$`, 'm'));
  }
}

describe('files that look like secrets never reach the model', () => {
  it('commit-msg --body: no secret in any request; stderr names each file and why; the message is the model\'s', async () => {
    const r = await gitfleet(repo.path, ['commit-msg', '--body'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expectNoSecretSent();
    expectNamedOnStderr(r.stderr);
    expect(r.stdout).toBe(`${SUBJECT}\n\nWire up the client.\n`);
    expect(r.stderr).toMatch(/--include-secret <path>/);
  });

  it('--include-secret sends the named file (repeatable, paths relative to the current directory); the others stay out', async () => {
    const r = await gitfleet(join(repo.path, 'src'), ['commit-msg', '--include-secret', '../.env', '--include-secret', 'client.ts'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    const bodies = received();
    expect(bodies).toContain('marker-e2e-dotenv-1d4f');
    expect(bodies).toContain('MarkerE2eGithub');
    for (const marker of MARKERS.slice(1).filter((m) => m !== 'MarkerE2eGithub')) expect(bodies, marker).not.toContain(marker);
    expectNamedOnStderr(r.stderr, SECRET_PATHS.filter((p) => p !== '.env' && p !== 'src/client.ts'));
    expect(r.stderr).not.toMatch(/omitted \.env/);
  });

  it('commit --yes: the commit is made with the model\'s message; no secret was sent', async () => {
    const r = await gitfleet(repo.path, ['commit', '--yes'], aiEnv(server));
    expect(r.code, r.stderr).toBe(0);
    expectNoSecretSent();
    expectNamedOnStderr(r.stderr);
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
  });

  it('the installed hook on a real git commit: no secret sent, files named on stderr, the commit goes through', async () => {
    const install = await gitfleet(repo.path, ['hook', 'install']);
    expect(install.code, install.stderr).toBe(0);
    const commit = await runGit(repo.path, ['commit', '--no-edit'], aiEnv(server));
    expect(commit.code, commit.stderr).toBe(0);
    expectNoSecretSent();
    expectNamedOnStderr(commit.stderr);
    expect((await headMessage(repo.path)).trim()).toBe(SUBJECT);
  });

  it('with no model, the local message lists the names only', async () => {
    const r = await gitfleet(repo.path, ['commit-msg', '--body'], {});
    expect(r.code, r.stderr).toBe(0);
    for (const path of SECRET_PATHS) expect(r.stdout).toContain(`- ${path}: added`);
    for (const marker of MARKERS) expect(r.stdout, marker).not.toContain(marker);
  });
});
