import { access, open, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultCacheDir, defaultMaxSize } from './config.js';
import { decodeEntry, encodeEntry, readAt, verifyEntryFile, type Payload } from './entry-format.js';
import { EntryWriter, writeFileAtomic } from './entry-writer.js';
import { InvalidOptionError } from './errors.js';
import { ledgerPath, readLedger, writeLedger, type Ledger } from './ledger.js';
import { withLock } from './lock.js';
import { ABANDONED_MS, evict, KIND, scanCache, type CacheFile } from './scan.js';

export interface CacheStoreOptions {
  /** The cache directory (default: $GITFLEET_CACHE_DIR, else the user cache dir). */
  dir?: string;
  /** Size limit in bytes (default: $GITFLEET_CACHE_MAX_SIZE, else 1 GiB). */
  maxSize?: number;
}

export interface KindInfo {
  kind: string;
  entries: number;
  bytes: number;
  /** Least and most recent use (ISO 8601), null without entries. */
  oldest: string | null;
  newest: string | null;
}

export interface CacheInfo {
  dir: string;
  maxSize: number;
  bytes: number;
  entries: number;
  kinds: KindInfo[];
}

export interface CleanOptions {
  /** Only these kinds (default: all). */
  kinds?: readonly string[];
  /** Only entries not used for this long, in ms. */
  olderThanMs?: number;
}

export interface CleanResult {
  removed: { kind: string; entries: number; bytes: number }[];
  /** Bytes left in the cache. */
  bytes: number;
}

const KEY = /^[0-9a-f]{16,128}$/;
/** After eviction the cache holds at most this share of the limit, so the next runs do not evict again at once. */
const EVICT_TO = 0.9;
/** Room kept for the ledger file (usage.json: about 100 bytes at most). */
const LEDGER_BYTES = 128;
/** The ledger is rebuilt by a full scan this often, which also counts files left by killed runs. */
const RESCAN_MS = 86_400_000;
/** Last use is kept to the minute: a hit within a minute of the last use skips the extra write. */
const TOUCH_AFTER_MS = 60_000;

/**
 * The on-disk result cache. Entries live in `<dir>/<kind>/<2 hex>/<key>.{json,ndjson}`, are
 * immutable, written atomically, and framed with a versioned header and a checksummed trailer:
 * a truncated, empty, garbage, foreign or other-version entry is a miss (and is removed), never
 * a wrong result. The total size stays under `maxSize`: writers add what they wrote to a ledger
 * under a cross-process lock and evict the least recently used entries when it is over.
 * Failures to read or write are misses, never errors.
 *
 * @example
 * const cache = createCacheStore({ dir: '/tmp/cache', maxSize: parseSize('512M') });
 * await cache.putJson('blame', key, result);
 * const hit = await cache.getJson<BlameResult>('blame', key);
 * await cache.flush(); // at the end of an operation: account for the writes, evict if over the limit
 */
export class CacheStore {
  readonly dir: string;
  readonly maxSize: number;
  #pending = 0;
  #flushing: Promise<void> = Promise.resolve();
  readonly #flushEvery: number;

  constructor(options: CacheStoreOptions = {}) {
    const { dir = defaultCacheDir(), maxSize = defaultMaxSize() } = options;
    if (typeof dir !== 'string' || dir === '') throw new InvalidOptionError('cache dir must be a non-empty path');
    if (!Number.isSafeInteger(maxSize) || maxSize < 1) throw new InvalidOptionError(`maxSize must be a positive integer of bytes, got ${String(maxSize)}`);
    this.dir = dir;
    this.maxSize = maxSize;
    this.#flushEvery = Math.max(1, Math.min(8 << 20, Math.floor(maxSize / 8)));
  }

  /** A stored JSON value, or undefined (missing, damaged, foreign or unreadable). */
  async getJson<T>(kind: string, key: string): Promise<T | undefined> {
    const path = this.#path(kind, key, 'json');
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      const { size, mtimeMs } = await handle.stat();
      const payload = decodeEntry(await readAt(handle, 0, size), kind, key);
      if (!payload) {
        await this.#drop(path, handle);
        return undefined;
      }
      const value = JSON.parse(payload.toString('utf8')) as T;
      if (Date.now() - mtimeMs > TOUCH_AFTER_MS) await touch(handle);
      return value;
    } catch {
      return undefined;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Stores a JSON value (skipped when larger than the whole cache). */
  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    const path = this.#path(kind, key, 'json');
    try {
      const data = encodeEntry(kind, key, JSON.stringify(value));
      if (data.length > this.maxSize) return;
      await writeFileAtomic(path, data);
      this.#pending += data.length;
    } catch {
      return; // a cache that cannot write only costs a recompute
    }
    if (this.#pending >= this.#flushEvery) await this.flush();
  }

  /**
   * Streams a stored ndjson entry, or returns undefined on a miss. The whole entry is verified
   * before the first value comes out, so a damaged one never yields a partial result. Iterate to
   * the end or break out: either closes the file.
   */
  async readLines<T>(kind: string, key: string): Promise<AsyncIterable<T> | undefined> {
    const path = this.#path(kind, key, 'ndjson');
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    const payload = await verifyEntryFile(handle, kind, key).catch(() => undefined);
    if (!payload) {
      await this.#drop(path, handle);
      await handle.close().catch(() => undefined);
      return undefined;
    }
    await touch(handle);
    return readPayload<T>(handle, payload);
  }

  /** Records an ndjson entry while a stream is consumed; undefined when the cache cannot write. */
  async writeLines(kind: string, key: string): Promise<EntryWriter | undefined> {
    const path = this.#path(kind, key, 'ndjson');
    return EntryWriter.open(path, kind, key, this.maxSize, (bytes) => (this.#pending += bytes)).catch(() => undefined);
  }

  /** Removes an entry (both shapes). */
  async delete(kind: string, key: string): Promise<void> {
    await Promise.all(['json', 'ndjson'].map((ext) => rm(this.#path(kind, key, ext), { force: true }).catch(() => undefined)));
  }

  /**
   * Adds this store's writes to the shared size ledger and, when the cache is over its limit,
   * evicts the least recently used entries. Call it when an operation ends; it never throws.
   * Writes also flush by themselves every `maxSize / 8` (at most 8 MiB) bytes.
   */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flushNow());
    this.#flushing = run;
    return run;
  }

  /** Directory, limit, size and entries per kind, from a full scan. */
  async info(): Promise<CacheInfo> {
    const files = await scanCache(this.dir);
    const kinds = new Map<string, KindInfo>();
    for (const f of files) {
      let k = kinds.get(f.kind);
      if (!k) kinds.set(f.kind, (k = { kind: f.kind, entries: 0, bytes: 0, oldest: null, newest: null }));
      k.bytes += f.size;
      if (f.temp) continue;
      k.entries++;
      const used = new Date(f.mtimeMs).toISOString();
      if (k.oldest === null || used < k.oldest) k.oldest = used;
      if (k.newest === null || used > k.newest) k.newest = used;
    }
    const list = [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind));
    return {
      dir: this.dir,
      maxSize: this.maxSize,
      bytes: list.reduce((s, k) => s + k.bytes, 0),
      entries: list.reduce((s, k) => s + k.entries, 0),
      kinds: list,
    };
  }

  /** Removes entries: all, of some kinds, and/or not used for `olderThanMs`. Files being written are left alone. */
  async clean(options: CleanOptions = {}): Promise<CleanResult> {
    const { kinds, olderThanMs } = options;
    for (const kind of kinds ?? []) if (!KIND.test(kind)) throw new InvalidOptionError(`not a cache kind: '${kind}'`);
    if (olderThanMs !== undefined && !(olderThanMs > 0 && Number.isFinite(olderThanMs))) {
      throw new InvalidOptionError(`olderThanMs must be a positive number of ms, got ${String(olderThanMs)}`);
    }
    if (!(await access(this.dir).then(() => true, () => false))) return { removed: [], bytes: 0 };
    return withLock(ledgerPath(this.dir), async () => {
      const now = Date.now();
      const removed = new Map<string, { kind: string; entries: number; bytes: number }>();
      const emptied = new Set<string>();
      let left = 0;
      for (const f of await scanCache(this.dir)) {
        const chosen =
          (!kinds || kinds.includes(f.kind)) &&
          (olderThanMs === undefined || now - f.mtimeMs > olderThanMs) &&
          (!f.temp || now - f.mtimeMs > ABANDONED_MS);
        if (!chosen || !(await rm(f.path, { force: true }).then(() => true, () => false))) {
          left += f.size;
          continue;
        }
        const r = removed.get(f.kind) ?? { kind: f.kind, entries: 0, bytes: 0 };
        removed.set(f.kind, r);
        if (!f.temp) r.entries++;
        r.bytes += f.size;
        emptied.add(dirname(f.path));
      }
      // Drop shard and kind directories left empty (rmdir refuses non-empty ones).
      for (const shard of emptied) await rmdir(shard).then(() => rmdir(dirname(shard)), () => undefined).catch(() => undefined);
      await writeLedger(this.dir, { bytes: left, scannedAt: now });
      return { removed: [...removed.values()].sort((a, b) => a.kind.localeCompare(b.kind)), bytes: left };
    });
  }

  async #flushNow(): Promise<void> {
    const added = this.#pending;
    if (added === 0) {
      // Nothing written, but the limit may have been lowered since: evict then too.
      const ledger = await readLedger(this.dir);
      if (!ledger || ledger.bytes + LEDGER_BYTES <= this.maxSize) return;
    }
    this.#pending = 0;
    try {
      await withLock(ledgerPath(this.dir), async () => {
        const now = Date.now();
        const previous = await readLedger(this.dir);
        let files: CacheFile[] | undefined;
        let ledger: Ledger;
        if (!previous || now - previous.scannedAt > RESCAN_MS || previous.scannedAt > now) {
          files = await scanCache(this.dir);
          ledger = { bytes: files.reduce((s, f) => s + f.size, 0), scannedAt: now };
        } else {
          ledger = { bytes: Math.max(0, previous.bytes + added), scannedAt: previous.scannedAt };
        }
        // The ledger file itself (usage.json) takes room under the limit too.
        if (ledger.bytes + LEDGER_BYTES > this.maxSize) {
          files ??= await scanCache(this.dir);
          ledger = { bytes: await evict(files, Math.floor(this.maxSize * EVICT_TO) - LEDGER_BYTES, now), scannedAt: now };
        }
        await writeLedger(this.dir, ledger);
      });
    } catch {
      this.#pending += added; // counted at the next flush
    }
  }

  /** Removes a damaged entry, unless another process has replaced it with a new file meanwhile. */
  async #drop(path: string, handle: FileHandle): Promise<void> {
    try {
      const [mine, current] = await Promise.all([handle.stat(), stat(path)]);
      if (mine.ino !== current.ino || mine.dev !== current.dev) return;
      await rm(path, { force: true });
      this.#pending -= mine.size;
    } catch {
      // already gone
    }
  }

  #path(kind: string, key: string, ext: string): string {
    if (!KIND.test(kind)) throw new InvalidOptionError(`cache kinds are lower-case words, got '${kind}'`);
    if (!KEY.test(key)) throw new InvalidOptionError('cache keys must be hex hashes (16-128 digits)');
    return join(this.dir, kind, key.slice(0, 2), `${key}.${ext}`);
  }
}

/**
 * Opens the cache (see {@link CacheStore}).
 *
 * @example
 * const cache = createCacheStore(); // $GITFLEET_CACHE_DIR or ~/.cache/gitfleet, $GITFLEET_CACHE_MAX_SIZE or 1 GiB
 * console.log(await cache.info());
 */
export function createCacheStore(options: CacheStoreOptions = {}): CacheStore {
  return new CacheStore(options);
}

/** A hit marks the entry as recently used (eviction goes by last use). */
async function touch(handle: FileHandle): Promise<void> {
  const now = new Date();
  await handle.utimes(now, now).catch(() => undefined);
}

async function* readPayload<T>(handle: FileHandle, payload: Payload): AsyncGenerator<T> {
  try {
    if (payload.end === payload.start) return;
    const input = handle.createReadStream({ start: payload.start, end: payload.end - 1, autoClose: false });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield JSON.parse(line) as T;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
