import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `<dir>/<kind>/<2 hex>/<hex key>.<ext>`, plus `<entry>.<pid>-<hex>.tmp` while being written. */
export const KIND = /^[a-z][a-z0-9-]{0,31}$/;
const SHARD = /^[0-9a-f]{2}$/;
const ENTRY = /^[0-9a-f]{16,128}\.[a-z]+$/;
const TEMP = /^[0-9a-f]{16,128}\.[a-z]+\.[^/]+\.tmp$/;
/** A temp file this old belongs to a killed writer. */
export const ABANDONED_MS = 3_600_000;

export interface CacheFile {
  path: string;
  kind: string;
  size: number;
  /** Last use: written, or read (a hit refreshes it). */
  mtimeMs: number;
  temp: boolean;
}

/**
 * Every cache file under `dir`. Only names of our own layout count, so a cache dir pointed at a
 * directory holding other files never reports or removes them.
 */
export async function scanCache(dir: string): Promise<CacheFile[]> {
  const files: CacheFile[] = [];
  for (const kind of await subdirs(dir, KIND)) {
    for (const shard of await subdirs(join(dir, kind), SHARD)) {
      const shardDir = join(dir, kind, shard);
      const names = (await readdir(shardDir).catch(() => [] as string[])).filter((n) => ENTRY.test(n) || TEMP.test(n));
      const stats = await Promise.all(names.map((n) => stat(join(shardDir, n)).catch(() => undefined)));
      for (const [i, s] of stats.entries()) {
        if (s?.isFile()) files.push({ path: join(shardDir, names[i]!), kind, size: s.size, mtimeMs: s.mtimeMs, temp: TEMP.test(names[i]!) });
      }
    }
  }
  return files;
}

async function subdirs(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && pattern.test(e.name)).map((e) => e.name).sort();
}

/**
 * Removes the least recently used files until at most `target` bytes are left: abandoned temp
 * files first, then entries by last use. A temp file being written is never touched, and a
 * reader holding an entry open keeps reading it (unlink only drops the name). Returns the bytes left.
 */
export async function evict(files: readonly CacheFile[], target: number, now = Date.now()): Promise<number> {
  let total = files.reduce((sum, f) => sum + f.size, 0);
  const candidates = files
    .filter((f) => !f.temp || now - f.mtimeMs > ABANDONED_MS)
    .sort((a, b) => Number(b.temp) - Number(a.temp) || a.mtimeMs - b.mtimeMs);
  for (const file of candidates) {
    if (total <= target) break;
    if (await rm(file.path, { force: true }).then(() => true, () => false)) total -= file.size;
  }
  return total;
}
