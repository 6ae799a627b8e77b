/**
 * Evaluation harness of the commit-message pipeline (`node dist/ai-eval.js`, part of `pnpm bench`).
 *
 * 1. Replay: real commits of real public repositories (`fixtures/ai-eval-commits.json`: repository
 *    names and commit ids only) are staged again (a worktree at the parent, its index set to the
 *    commit's tree) and run through `generateCommitMessage` with the repository's conventions
 *    learned from the history before the commit. The human message is kept aside. Against the test
 *    kit's model server it reports requests, input tokens, latency, the plan, what was omitted and
 *    how many of the change's files reached the final request. With a real provider configured
 *    (GITFLEET_AI_PROVIDER and the usual keys), the same commits go to it too and its messages are
 *    printed beside the human ones.
 * 2. Conventions: `learnConventions` on each repository and on a generated 10,000-commit history,
 *    first run (history read) and cached runs (one git process and a cache read; target <= 100 ms).
 *
 * The repositories are read from GITFLEET_EVAL_REPOS: a directory holding `<owner>+<name>/repo`
 * (the layout of a mirror), `<owner>+<name>` or `<name>` git directories. Without it the replay is
 * skipped (said in the report). Writes BENCHMARKS-ai-eval.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { destroyAiDiffPool, generateCommitMessage, learnConventions, type PipelineEvent } from '@gitfleet/ai-diff';
import { generateLargeRepo } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest } from '@gitfleet/test-kit/llm-server';
import { describeMachine, describeSource } from './machine.js';
import { median, round } from './stats.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/ai-eval-commits.json', import.meta.url));
const run = promisify(execFile);
const git = async (cwd: string, args: string[]): Promise<string> => (await run('git', args, { cwd, maxBuffer: 1 << 28 })).stdout;

interface FixtureCommit {
  repo: string;
  sha: string;
  files: string;
}

/** Where a repository of the fixture lives under GITFLEET_EVAL_REPOS, or null. */
function findRepo(dir: string, name: string): string | null {
  const [owner = '', repo = ''] = name.split('/');
  for (const candidate of [join(dir, `${owner}+${repo}`, 'repo'), join(dir, `${owner}+${repo}`), join(dir, repo), join(dir, `${repo}.git`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Answers like a model would: one analysis per file of a part, a message for the final request. */
function fakeModel(request: LlmRequest): { json: unknown } {
  if (request.schemaName === 'file_analysis') {
    const files = [...request.user.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m, i) => ({ path: m[1], summary: `change ${m[1] ?? ''}`, impact: (i % 5) + 1 }));
    return { json: { theme: 'part of the change', files } };
  }
  return { json: { subject: 'Update the code as the diff shows', body: '', type: 'chore', scope: '', gitmoji: ':wrench:' } };
}

interface Replay {
  commit: FixtureCommit;
  human: string;
  files: number;
  diffBytes: number;
  mode: string;
  parts: number;
  requests: number;
  inputTokens: number;
  ms: number;
  omitted: number;
  finalFiles: number;
  style: string;
  message: string;
  fallback: string | null;
}

/** Stages `sha`'s change in a fresh worktree at its parent (HEAD = parent, index = the commit's tree); no files are checked out. */
async function stageCommit(clone: string, sha: string, work: string): Promise<string> {
  const dir = join(work, sha.slice(0, 12));
  await git(clone, ['worktree', 'add', '--quiet', '--detach', '--no-checkout', dir, `${sha}^`]);
  await git(dir, ['read-tree', sha]);
  return dir;
}

async function replay(commit: FixtureCommit, worktree: string, env: NodeJS.ProcessEnv, cacheDir: string, finalUser: () => string): Promise<Replay> {
  const events: PipelineEvent[] = [];
  const started = performance.now();
  const result = await generateCommitMessage({ repo: worktree, conventions: true, cache: cacheDir, body: true, env, configFile: false, deadlineMs: 120_000, onEvent: (e) => events.push(e) });
  const ms = performance.now() - started;
  const plan = events.find((e) => e.type === 'plan');
  const requests = events.filter((e) => e.type === 'request');
  const facts = (await git(worktree, ['diff', '--cached', '--name-only', '-z'])).split('\0').filter(Boolean);
  return {
    commit,
    human: (await git(worktree, ['log', '-1', '--format=%B', commit.sha])).trim(),
    files: facts.length,
    diffBytes: Buffer.byteLength(await git(worktree, ['diff', '--cached'])),
    mode: result.mode,
    parts: plan && plan.type === 'plan' ? plan.parts : 0,
    requests: result.calls,
    inputTokens: requests.reduce((sum, e) => sum + (e.type === 'request' ? e.inputTokens : 0), 0),
    ms,
    omitted: result.omitted.length,
    finalFiles: facts.filter((path) => finalUser().includes(path)).length,
    style: result.style,
    message: result.message,
    fallback: result.fallback?.reason ?? null,
  };
}

async function conventionsTiming(repo: string, cacheDir: string): Promise<{ first: number; cached: number; commits: number; style: string }> {
  let t = performance.now();
  const first = await learnConventions({ repo, cache: cacheDir });
  const firstMs = performance.now() - t;
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    t = performance.now();
    const again = await learnConventions({ repo, cache: cacheDir });
    times.push(performance.now() - t);
    if (!again.cached) throw new Error(`conventions of ${repo} were not cached`);
  }
  return { first: firstMs, cached: median(times), commits: first.commits, style: first.areaPrefix ? 'plain, area: prefix' : first.style };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n+/g, ' / ');

async function main(): Promise<void> {
  const dir = process.env['GITFLEET_EVAL_REPOS'];
  const fixture = JSON.parse(await readFile(FIXTURE, 'utf8')) as FixtureCommit[];
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-ai-eval-'));
  const cacheDir = join(work, 'cache');
  const server = await startLlmServer({ handler: fakeModel });
  const fakeEnv = { GITFLEET_AI_PROVIDER: 'openai', GITFLEET_AI_BASE_URL: server.baseUrls.openai, GITFLEET_AI_API_KEY: 'sk-eval', GITFLEET_AI_MODEL: 'gpt-4.1-mini', GITFLEET_AI_MAX_INPUT_TOKENS: '16000' };
  const real = process.env['GITFLEET_AI_PROVIDER'] && process.env['GITFLEET_AI_PROVIDER'] !== 'none' ? process.env : null;
  const replays: Replay[] = [];
  const realReplays: Replay[] = [];
  const timings: { name: string; first: number; cached: number; commits: number; style: string }[] = [];
  const missing: string[] = [];
  const failures: { commit: FixtureCommit; error: string }[] = [];
  try {
    const clones = new Map<string, string>();
    for (const name of new Set(fixture.map((c) => c.repo))) {
      const source = dir ? findRepo(dir, name) : null;
      if (!source) {
        missing.push(name);
        continue;
      }
      // A shared bare clone: worktrees are added there, never in the source.
      const clone = join(work, `${name.replace('/', '+')}.git`);
      await git(work, ['clone', '--quiet', '--bare', '--shared', source, clone]);
      clones.set(name, clone);
      process.stderr.write(`ai-eval: conventions of ${name}...\n`);
      timings.push({ name, ...(await conventionsTiming(clone, cacheDir)) });
    }
    for (const commit of fixture) {
      const clone = clones.get(commit.repo);
      if (!clone) continue;
      const worktree = await stageCommit(clone, commit.sha, work);
      process.stderr.write(`ai-eval: ${commit.repo} ${commit.sha.slice(0, 10)}\n`);
      const before = server.requests.length;
      // The final request of this replay: the last one that is not a map analysis.
      const finalUser = (): string => server.requests.slice(before).filter((r) => r.schemaName !== 'file_analysis').at(-1)?.user ?? '';
      // One commit that cannot be replayed is reported and fails alone.
      try {
        replays.push(await replay(commit, worktree, fakeEnv, cacheDir, finalUser));
        if (real) realReplays.push(await replay(commit, worktree, real, cacheDir, () => ''));
      } catch (error) {
        failures.push({ commit, error: error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error) });
      }
    }
    process.stderr.write('ai-eval: generating a 10,000-commit repository...\n');
    const large = await generateLargeRepo({ dir: join(work, 'large'), commits: 10_000, files: 400, mergeEvery: 0, renameEvery: 0, binaryEvery: 0 });
    timings.push({ name: 'generated (test kit), 10,000 commits', ...(await conventionsTiming(large.path, cacheDir)) });
  } finally {
    await Promise.all([server.close(), destroyAiDiffPool()]);
  }
  await writeReport(replays, realReplays, timings, missing, failures, fixture.length);
  await rm(work, { recursive: true, force: true });
}

async function writeReport(
  replays: Replay[],
  realReplays: Replay[],
  timings: { name: string; first: number; cached: number; commits: number; style: string }[],
  missing: string[],
  failures: { commit: FixtureCommit; error: string }[],
  total: number,
): Promise<void> {
  const m = await describeMachine();
  const lines = [
    '# Commit-message evaluation',
    '',
    'Generated by `pnpm bench` (`tooling/bench/src/ai-eval.ts`). Real commits of real public repositories',
    '(`tooling/bench/fixtures/ai-eval-commits.json`: repository and commit id only, five sizes per repository)',
    'are staged again (a worktree at the parent commit, its index set to the commit\'s tree) and run through',
    '`generateCommitMessage({ repo, conventions: true, body: true })`, the repository\'s conventions learned from',
    'the history before the commit. The model is the test kit\'s server (no latency, one analysis per file),',
    'with a 16,000-token input budget, so the numbers are the pipeline\'s own: requests, input tokens (our',
    'tokenizer\'s count), wall time, and how many of the change\'s files are named in the final request.',
    '',
    `Machine: ${m.cpu}, ${String(m.cores)} cores, ${String(m.ramGB)} GB, ${m.os}, Node ${m.node}, git ${m.git}, ${m.date}, load ${String(m.loadAvg)}. Code: ${await describeSource(root)}.`,
    '',
  ];
  if (missing.length > 0) lines.push(`Not replayed (not found under GITFLEET_EVAL_REPOS): ${missing.join(', ')}.`, '');
  if (replays.length > 0) {
    lines.push(`## Replay: ${String(replays.length)} of ${String(total)} commits`, '');
    lines.push('| Repository | Commit | Files | Diff | Style | Plan | Requests | Input tokens | Wall | Omitted | Files in final request | Human subject |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of replays) {
      lines.push(
        `| ${r.commit.repo} | ${r.commit.sha.slice(0, 10)} | ${String(r.files)} | ${String(round(r.diffBytes / 1024))} KiB | ${r.style} | ${r.mode}${r.parts > 1 ? ` (${String(r.parts)} parts)` : ''} | ${String(r.requests)} | ${String(r.inputTokens)} | ${String(Math.round(r.ms))} ms | ${String(r.omitted)} | ${String(r.finalFiles)} / ${String(r.files)} | ${cell(r.human.split('\n')[0] ?? '')} |`,
      );
    }
    const sum = (f: (r: Replay) => number): number => replays.reduce((s, r) => s + f(r), 0);
    lines.push('');
    lines.push(
      `Totals: ${String(sum((r) => r.requests))} requests, ${String(sum((r) => r.inputTokens))} input tokens; median wall ${String(Math.round(median(replays.map((r) => r.ms))))} ms; ` +
        `every file named in the final request in ${String(replays.filter((r) => r.finalFiles === r.files).length)} of ${String(replays.length)} commits; ` +
        `style as the history's: ${String(replays.filter((r) => r.style !== 'plain').length)} conventional or gitmoji.`,
    );
    lines.push('');
  }
  if (failures.length > 0) {
    lines.push('Not replayed (an error; the others ran on):', '');
    for (const f of failures) lines.push(`- ${f.commit.repo} ${f.commit.sha.slice(0, 10)}: ${cell(f.error)}`);
    lines.push('');
  }
  if (realReplays.length > 0) {
    lines.push(`## Messages of the configured provider (${process.env['GITFLEET_AI_PROVIDER'] ?? ''} ${process.env['GITFLEET_AI_MODEL'] ?? ''}) beside the human ones`, '');
    lines.push('| Repository | Commit | Human | Generated | Requests | Wall |', '|---|---|---|---|---|---|');
    for (const r of realReplays) lines.push(`| ${r.commit.repo} | ${r.commit.sha.slice(0, 10)} | ${cell(r.human.split('\n')[0] ?? '')} | ${cell(r.message.split('\n')[0] ?? '')}${r.fallback ? ` (local: ${cell(r.fallback)})` : ''} | ${String(r.requests)} | ${String(Math.round(r.ms))} ms |`);
    lines.push('');
  } else {
    lines.push('No real provider was configured for this run (set GITFLEET_AI_PROVIDER and its key to add its messages beside the human ones).', '');
  }
  lines.push('## Learning the conventions', '');
  lines.push(
    '`learnConventions({ repo })`: the last 500 non-merge commits read with `@gitfleet/git` (first run); then, at the same',
    'HEAD, one `git rev-parse` (git dir and HEAD) and the analysis read from `@gitfleet/cache` (median of 7 runs in the',
    'benchmark\'s own process, the generated history after the replays; target <= 100 ms).',
    '',
  );
  lines.push('| History | Commits learned from | Style found | First run | Cached | Target |', '|---|---|---|---|---|---|');
  for (const t of timings) lines.push(`| ${t.name} | ${String(t.commits)} | ${t.style} | ${String(Math.round(t.first))} ms | ${String(round(t.cached))} ms | <= 100 ms |`);
  lines.push('');
  const md = lines.join('\n');
  const out = process.env['BENCH_QUICK'] === '1' ? join(root, '.bench-work', 'quick') : root;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'BENCHMARKS-ai-eval.md'), md);
  process.stdout.write(md);
}

await main();
