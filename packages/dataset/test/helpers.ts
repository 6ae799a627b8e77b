import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RowInput } from '../src/index.js';

export interface Temp {
  path: string;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'gitfleet-dataset-'): Promise<Temp> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface Person {
  name: string;
  email: string;
}

/** A commit row authored and committed by `who` at `time`. */
export function commit(sha: string, who: Person, time: number, extra: Partial<RowInput<'commits'>> = {}): RowInput<'commits'> {
  return {
    sha,
    parents: [],
    author_name: who.name,
    author_email: who.email,
    author_time: time,
    author_tz_offset: 120,
    committer_name: who.name,
    committer_email: who.email,
    committer_time: time + 5,
    committer_tz_offset: -300,
    message: `commit ${sha}\n\nbody`,
    additions: 1,
    deletions: 0,
    files_changed: 1,
    ...extra,
  };
}

/** Rows of a query run on a fresh DuckDB, as a notebook would: nothing of @gitfleet/dataset involved. */
export async function freshQuery(sql: string, path = ':memory:'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    connection.closeSync();
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  } finally {
    instance.closeSync();
  }
}

export function byKey<T extends Record<string, unknown>>(rows: T[], ...keys: string[]): T[] {
  const key = (r: T) => keys.map((k) => String(r[k])).join('\0');
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
