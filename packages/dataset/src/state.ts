import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetIOError } from './errors.js';
import { isErrno } from './fs-atomic.js';
import type { Layout } from './layout.js';
import type { RepositoryTableName } from './schema.js';

/**
 * What the pipeline mined a repository from, e.g. its refs (`{ 'refs/heads/main': '<sha>' }`) or
 * any string. A rerun compares it to skip a repository that has not changed.
 */
export type Fingerprint = string | Readonly<Record<string, string>>;

/** The published state of one repository, kept in `_gitfleet/repositories/<key>.json`. */
export interface RepositoryState {
  repository: string;
  /** File key: `<table>/<key>.parquet`. */
  key: string;
  /** The fingerprint of the published data; null when only errors were recorded. */
  fingerprint: Fingerprint | null;
  schemaVersion: number;
  /** Unix seconds of the last successful publish; null when the repository only has errors. */
  publishedTime: number | null;
  /** Rows per table of the published files. */
  rows: Partial<Record<RepositoryTableName, number>>;
}

/** Deterministic JSON (sorted keys) for comparing fingerprints. */
export function canonicalFingerprint(fingerprint: Fingerprint | null): string {
  if (fingerprint === null || typeof fingerprint === 'string') return JSON.stringify(fingerprint);
  return JSON.stringify(Object.fromEntries(Object.entries(fingerprint).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

export async function readStates(layout: Layout): Promise<Map<string, RepositoryState>> {
  const states = new Map<string, RepositoryState>();
  let names: string[];
  try {
    names = await readdir(layout.statesDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return states;
    throw error;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const path = join(layout.statesDir, name);
    try {
      const state = JSON.parse(await readFile(path, 'utf8')) as RepositoryState;
      states.set(state.repository, state);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      throw new DatasetIOError(`unreadable repository state ${path}`, { cause: error });
    }
  }
  return states;
}

/** The published state of one repository (by its key), or undefined when it has none. */
export async function readState(layout: Layout, key: string): Promise<RepositoryState | undefined> {
  const path = layout.abs(layout.stateFile(key));
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RepositoryState;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw new DatasetIOError(`unreadable repository state ${path}`, { cause: error });
  }
}
