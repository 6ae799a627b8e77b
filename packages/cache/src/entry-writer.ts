import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { headerLine, trailerLine } from './entry-format.js';

const FLUSH_BYTES = 1 << 20;

/** A temp name beside `file`: same directory (so rename is atomic), unique per process and call. */
export function tempPath(file: string): string {
  return `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes `data` to `file` atomically: a private temp file (0600, directory 0700) renamed over it.
 * No fsync: an entry torn by a power loss fails its checksum and is recomputed.
 */
export async function writeFileAtomic(file: string, data: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = tempPath(file);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Records a streamed entry (one JSON value per line) while its source is consumed. Nothing is
 * visible until `commit()` renames the finished file into place; `discard()` (after an error, an
 * abort or an early stop) removes it. An entry that grows past `maxBytes` is dropped at commit.
 */
export class EntryWriter {
  readonly #hash = createHash('sha256');
  #lines: string[] = [];
  #buffered = 0;
  #count = 0;
  #payloadBytes = 0;
  #tooBig = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly temp: string,
    private readonly file: string,
    private readonly maxBytes: number,
    private readonly onCommit: (bytes: number) => void,
    private readonly headerBytes: number,
  ) {}

  static async open(file: string, kind: string, key: string, maxBytes: number, onCommit: (bytes: number) => void): Promise<EntryWriter> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temp = tempPath(file);
    const handle = await open(temp, 'wx', 0o600);
    const header = Buffer.from(headerLine(kind, key));
    try {
      await handle.write(header);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    return new EntryWriter(handle, temp, file, maxBytes, onCommit, header.length);
  }

  async add(value: unknown): Promise<void> {
    if (this.#tooBig) return;
    const line = `${JSON.stringify(value)}\n`;
    this.#lines.push(line);
    this.#buffered += line.length;
    this.#count++;
    if (this.#buffered > FLUSH_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const data = Buffer.from(this.#lines.join(''), 'utf8');
    this.#lines = [];
    this.#buffered = 0;
    this.#payloadBytes += data.length;
    if (this.headerBytes + this.#payloadBytes > this.maxBytes) {
      this.#tooBig = true; // it could never be kept: stop writing
      return;
    }
    this.#hash.update(data);
    await this.handle.write(data);
  }

  /** Publishes the entry (or drops it when it outgrew the cache); never throws. */
  async commit(): Promise<void> {
    try {
      await this.#flush();
      const trailer = Buffer.from(trailerLine(this.#count, this.#payloadBytes, this.#hash.digest('hex')));
      const size = this.headerBytes + this.#payloadBytes + trailer.length;
      if (this.#tooBig || size > this.maxBytes) return await this.discard();
      await this.handle.write(trailer);
      await this.handle.close();
      await rename(this.temp, this.file);
      this.onCommit(size);
    } catch {
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true }).catch(() => undefined);
  }
}
