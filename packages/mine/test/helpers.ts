import { readdirSync, readFileSync } from 'node:fs';
import { openDataset } from '@gitfleet/dataset';
import { createSession, type Session } from '@gitfleet/session';
import type { MineEvent, MineRun, MineSummary } from '../src/index.js';

/** A session that reads no user configuration: no tokens, no credential store, no HTTP cache. */
export function isolatedSession(env: Record<string, string> = {}): Session {
  return createSession({ env: { GITFLEET_CREDENTIALS_FILE: '/nonexistent/gitfleet-credentials', ...env }, cache: false });
}

/** Every event of a run, and its summary. */
export async function drain(run: MineRun): Promise<{ events: MineEvent[]; summary: MineSummary }> {
  const events: MineEvent[] = [];
  for await (const event of run) events.push(event);
  return { events, summary: await run.summary };
}

/** Rows of a SQL query over a dataset (BIGINT as numbers). */
export async function query<T = Record<string, unknown>>(dir: string, sql: string): Promise<T[]> {
  const dataset = await openDataset(dir);
  try {
    return (await dataset.query(sql)) as T[];
  } finally {
    await dataset.close();
  }
}

/** Live (not zombie) descendants of this process whose command line matches. */
export function descendants(match: RegExp): { pid: number; cmdline: string }[] {
  const all: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      all.push({ pid: Number(pid), ppid: Number(ppid), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // exited meanwhile
    }
  }
  const tree = all.filter((p) => p.ppid === process.pid);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree.filter((p) => match.test(p.cmdline));
}
