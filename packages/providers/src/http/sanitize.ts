import { redact } from '@gitfleet/tokens';

/**
 * A plain copy of an underlying error safe to keep as `cause`: name, code and redacted message
 * only. Octokit's RequestError carries request headers and undici errors can carry sockets;
 * neither is kept.
 */
export function sanitizeCause(error: unknown, secrets: readonly string[]): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const nested = source.cause instanceof Error ? source.cause : undefined;
  const message = nested && nested.message !== source.message ? `${source.message} (${nested.message})` : source.message;
  const copy: Error & { code?: string } = new Error(scrub(message, secrets));
  copy.name = source.name;
  const code = (source as { code?: unknown }).code ?? (nested as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') copy.code = code;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/** Redacts known secrets and anything shaped like an Authorization value. */
export function scrub(text: string, secrets: readonly string[]): string {
  return redact(text, secrets).replace(/\b(bearer|token|basic)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}/gi, '$1 [REDACTED]');
}
