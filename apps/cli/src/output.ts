import { stringify } from 'csv-stringify/sync';
import Table from 'cli-table3';

export type Format = 'table' | 'json' | 'ndjson' | 'csv';

/** Writes to stdout honouring backpressure, so huge outputs stream in flat memory. */
export async function write(text: string | Uint8Array): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

/** Streams items in the chosen machine format. `table` is the caller's. */
export class ItemWriter<T> {
  private count = 0;
  private headerWritten = false;

  constructor(
    private readonly format: Exclude<Format, 'table'>,
    private readonly toRow: (item: T) => Record<string, unknown>[] = (item) => [item as Record<string, unknown>],
  ) {}

  async add(item: T): Promise<void> {
    switch (this.format) {
      case 'ndjson':
        await write(`${JSON.stringify(item)}\n`);
        break;
      case 'json':
        await write(`${this.count === 0 ? '[\n' : ',\n'}${JSON.stringify(item)}`);
        break;
      case 'csv': {
        const rows = this.toRow(item);
        if (rows.length === 0) break;
        await write(stringify(rows.map((r) => flatten(r)), { header: !this.headerWritten }));
        this.headerWritten = true;
        break;
      }
    }
    this.count++;
  }

  async end(): Promise<void> {
    if (this.format === 'json') await write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}

/** Nested objects become `parent.child` columns; arrays become space-joined strings. */
export function flatten(row: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[name] = value.join(' ');
    else if (value !== null && typeof value === 'object') flatten(value as Record<string, unknown>, name, out);
    else out[name] = value;
  }
  return out;
}

/** A plain, borderless table that reads well in a terminal and pipes cleanly. */
export function table(head: string[], rows: (string | number)[][], align?: ('left' | 'right')[]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '',
      'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '',
    },
    ...(align ? { colAligns: align } : {}),
  });
  t.push(...rows.map((r) => r.map(String)));
  return `${t.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 10);
}

/** Unix seconds + offset in minutes -> `2024-01-31 14:05 +0530`, in the commit's own zone. */
export function formatTime(seconds: number, tzOffset: number | null): string {
  const offset = tzOffset ?? 0;
  const d = new Date((seconds + offset * 60) * 1000);
  const iso = d.toISOString().slice(0, 16).replace('T', ' ');
  if (tzOffset === null) return `${iso} UTC`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${iso} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
