import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import envPaths from 'env-paths';

/** Default cache directory: $GITFLEET_CACHE_DIR, else the user cache dir (XDG on Linux). */
export function defaultCacheDir(): string {
  return process.env['GITFLEET_CACHE_DIR'] || envPaths('gitfleet', { suffix: '' }).cache;
}

export function hashKey(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * Results cached on what makes them exact: commit ids (blame, history tips), paths, options.
 * Entries are immutable files written atomically (temp file + rename), so concurrent runs are safe.
 */
export class ResultCache {
  constructor(readonly dir: string) {}

  private path(kind: string, key: string, ext: string): string {
    return join(this.dir, kind, key.slice(0, 2), `${key}.${ext}`);
  }

  async getJson<T>(kind: string, key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path(kind, key, 'json'), 'utf8')) as T;
    } catch {
      return undefined; // a missing or unreadable entry is a miss, never an error
    }
  }

  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    const file = this.path(kind, key, 'json');
    await writeAtomic(file, JSON.stringify(value)).catch(() => undefined);
  }

  /** Streams a cached ndjson entry, or returns undefined on a miss. */
  async readLines<T>(kind: string, key: string): Promise<AsyncIterable<T> | undefined> {
    const file = this.path(kind, key, 'ndjson');
    if (!(await access(file).then(() => true, () => false))) return undefined;
    return (async function* () {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of lines) if (line) yield JSON.parse(line) as T;
    })();
  }

  /**
   * Records an ndjson entry while a stream is consumed. `commit()` publishes it;
   * `discard()` (after an error, abort or early stop) removes the partial file.
   */
  async writeLines(kind: string, key: string): Promise<LineWriter | undefined> {
    const file = this.path(kind, key, 'ndjson');
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(tmp, 'w');
      return new LineWriter(handle, tmp, file);
    } catch {
      return undefined;
    }
  }
}

export class LineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly file: string,
  ) {}

  async add(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.buffer.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    await this.handle.write(text);
  }

  async commit(): Promise<void> {
    try {
      await this.flush();
      await this.handle.close();
      await rename(this.tmp, this.file);
    } catch {
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
