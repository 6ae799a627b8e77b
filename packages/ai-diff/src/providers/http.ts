import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { ProviderError, redact } from '../errors.js';

export interface PostOptions {
  signal: AbortSignal;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Redacted from every message. */
  secret: string | undefined;
}

/** Statuses worth another try: timeouts, conflicts, rate limits, server errors, Anthropic's 529 overload. */
const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);
const MAX_RETRY_AFTER_MS = 60_000;

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in ms; undefined if absent. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const pick = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = Number(pick('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && pick('retry-after-ms') !== undefined) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const value = pick('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds * 1000), MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** The provider's own error text (OpenAI `error.message`, Anthropic `error.message`, Ollama `error`). */
function errorText(body: string): string {
  try {
    const data = JSON.parse(body) as { error?: string | { message?: string } ; message?: string };
    const message = typeof data.error === 'string' ? data.error : (data.error?.message ?? data.message);
    if (message) return message.slice(0, 300);
  } catch {
    // not JSON
  }
  return body.slice(0, 200).replace(/\s+/g, ' ').trim();
}

/**
 * POSTs JSON and returns the parsed JSON answer. Failures become ProviderError with `retryable`
 * and `retryAfterMs` set; the per-request timeout is part of the signal.
 */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, options: PostOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const host = new URL(url).host;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'gitfleet-ai-diff', ...headers },
      body: JSON.stringify(body),
      signal,
      dispatcher: options.dispatcher,
    });
  } catch (error) {
    throw transportError(error, host, options, timeout);
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw transportError(error, host, options, timeout);
  }
  const status = response.statusCode;
  if (status >= 400) {
    const message = redact(`HTTP ${String(status)} from ${host}: ${errorText(text)}`, options.secret);
    const after = retryAfterMs(response.headers);
    throw new ProviderError(status === 429 ? 'GITFLEET_AI_PROVIDER_RATE_LIMITED' : 'GITFLEET_AI_PROVIDER_HTTP', message, {
      status,
      retryable: RETRYABLE.has(status),
      ...(after === undefined ? {} : { retryAfterMs: after }),
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError('GITFLEET_AI_PROVIDER_BAD_OUTPUT', `invalid JSON response from ${host}`, { status, retryable: true });
  }
}

/** Connection failures that mean nobody answers at that address (as opposed to a dropped connection). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

function transportError(error: unknown, host: string, options: PostOptions, timeout: AbortSignal): ProviderError {
  if (timeout.aborted && !options.signal.aborted) {
    return new ProviderError('GITFLEET_AI_PROVIDER_TIMEOUT', `no answer from ${host} within ${String(options.timeoutMs)} ms`, {
      retryable: true,
      providerDown: true,
      cause: error,
    });
  }
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const message = redact(`request to ${host} failed: ${code ?? (error instanceof Error ? error.message : String(error))}`, options.secret);
  return new ProviderError('GITFLEET_AI_PROVIDER_NETWORK', message, {
    retryable: !options.signal.aborted,
    providerDown: !options.signal.aborted && code !== undefined && UNREACHABLE.has(code),
    cause: error,
  });
}

export interface RetryOptions {
  retries: number;
  signal: AbortSignal;
  /** Called before each wait with the attempt that failed (1-based), the wait and the error. */
  onRetry?: (attempt: number, delayMs: number, error: ProviderError) => void;
  /** Base of the exponential backoff (full jitter). Default 400 ms. */
  baseDelayMs?: number;
  /** Absolute time (ms since epoch) after which waiting is pointless. */
  deadline?: number;
}

/**
 * Runs `fn` until it succeeds, a non-retryable ProviderError occurs or retries run out. Waits
 * `Retry-After` when the server sent one, else exponential backoff with full jitter.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? 400;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable || attempt > options.retries || options.signal.aborted) throw error;
      const backoff = Math.random() * Math.min(8_000, base * 2 ** (attempt - 1));
      const delay = error.retryAfterMs === undefined ? backoff : error.retryAfterMs + Math.random() * 100;
      if (options.deadline !== undefined && Date.now() + delay >= options.deadline) throw error;
      options.onRetry?.(attempt, Math.round(delay), error);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal.aborted) throw error;
    }
  }
}
