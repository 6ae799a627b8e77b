import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { commitFiles, createEmptyRepo, git, writeFiles, type FileContent, type TempRepo } from '@gitfleet/test-kit';
import type { LlmHandler, LlmProtocol, LlmRecord, LlmRequest, LlmServer } from '@gitfleet/test-kit/llm-server';

/** A repository with `base` committed and `staged` written and staged (git add -A). */
export async function stagedRepo(base: Record<string, FileContent>, staged: Record<string, FileContent>, moves: [string, string][] = []): Promise<TempRepo> {
  const repo = await createEmptyRepo();
  await commitFiles(repo.path, { 'README.md': '# fixture\n', ...base }, { message: 'base' });
  for (const [from, to] of moves) {
    await mkdir(dirname(join(repo.path, to)), { recursive: true });
    await git(repo.path, ['mv', from, to]);
  }
  await writeFiles(repo.path, staged);
  await git(repo.path, ['add', '-A']);
  return repo;
}

/** Environment pointing the library at the fake server. */
export function serverEnv(server: LlmServer, protocol: LlmProtocol, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    GITFLEET_AI_PROVIDER: protocol,
    GITFLEET_AI_BASE_URL: server.baseUrls[protocol],
    GITFLEET_AI_MODEL: protocol === 'anthropic' ? 'claude-haiku-4-5' : protocol === 'ollama' ? 'llama3.2' : 'gpt-4.1-mini',
    GITFLEET_AI_API_KEY: 'sk-test-secret-key-1234567890',
    ...extra,
  };
}

/** Paths named by `diff --git` lines in a request. */
export function pathsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]!))];
}

/** Answers map requests with one analysis per file and the final request with `message`. */
export function pipelineHandler(message: { subject: string; body?: string; type?: string; scope?: string }, extra: Partial<{ delayMs: number }> = {}): LlmHandler {
  return (request: LlmRequest) => {
    if (request.schemaName === 'file_analysis') {
      const files = pathsIn(request.user).map((path, i) => ({ path, summary: `change ${path}`, impact: (i % 5) + 1 }));
      return { json: { theme: `part with ${String(files.length)} files`, files }, ...extra };
    }
    return { json: { body: '', type: 'feat', scope: '', ...message }, ...extra };
  };
}

/** Input tokens of a logged request, counted like the library counts them: system + messages + schema. */
export function requestTokens(record: LlmRecord, encoding: 'o200k_base' | 'cl100k_base' = 'o200k_base'): number {
  const count = (text: string): number => (encoding === 'o200k_base' ? countO200k : countCl100k)(text, { disallowedSpecial: new Set() });
  let total = count(record.system);
  for (const message of record.messages) total += count(message.content);
  if (record.schema !== undefined) total += count(JSON.stringify(record.schema));
  return total;
}

/** Most requests open at once, from the recorded timeline. */
export function peakOverlap(records: readonly LlmRecord[]): number {
  const events = records.flatMap((r) => [
    { t: r.startedAt, d: 1 },
    { t: r.endedAt ?? Infinity, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let peak = 0;
  for (const e of events) {
    open += e.d;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** A bot identity (dependabot's), for commits the conventions must not learn from. */
export const BOT = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com', date: '1700000000 +0000' };

/**
 * A repository whose history is `commits` (oldest first), each changing its `files` (a line is
 * appended, so every commit has a diff).
 */
export async function historyRepo(commits: { message: string; files: string[]; bot?: boolean }[]): Promise<TempRepo> {
  const repo = await createEmptyRepo();
  const contents = new Map<string, string>();
  for (const [i, commit] of commits.entries()) {
    const files: Record<string, FileContent> = {};
    for (const path of commit.files) {
      const next = `${contents.get(path) ?? ''}line ${String(i)}\n`;
      contents.set(path, next);
      files[path] = next;
    }
    await commitFiles(repo.path, files, { message: commit.message, ...(commit.bot ? { author: { ...BOT, date: `${String(1700000000 + i)} +0000` } } : {}) });
  }
  return repo;
}
