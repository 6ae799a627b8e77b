import { GitError } from '../errors.js';

/** Codes of clone and refresh failures. */
export type FleetErrorCode =
  | 'GITFLEET_GIT_AUTH_FAILED'
  | 'GITFLEET_GIT_NETWORK_FAILED'
  | 'GITFLEET_GIT_TIMEOUT'
  | 'GITFLEET_GIT_CLONE_FAILED'
  | 'GITFLEET_GIT_DESTINATION_EXISTS'
  /** Credentials in a plain-http URL to a host that is not loopback (never sent). */
  | 'GITFLEET_GIT_INSECURE_TRANSPORT'
  /** A refresh would drop local commits the server does not have: refused, nothing changed. */
  | 'GITFLEET_GIT_DIVERGED'
  /** Another live process is refreshing the same clone. */
  | 'GITFLEET_GIT_BUSY';

/** A clone or refresh failure. `transient` failures are retried. Messages are redacted. */
export class FleetError extends GitError {
  override name = 'FleetError';
  declare readonly code: FleetErrorCode;
  readonly transient: boolean;

  constructor(code: FleetErrorCode, message: string, options: { transient?: boolean } = {}) {
    super(code, message);
    this.transient = options.transient ?? false;
  }
}

const AUTH = /\b(401|403)\b|Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(publickey/i;
const TRANSIENT =
  /RPC failed|early EOF|unexpected disconnect|Connection reset|connection was reset|transfer closed|Empty reply|\b5\d\d\b|timed out|Could not resolve host|Failed to connect|Couldn't connect|index-pack failed|the remote end hung up unexpectedly/i;

/** Maps git's stderr after a failed clone/fetch to a FleetError (auth is never transient). */
export function classifyGitFailure(stderr: string, exit: string, secrets: readonly string[]): FleetError {
  const lines = stderr.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  const important = lines.filter((l) => /^(fatal|error):/.test(l));
  const text = redact((important.length > 0 ? important : lines.slice(-1)).join('; ') || exit, secrets);
  if (AUTH.test(stderr)) return new FleetError('GITFLEET_GIT_AUTH_FAILED', `authentication failed: ${text}`);
  if (TRANSIENT.test(stderr)) return new FleetError('GITFLEET_GIT_NETWORK_FAILED', text, { transient: true });
  return new FleetError('GITFLEET_GIT_CLONE_FAILED', text);
}

/** Removes URL userinfo (`https://user:pass@host` -> `https://***@host`) and every known secret. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
