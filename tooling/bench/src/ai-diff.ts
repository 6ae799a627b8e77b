/**
 * AI diff pipeline benchmark (`node dist/ai-diff.js`, part of `pnpm bench`), in one run:
 *
 * 1. Local processing (parse, filter, count, pack) of a staged 5,000-file / ~20 MB diff, from
 *    its text: wall and event-loop lag of this process meanwhile. Context: `git apply --numstat`
 *    reading the same diff.
 * 2. End to end with 1 s per model call (the test kit's LLM server): wall against the critical
 *    path of the call graph the pipeline made (map waves at its concurrency, then the reduce call).
 * 3. git-ai's sequential design on the same change, replayed against the same server: one
 *    analysis call per file, then score, generate and commit calls, one after another.
 * 4. A 1-file change through the built CLI (`gitfleet commit-msg`, a new process each time, as a
 *    user or the hook runs it) at 1 s per model call: wall against the 1 s floor.
 *
 * Writes BENCHMARKS-ai-diff.md (a quick run writes under .bench-work/quick instead).
 */
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { destroyAiDiffPool, generateCommitMessage, prepareDiff } from '@gitfleet/ai-diff';
import { commitFiles, createEmptyRepo, git, writeFiles } from '@gitfleet/test-kit';
import { startLlmServer, type LlmRequest, type LlmServer } from '@gitfleet/test-kit/llm-server';
import { request } from 'undici';
import { writeSideBySideReport, type ReportRow } from './side-by-side-report.js';
import { median, round } from './stats.js';

const BIG_FILES = 5000;
const CALL_MS = 1000;
const CHANGE_FILES = 40;
const CONCURRENCY = 8;
const INPUT_BUDGET = 4000;
const API_KEY = 'sk-bench-key';
const CLI = fileURLToPath(new URL('../../../apps/cli/dist/gitfleet.js', import.meta.url));
const ONE_FILE_SUBJECT = 'Raise the retry limit';

/** A file body of about `bytes`, deterministic per (file, version). */
function body(file: number, version: number, lines: number): string {
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    const changed = version > 0 && (l + file) % 3 === 0;
    out.push(`export const value_${String(file)}_${String(l)} = compute(${String(l)}, '${changed ? 'updated' : 'original'} text for line ${String(l)}');`);
  }
  return `${out.join('\n')}\n`;
}

/** A repository with `files` files committed, then every one of them changed and staged. */
async function stagedChange(files: number, lines: number): Promise<{ path: string; diff: string; cleanup: () => Promise<void> }> {
  const repo = await createEmptyRepo();
  const make = (version: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: files }, (_, i) => [`src/mod${String(i % 50)}/file${String(i)}.ts`, body(i, version, lines)]));
  await commitFiles(repo.path, make(0), { message: 'base' });
  await writeFiles(repo.path, make(1));
  await git(repo.path, ['add', '-A']);
  const { stdout } = await promisify(execFile)('git', ['diff', '--cached'], { cwd: repo.path, maxBuffer: 1 << 30 });
  return { path: repo.path, diff: stdout, cleanup: () => repo.cleanup() };
}

async function gitApplyNumstat(diff: string, cwd: string): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['apply', '--numstat', '-'], { cwd, stdio: ['pipe', 'ignore', 'inherit'] });
    child.stdin.end(diff);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git apply exited ${String(code)}`))));
  });
  return performance.now() - start;
}

async function localStage(diff: string): Promise<{ ms: number; lagP99: number; files: number }> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = performance.now();
  const prepared = await prepareDiff({ diff, model: 'gpt-4.1-mini', maxInputTokens: 100_000, concurrency: CONCURRENCY });
  const ms = performance.now() - start;
  lag.disable();
  return { ms, lagP99: lag.percentile(99) / 1e6, files: prepared.stats.files };
}

/** Answers the map stage with one analysis per file and the final stage with a message. */
function handler(request: LlmRequest): { json: unknown } | { text: string } {
  if (request.schemaName === 'file_analysis') {
    const files = [...request.user.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m, i) => ({ path: m[1], summary: `update ${m[1] ?? ''}`, impact: (i % 5) + 1 }));
    return { json: { theme: 'rename the original text', files } };
  }
  if (request.schemaName === 'commit_message') {
    const subject = request.user.includes('src/settings.ts') ? ONE_FILE_SUBJECT : 'Update generated values across modules';
    return { json: { subject, body: '', type: 'refactor', scope: '' } };
  }
  return { text: '{"ok":true}' };
}

/** A repository with one 60-line file committed, then one line of it changed and staged. */
async function oneFileChange(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const repo = await createEmptyRepo();
  const lines = (limit: number): string => Array.from({ length: 60 }, (_, l) => `export const setting${String(l)} = ${String(l === 30 ? limit : l)};\n`).join('');
  await commitFiles(repo.path, { 'src/settings.ts': lines(3) }, { message: 'base' });
  await writeFile(join(repo.path, 'src/settings.ts'), lines(5));
  await git(repo.path, ['add', '-A']);
  return { path: repo.path, cleanup: () => repo.cleanup() };
}

/** Wall time of one `gitfleet commit-msg` process, from spawn to exit; fails unless the model wrote the message. */
async function cliCommitMsg(cwd: string, env: Record<string, string>): Promise<number> {
  const start = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'commit-msg'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
  });
  const ms = performance.now() - start;
  if (code !== 0 || stdout !== `${ONE_FILE_SUBJECT}\n`) throw new Error(`gitfleet commit-msg: exit ${String(code)}, stdout ${JSON.stringify(stdout)}, stderr ${stderr}`);
  return ms;
}

/** Waves of the map stage at the pipeline's concurrency, plus the final call(s), times the call latency. */
function criticalPath(server: LlmServer, since: number): { ms: number; map: number; final: number } {
  const records = server.requests.slice(since);
  const map = records.filter((r) => r.schemaName === 'file_analysis').length;
  const final = records.length - map;
  return { ms: (Math.ceil(map / CONCURRENCY) + final) * CALL_MS, map, final };
}

/** git-ai's multi-step flow, one request at a time: N file analyses, then score, generate, commit. */
async function gitAiSequential(server: LlmServer, diff: string): Promise<{ ms: number; calls: number }> {
  const parts = diff.split(/^(?=diff --git )/m).filter(Boolean);
  const post = async (content: string): Promise<void> => {
    const res = await request(`${server.baseUrls.openai}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content }] }),
    });
    await res.body.text();
  };
  const start = performance.now();
  for (const part of parts) await post(`Analyze this file change:\n${part}`);
  for (const step of ['Calculate impact scores', 'Generate commit message candidates', 'Select the best commit message']) await post(`${step}:\n${diff.slice(0, 4000)}`);
  return { ms: performance.now() - start, calls: parts.length + 3 };
}

async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const repeat = quick ? 1 : Number(process.env['BENCH_REPEAT'] ?? 5);

  process.stderr.write(`ai-diff bench: generating a ${String(BIG_FILES)}-file staged change...\n`);
  const big = await stagedChange(BIG_FILES, 42);
  const diffMB = Buffer.byteLength(big.diff) / 2 ** 20;
  await localStage(big.diff); // warm-up: worker threads, tokenizer tables, JIT
  const local: { ms: number; lagP99: number; files: number }[] = [];
  const applyMs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    local.push(await localStage(big.diff));
    applyMs.push(await gitApplyNumstat(big.diff, big.path));
  }
  await big.cleanup();

  process.stderr.write('ai-diff bench: end to end at 1 s per call...\n');
  const change = await stagedChange(CHANGE_FILES, 40);
  await using server = await startLlmServer({ latencyMs: CALL_MS, handler });
  const env = {
    GITFLEET_AI_PROVIDER: 'openai',
    GITFLEET_AI_BASE_URL: server.baseUrls.openai,
    GITFLEET_AI_MODEL: 'gpt-4.1-mini',
    GITFLEET_AI_API_KEY: API_KEY,
    GITFLEET_AI_MAX_INPUT_TOKENS: String(INPUT_BUDGET),
    GITFLEET_AI_CONCURRENCY: String(CONCURRENCY),
    GITFLEET_AI_TIMEOUT_MS: '30000',
  };
  const ends: { ms: number; critical: number; map: number; final: number }[] = [];
  for (let r = 0; r < Math.min(repeat, 3); r++) {
    const since = server.requests.length;
    const start = performance.now();
    const result = await generateCommitMessage({ repo: change.path, env, configFile: false, deadlineMs: 60_000 });
    const ms = performance.now() - start;
    if (result.fallback) throw new Error(`the pipeline fell back: ${result.fallback.reason}`);
    const path = criticalPath(server, since);
    ends.push({ ms, critical: path.ms, map: path.map, final: path.final });
  }
  const gitAi = await gitAiSequential(server, change.diff);
  await change.cleanup();
  await destroyAiDiffPool();

  process.stderr.write('ai-diff bench: a 1-file change through the built CLI at 1 s per call...\n');
  const one = await oneFileChange();
  // No HOME: no user config file; only what the CLI needs.
  const cliEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(one.path, 'no-home'), ...env };
  await cliCommitMsg(one.path, cliEnv); // warm-up: the file system cache
  const oneFile: number[] = [];
  for (let r = 0; r < Math.max(repeat, 9); r++) oneFile.push(await cliCommitMsg(one.path, cliEnv));
  await one.cleanup();

  const l = median(local.map((x) => x.ms));
  const lagP99 = median(local.map((x) => x.lagP99));
  const apply = median(applyMs);
  const e2e = median(ends.map((x) => x.ms));
  const critical = median(ends.map((x) => x.critical));
  const last = ends.at(-1)!;
  const rows: ReportRow[] = [
    [`local stage, ${String(BIG_FILES)} files / ${String(round(diffMB, 1))} MB diff`, `${round(l, 0)} ms`, `${round(apply, 0)} ms (git apply --numstat)`, round(l / apply, 2), '<= 1000 ms'],
    ['event-loop lag p99 during the local stage', `${round(lagP99, 1)} ms`, '', '', '<= 50 ms'],
    [
      `end to end, ${String(CHANGE_FILES)} files, 1 s per call (${String(last.map)} map + ${String(last.final)} final calls, concurrency ${String(CONCURRENCY)})`,
      `${round(e2e, 0)} ms`,
      `${round(critical, 0)} ms (critical path)`,
      round(e2e / critical, 2),
      '<= 1.2x',
    ],
    [`git-ai's sequential design (${String(gitAi.calls)} calls)`, `${round(e2e, 0)} ms`, `${round(gitAi.ms, 0)} ms`, round(e2e / gitAi.ms, 3), '<= 0.25x'],
    [
      `1-file change, built CLI \`gitfleet commit-msg\` (new process), 1 s per call`,
      `${round(median(oneFile), 0)} ms`,
      `${String(CALL_MS)} ms (the model's latency)`,
      round(median(oneFile) / CALL_MS, 2),
      '<= 1300 ms',
    ],
  ];
  await writeSideBySideReport('ai-diff', 'AI diff pipeline benchmark', [
    'Generated by `pnpm bench` (`tooling/bench/src/ai-diff.ts`).',
    '',
    `- Local stage: \`prepareDiff({ diff })\` on the text of a staged change of ${String(BIG_FILES)} files (every file`,
    '  modified), warm worker pool, budget 100k tokens; lag of this process sampled at 10 ms (floor ~10 ms).',
    '  Context: `git apply --numstat` parsing the same diff.',
    `- End to end: \`generateCommitMessage({ repo })\` on a staged change of ${String(CHANGE_FILES)} files with a ${String(INPUT_BUDGET)}-token`,
    `  input budget and concurrency ${String(CONCURRENCY)}, against the test kit's LLM server answering every call after 1 s.`,
    '  Critical path = (map calls / concurrency, rounded up, + final calls) x 1 s, from the recorded requests.',
    "- git-ai: its multi-step flow replayed on the same server, sequentially: one analysis call per file, then",
    '  score, generate and commit calls (N + 3 calls).',
    '- 1-file change: `node apps/cli/dist/gitfleet.js commit-msg` spawned in a repository with one changed line,',
    '  against the same server at 1 s per call; wall from spawn to exit (node start-up, git, the local stage, the call).',
    `  Runs: ${String(oneFile.map((ms) => Math.round(ms)).join(', '))} ms.`,
    `Medians of ${String(repeat)} runs (end to end: ${String(Math.min(repeat, 3))}; 1-file change: ${String(oneFile.length)}).`,
  ], rows);
}

await main();
