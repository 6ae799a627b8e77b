import { createHash } from 'node:crypto';

// Prefixes of GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and GitLab (glpat-, gloas-, ...) tokens.
const PREFIX = /^(github_pat_|gh[a-z]_|gl[a-z]{2,6}-)/i;

/**
 * A fingerprint of a token that is safe to log: its known prefix and last 4 characters
 * (only when at least 16 secret characters remain), e.g. `ghp_…a1b2`.
 *
 * @example
 * maskToken('ghp_' + 'x'.repeat(32) + 'a1b2'); // 'ghp_…a1b2'
 */
export function maskToken(token: string): string {
  const prefix = PREFIX.exec(token)?.[0] ?? '';
  const rest = token.slice(prefix.length);
  return rest.length >= 16 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}

/** A stable, non-reversible key for a token (used in shared state instead of the token). */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

/** Replaces every occurrence of each secret in `text` by its mask. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join(maskToken(secret));
  return out;
}

/** A plain copy of an error (name, code, redacted message) that is safe to keep as a `cause` or show. */
export function sanitizeError(error: unknown, secrets: readonly string[]): Error & { code?: string } {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy: Error & { code?: string } = new Error(redact(source.message, secrets));
  copy.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') copy.code = code;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
