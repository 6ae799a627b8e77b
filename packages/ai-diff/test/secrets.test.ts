import { afterAll, expect, test } from 'vitest';
import { fakeSecret } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRecord } from '@gitfleet/test-kit/llm-server';
import { destroyAiDiffPool, generateCommitMessage, prepareDiff, type PipelineEvent } from '../src/index.js';
import { pipelineHandler, serverEnv, stagedRepo } from './helpers.js';

afterAll(() => destroyAiDiffPool());

/** Files that look like secrets by their path alone: their content is just a marker. */
const BY_PATH: Record<string, string> = {
  '.env': 'DB_PASSWORD=marker-dotenv-7f3a\n',
  'config/.env.production': 'API_KEY=marker-envprod-2b11\n',
  'keys/id_rsa': 'marker-idrsa-91c2\n',
  'certs/server.pem': 'marker-pem-44d8\n',
  'secrets.yml': 'token: marker-secretsyml-0b6e\n',
  'deploy/keystore.jks': 'marker-jks-5a5a\n',
  '.npmrc': 'registry=https://registry.example/\nalways-auth=marker-npmrc-e1e1\n',
  '.aws/credentials': '[default]\nkey = marker-awscreds-3c3c\n',
  '.kube/config': 'apiVersion: v1\nusers: marker-kubeconfig-8d8d\n',
};

/** Ordinary paths whose content carries a well-known credential format. */
const BY_CONTENT: Record<string, string> = {
  'src/github.ts': `export const token = '${fakeSecret('github-token', 'MarkerGithubQ1')}';\n`,
  'src/gitlab.ts': `export const token = '${fakeSecret('gitlab-token', 'MarkerGitlabQ2')}';\n`,
  'src/slack.ts': `export const token = '${fakeSecret('slack-token', 'MarkerSlackQ3')}';\n`,
  'src/npm.ts': `export const token = '${fakeSecret('npm-token', 'MarkerNpmQ4')}';\n`,
  'src/aws.ts': `export const id = '${fakeSecret('aws-access-key-id', 'MARKERAWSQ5')}';\n`,
  'src/aws-secret.py': `${fakeSecret('aws-secret-access-key', 'MarkerAwsSecretQ6')}\n`,
  'test/session.test.ts': `const jwt = '${fakeSecret('jwt', 'MarkerJwtQ7')}';\n`,
  'docs/deploy.md': `# Deploy\n\nUse this key:\n\n${fakeSecret('private-key-block', 'MarkerPrivateKeyQ8')}\n`,
};

/** The strings that must never reach the model. */
const MARKERS = [
  ...Object.values(BY_PATH).map((content) => /marker-[a-z]+-[0-9a-f]{4}/.exec(content)![0]),
  ...['MarkerGithubQ1', 'MarkerGitlabQ2', 'MarkerSlackQ3', 'MarkerNpmQ4', 'MARKERAWSQ5', 'MarkerAwsSecretQ6', 'MarkerPrivateKeyQ8'],
  // The JWT's marker is base64url-encoded inside it: look for its signature part instead.
  fakeSecret('jwt', 'MarkerJwtQ7').split('.')[2]!,
];

const ORDINARY = { 'src/app.ts': 'export const app = "marker-ordinary-app";\n' };

function sentBodies(records: readonly LlmRecord[]): string {
  return records.map((r) => JSON.stringify(r.body)).join('\n');
}

test('files that look like secrets, by path or by content, never reach any model request; the rest still does', async () => {
  await using repo = await stagedRepo({ 'src/app.ts': 'export const app = 1;\n' }, { ...ORDINARY, ...BY_PATH, ...BY_CONTENT });
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Add app settings' }) });
  const events: PipelineEvent[] = [];
  const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai'), configFile: false, body: true, onEvent: (e) => events.push(e) });

  expect(result.fallback).toBeNull();
  expect(result.subject).toBe('Add app settings');
  const bodies = sentBodies(server.requests);
  for (const marker of MARKERS) expect(bodies, marker).not.toContain(marker);
  expect(bodies).toContain('marker-ordinary-app');

  const secretPaths = [...Object.keys(BY_PATH), ...Object.keys(BY_CONTENT)].sort();
  const omitted = result.omitted.filter((o) => o.reason === 'secret');
  expect(omitted.map((o) => o.path).sort()).toEqual(secretPaths);
  for (const o of omitted) expect(o.detail, o.path).toMatch(/\S/);
  expect(events.filter((e) => e.type === 'omitted' && e.reason === 'secret')).toHaveLength(secretPaths.length);
  // Names are still given to the model, as changes without content.
  for (const path of secretPaths) expect(server.requests[0]!.user).toContain(`${path} (secret, content omitted)`);
});

test('map/reduce: no part and no final request carries a secret', async () => {
  const base: Record<string, string> = {};
  const staged: Record<string, string> = { ...BY_PATH, ...BY_CONTENT };
  for (let i = 0; i < 12; i++) {
    base[`src/m${String(i)}.ts`] = 'export const x = 1;\n'.repeat(40);
    staged[`src/m${String(i)}.ts`] = `${'export const x = 1;\n'.repeat(20)}export const y${String(i)} = 'marker-map-${String(i)}';\n${'export const x = 1;\n'.repeat(20)}`;
  }
  await using repo = await stagedRepo(base, staged);
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Spread the y constants' }) });
  const result = await generateCommitMessage({ repo: repo.path, env: serverEnv(server, 'openai', { GITFLEET_AI_MAX_INPUT_TOKENS: '900' }), configFile: false });
  expect(result.fallback).toBeNull();
  expect(result.mode).toBe('map-reduce');
  expect(server.requests.length).toBeGreaterThan(2);
  const bodies = sentBodies(server.requests);
  for (const marker of MARKERS) expect(bodies, marker).not.toContain(marker);
  for (let i = 0; i < 12; i++) expect(bodies).toContain(`marker-map-${String(i)}`);
});

test('includeSecrets sends exactly the files it names', async () => {
  await using repo = await stagedRepo({}, { ...ORDINARY, ...BY_PATH, ...BY_CONTENT });
  await using server = await startLlmServer({ handler: pipelineHandler({ subject: 'Add settings' }) });
  const result = await generateCommitMessage({
    repo: repo.path,
    env: serverEnv(server, 'openai'),
    configFile: false,
    includeSecrets: ['.env', 'src/github.ts'],
  });
  const bodies = sentBodies(server.requests);
  expect(bodies).toContain('marker-dotenv-7f3a');
  expect(bodies).toContain('MarkerGithubQ1');
  for (const marker of MARKERS.filter((m) => m !== 'marker-dotenv-7f3a' && m !== 'MarkerGithubQ1')) expect(bodies, marker).not.toContain(marker);
  expect(result.omitted.map((o) => o.path)).not.toContain('.env');
  expect(result.omitted.map((o) => o.path)).not.toContain('src/github.ts');
});

test('a diff given as text is screened the same way, and prepareDiff (the preview) shows what is left out', async () => {
  await using repo = await stagedRepo({}, { ...ORDINARY, '.env': BY_PATH['.env']!, 'src/github.ts': BY_CONTENT['src/github.ts']! });
  const { execFile } = await import('node:child_process');
  const diff = await new Promise<string>((resolve, reject) =>
    execFile('git', ['diff', '--cached'], { cwd: repo.path }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  const prepared = await prepareDiff({ diff });
  expect(prepared.omitted.filter((o) => o.reason === 'secret').map((o) => o.path).sort()).toEqual(['.env', 'src/github.ts']);
  expect(prepared.plan.mode).toBe('single');
  if (prepared.plan.mode === 'single') {
    expect(prepared.plan.message.user).toContain('marker-ordinary-app');
    expect(prepared.plan.message.user).not.toContain('marker-dotenv-7f3a');
    expect(prepared.plan.message.user).not.toContain('MarkerGithubQ1');
  }
});

test('the local fallback message lists the names of secret files, never their content', async () => {
  await using repo = await stagedRepo({}, { ...ORDINARY, ...BY_PATH, ...BY_CONTENT });
  const result = await generateCommitMessage({ repo: repo.path, env: {}, configFile: false, body: true });
  expect(result.mode).toBe('local');
  expect(result.body).toContain('- .env: added');
  expect(result.body).toContain('- src/github.ts: added');
  for (const marker of MARKERS) expect(result.message, marker).not.toContain(marker);
});
