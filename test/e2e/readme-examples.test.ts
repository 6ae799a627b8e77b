import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { node24Path } from '@gitfleet/node24';
import { createTempDir, createTrickyRepo, deterministicEnv, git, startGitHttpServer, type GitHttpServer, type TempDir, type TrickyRepo } from '@gitfleet/test-kit';
import { startForgeServer, type ForgeServer } from '@gitfleet/test-kit/forge-server';
import { startLlmServer, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every ```js block of the READMEs (and the migration guide) is a program a user can paste into a
// file and run with `node`, on every supported Node version. The test runs each one as written,
// against a world on loopback: a repository with a staged change as the working directory,
// github.com URLs rewritten by git's own `url.<base>.insteadOf` to a smart-HTTP server,
// GITHUB_API_URL / GITLAB_API_URL on the fake forge (whose clone URLs point at that git server, so
// its repositories clone for real), and the model on the fake LLM server.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READMES = ['README.md', 'packages/git/README.md', 'packages/providers/README.md', 'packages/tokens/README.md', 'packages/ai-diff/README.md', 'packages/session/README.md', 'packages/dataset/README.md', 'packages/mine/README.md', 'apps/cli/README.md', 'apps/sdk/README.md', 'docs/migrating-from-gitfleet.md'];
// Example files live inside the test package, so `@gitfleet/*` imports resolve as in an app that depends on them.
const EXAMPLES_DIR = fileURLToPath(new URL('../.examples', import.meta.url));
const TOKEN = 'ghp_examplesEEEEEEEEEEEEEEEEEEEEEEEEEEEE1';
const GITLAB_TOKEN = 'glpat-examplesEEEEEEEEEEEEEE2';
const AI_KEY = 'sk-examples-1a2b3c4d5e6f';

interface Example {
  readme: string;
  index: number;
  code: string;
}

async function examples(): Promise<Example[]> {
  const out: Example[] = [];
  for (const readme of READMES) {
    const text = await readFile(join(ROOT, readme), 'utf8');
    let index = 0;
    for (const match of text.matchAll(/^```js\n([\s\S]*?)^```$/gm)) out.push({ readme, index: ++index, code: match[1]! });
  }
  return out;
}

const NODES: [string, string][] = [[`node ${process.version}`, process.execPath]];
const node24 = node24Path();
if (node24) NODES.push(['node 24', node24]);

let home: TempDir;
let work: TempDir;
let tricky: TrickyRepo;
let gitServer: GitHttpServer;
let forge: ForgeServer;
let llm: LlmServer;

beforeAll(async () => {
  [home, work, tricky] = await Promise.all([createTempDir('gitfleet-ex-home-'), createTempDir('gitfleet-ex-work-'), createTrickyRepo()]);
  const served = join(work.path, 'served');
  const servedRepos = ['expressjs/express.git', 'nodejs/undici.git', 'nodejs/node.git', 'gitlab-org/ci-cd/runner.git', 'gitlab-org/ci-cd/pipelines.git'];
  for (const name of servedRepos) await git(work.path, ['clone', '--quiet', '--bare', tricky.path, join(served, name)]);
  gitServer = await startGitHttpServer({ root: served });
  await writeFile(join(home.path, '.gitconfig'), `[url "http://127.0.0.1:${gitServer.port}/"]\n\tinsteadOf = https://github.com/\n`);
  forge = await startForgeServer({
    seed: {
      orgs: [{ login: 'nodejs', members: ['ada'] }, { login: 'gitlab-org', members: ['ada'] }],
      groups: [{ path: 'gitlab-org/ci-cd' }],
      repos: [
        { owner: 'nodejs', name: 'node', issues: 60 },
        { owner: 'gitlab-org/ci-cd', name: 'runner' },
        { owner: 'gitlab-org/ci-cd', name: 'pipelines' },
      ],
    },
    identities: [
      { token: TOKEN, login: 'ada', limit: 500 },
      { token: GITLAB_TOKEN, login: 'ada', provider: 'gitlab' },
    ],
    webUrl: `http://127.0.0.1:${gitServer.port}`,
  });
  llm = await startLlmServer();
  await mkdir(EXAMPLES_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await Promise.all([gitServer?.close(), forge?.close(), llm?.close()]);
  await Promise.all([home?.cleanup(), work?.cleanup(), tricky?.cleanup(), rm(EXAMPLES_DIR, { recursive: true, force: true })]);
});

function env(): Record<string, string> {
  return {
    ...deterministicEnv(home.path),
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    GITFLEET_CACHE_DIR: join(home.path, 'cache'),
    GITFLEET_CREDENTIALS_FILE: join(home.path, 'credentials.json'),
    GITFLEET_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
    GITHUB_API_URL: forge.githubUrl,
    GITLAB_API_URL: forge.gitlabUrl,
    GITHUB_TOKENS: TOKEN,
    GITLAB_TOKEN,
    GITFLEET_AI_PROVIDER: 'openai',
    GITFLEET_AI_BASE_URL: llm.baseUrls.openai,
    GITFLEET_AI_API_KEY: AI_KEY,
    GITFLEET_AI_MODEL: 'gpt-4.1-mini',
  };
}

const all = await examples();

describe('README examples run as written', () => {
  it('there are examples, and none needs `await using` (a SyntaxError on Node 20)', () => {
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const e of all) expect(e.code, `${e.readme} #${e.index}`).not.toMatch(/\bawait using\b/);
  });

  describe.each(NODES)('%s', (_label, node) => {
    it.each(all.map((e) => [`${e.readme} #${e.index}`, e] as const))('%s', async (_name, example) => {
      const file = join(EXAMPLES_DIR, `${example.readme.replaceAll('/', '-')}-${example.index}.mjs`);
      await writeFile(file, example.code);
      // A fresh working copy per run, with the tricky repository's staged change.
      const cwd = join(work.path, `cwd-${Math.random().toString(36).slice(2)}`);
      await git(work.path, ['clone', '--quiet', tricky.path, cwd]);
      await writeFile(join(cwd, 'staged.md'), '# Staged\n\nA new page.\n');
      await git(cwd, ['add', 'staged.md']);
      const result = await promisify(execFile)(node, [file], { cwd, env: env(), maxBuffer: 64 << 20, timeout: 120_000 }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(result.stderr, 'stderr').not.toMatch(/SyntaxError|TypeError|ReferenceError|Error \[ERR_/);
      expect('code' in result ? result.code : 0, result.stderr).toBe(0);
      expect(result.stdout.length, 'stdout').toBeGreaterThan(0);
      for (const secret of [TOKEN, GITLAB_TOKEN, AI_KEY]) expect(result.stdout + result.stderr).not.toContain(secret);
      if (process.env['SHOW_EXAMPLE_OUTPUT']) console.log(`--- ${example.readme} #${example.index}\n${result.stdout.slice(0, 1500)}\n${result.stderr.slice(0, 800)}`);
    }, 180_000);
  });
});
