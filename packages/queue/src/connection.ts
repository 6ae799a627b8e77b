import { Redis, type RedisOptions } from 'ioredis';
import { InvalidOptionError } from './errors.js';

/** Where the queue lives: a `redis://` / `rediss://` URL, or ioredis options. */
export type QueueConnectionInput = string | RedisOptions;

/** Longest pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * ioredis options for BullMQ from `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS).
 * Commands wait through a lost connection (`maxRetriesPerRequest: null`, as BullMQ workers need)
 * and reconnect with a growing delay, so a restarted Redis is picked up again.
 *
 * @example
 * parseQueueUrl('redis://127.0.0.1:6379/2'); // { host: '127.0.0.1', port: 6379, db: 2, ... }
 */
export function parseQueueUrl(input: QueueConnectionInput): RedisOptions {
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), MAX_RECONNECT_DELAY_MS),
  };
  if (typeof input !== 'string') {
    if (input === null || typeof input !== 'object') throw new InvalidOptionError('queue must be a redis:// URL or ioredis options');
    return { ...base, ...input, maxRetriesPerRequest: null };
  }
  const text = input.trim();
  if (!URL.canParse(text)) throw new InvalidOptionError(`queue must be a URL such as redis://127.0.0.1:6379/0, got ${JSON.stringify(redactUrl(text))}`);
  const url = new URL(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidOptionError(`queue must be a redis:// or rediss:// URL, got ${url.protocol}//…`);
  }
  if (url.hostname === '') throw new InvalidOptionError('queue URL has no host: redis://host:port[/db]');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new InvalidOptionError(`queue URL: the path must be a database number (/0 to /15), got /${path}`);
  const options: RedisOptions = {
    ...base,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 6379 : Number(url.port),
    db: path === '' ? 0 : Number(path),
  };
  if (url.username !== '') options.username = decodeURIComponent(url.username);
  if (url.password !== '') options.password = decodeURIComponent(url.password);
  if (url.protocol === 'rediss:') options.tls = {};
  return options;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/i, (_, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(':') ? `${userinfo.split(':')[0]}:***` : '***'}@`);
}

/** A connection of our own (the state store, run claims); BullMQ's classes make theirs from the same options. */
export function createRedis(options: RedisOptions): Redis {
  const redis = new Redis({ ...options, lazyConnect: false });
  // Reconnection is automatic; without a listener an 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
