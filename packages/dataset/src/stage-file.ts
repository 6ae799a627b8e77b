import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { throwIfAborted } from './errors.js';
import type { TableName } from './schema.js';
import { RowSerializer } from './validate.js';

/** Rows of one or several batches: a batch (array), any iterable, or an async iterable. */
export type RowSource<R> = Iterable<R> | AsyncIterable<R>;

const FLUSH_BYTES = 1 << 18;

/**
 * One table's staged rows of a transaction, as NDJSON on disk: memory stays bounded however many
 * rows come (the stream's back-pressure is honoured), and DuckDB reads the file on its own threads
 * when the transaction commits.
 */
export class StageFile {
  rows = 0;
  private readonly stream: WriteStream;
  private readonly serializer: RowSerializer;
  private failed: Error | undefined;

  constructor(
    readonly table: TableName,
    readonly path: string,
    repository: string,
  ) {
    this.serializer = new RowSerializer(table, repository);
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (error) => {
      this.failed = error;
    });
  }

  async append(rows: RowSource<unknown>, now: number, signal?: AbortSignal): Promise<number> {
    let buffer: string[] = [];
    let bytes = 0;
    let count = 0;
    const flush = async (): Promise<void> => {
      if (this.failed) throw this.failed;
      if (buffer.length === 0) return;
      const chunk = buffer.join('');
      buffer = [];
      bytes = 0;
      if (!this.stream.write(chunk)) await once(this.stream, 'drain', signal ? { signal } : {});
      // A batch given as one big array would otherwise be serialised in a single turn of the event loop.
      else await new Promise(setImmediate);
    };
    for await (const row of rows) {
      const line = this.serializer.line(row, this.rows + count, now);
      buffer.push(line, '\n');
      bytes += line.length + 1;
      count++;
      if (bytes >= FLUSH_BYTES) {
        throwIfAborted(signal);
        await flush();
      }
    }
    await flush();
    this.rows += count;
    return count;
  }

  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.stream.closed) return;
    this.stream.end();
    await once(this.stream, 'close');
    if (this.failed) throw this.failed;
  }

  destroy(): void {
    this.stream.destroy();
  }
}
