import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedResponse, ConditionalCache } from './conditional-cache.js';

export interface FileCacheOptions {
  /** Directory for the entries (created with mode 0700). */
  dir: string;
}

/**
 * A conditional-request cache on disk: one JSON file per entry, named by the key (a hash of
 * identity + URL), written atomically (temp file + rename) with mode 0600. Entries hold the body,
 * validators and pagination headers (Link URLs included); never a token or an auth header.
 *
 * @example
 * const client = createGitHubClient({ token, cache: createFileCache({ dir: '.cache/github' }) });
 */
export function createFileCache(options: FileCacheOptions): ConditionalCache {
  const { dir } = options;
  let ready: Promise<unknown> | undefined;
  const path = (key: string): string => {
    if (!/^[a-f0-9]{16,128}$/.test(key)) throw new Error('file cache keys must be hex hashes');
    return join(dir, key.slice(0, 2), `${key}.json`);
  };
  return {
    async get(key) {
      try {
        const parsed = JSON.parse(await readFile(path(key), 'utf8')) as CachedResponse;
        return typeof parsed === 'object' && parsed !== null && typeof parsed.headers === 'object' ? parsed : undefined;
      } catch {
        return undefined; // missing or torn by a crash before rename: a miss
      }
    },
    async set(key, value) {
      const file = path(key);
      ready ??= mkdir(dir, { recursive: true, mode: 0o700 });
      await ready;
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true, mode: 0o700 });
      const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(value), { mode: 0o600 });
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
  };
}
