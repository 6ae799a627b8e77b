import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDataset } from '@gitfleet/dataset';
import { createSession, type Session } from '@gitfleet/session';

const WORKER = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

/** A session that reads no user configuration: no tokens, no credential store, no HTTP cache. */
export function isolatedSession(): Session {
  return createSession({ env: { GITFLEET_CREDENTIALS_FILE: '/nonexistent/gitfleet-credentials' }, cache: false });
}

export interface WorkerEventLine {
  type: string;
  at: number;
  runId?: string;
  repository?: string;
  attempt?: number;
  error?: string;
  result?: { repository: string; status: string };
}

export interface WorkerProcess {
  child: ChildProcess;
  events: WorkerEventLine[];
  /** Resolves with the first event (already seen or to come) that matches. */
  waitFor(test: (event: WorkerEventLine) => boolean, timeoutMs?: number): Promise<WorkerEventLine>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A worker in a process of its own (the built package), isolated from the user's tokens. */
export async function startWorker(url: string, options: Record<string, unknown> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER, url, JSON.stringify({ cache: false, ...options })], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, GITFLEET_CREDENTIALS_FILE: '/nonexistent/gitfleet-credentials', GITHUB_TOKEN: '', GH_TOKEN: '', GITHUB_TOKENS: '' },
  });
  const events: WorkerEventLine[] = [];
  const waiters: { test: (e: WorkerEventLine) => boolean; resolve: (e: WorkerEventLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as WorkerEventLine;
    events.push(event);
    for (const w of [...waiters]) {
      if (!w.test(event)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (test: (event: WorkerEventLine) => boolean, timeoutMs = 60_000): Promise<WorkerEventLine> =>
    new Promise((resolve, reject) => {
      const seen = events.find(test);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`worker event not seen in ${String(timeoutMs)} ms; saw ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
      waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  const worker: WorkerProcess = {
    child,
    events,
    waitFor,
    exit,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exit;
    },
  };
  await waitFor((e) => e.type === 'ready');
  return worker;
}

/** Rows of a SQL query over a dataset. */
export async function query<T = Record<string, unknown>>(dir: string, sql: string): Promise<T[]> {
  const dataset = await openDataset(dir);
  try {
    return (await dataset.query(sql)) as T[];
  } finally {
    await dataset.close();
  }
}

/** The tables a run writes per repository, compared whole (row count and a digest of every row, in order). */
export const TABLES = ['repositories', 'commits', 'commit_files', 'branches', 'ownership', 'errors'] as const;

/** Per table: rows and a digest of all of them (`published_time` and error times left out: they differ from run to run). */
export async function digest(dir: string): Promise<Record<string, { rows: number; md5: string }>> {
  const out: Record<string, { rows: number; md5: string }> = {};
  const dataset = await openDataset(dir);
  try {
    for (const table of TABLES) {
      const exclude = table === 'repositories' ? ' EXCLUDE (published_time)' : table === 'errors' ? ' EXCLUDE (time)' : '';
      const [row] = (await dataset.query(
        `SELECT count(*)::INTEGER AS rows, coalesce(md5(string_agg(r, chr(10) ORDER BY r)), '') AS md5 FROM (SELECT t::VARCHAR AS r FROM (SELECT *${exclude} FROM ${table}) t)`,
      )) as { rows: number; md5: string }[];
      out[table] = row!;
    }
  } finally {
    await dataset.close();
  }
  return out;
}

/** Rows that appear more than once in the repository tables (by their natural keys). */
export async function duplicates(dir: string): Promise<Record<string, number>> {
  const keys: Record<string, string> = { commits: 'sha', commit_files: "sha || '/' || path", ownership: "path || '/' || author_key", branches: 'name', repositories: "''" };
  const out: Record<string, number> = {};
  for (const [table, key] of Object.entries(keys)) {
    const [row] = await query<{ n: number }>(dir, `SELECT (count(*) - count(DISTINCT repository || '/' || ${key}))::INTEGER AS n FROM ${table}`);
    out[table] = row!.n;
  }
  return out;
}
