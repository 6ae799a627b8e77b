import { createHash } from 'node:crypto';

/**
 * A cache key: the SHA-256 (hex) of the parts, each NUL-terminated so `('ab', 'c')` and `('a', 'bc')` differ.
 *
 * @example
 * hashKey(gitDir, commit, path); // '3f9a…' (64 hex digits)
 */
export function hashKey(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}
