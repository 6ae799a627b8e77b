import { stringify } from 'csv-stringify/sync';
import Table from 'cli-table3';
import { clearProgress } from './progress.js';

export type Format = 'table' | 'json' | 'ndjson' | 'csv';

export interface WriterOptions {
  /** CSV: prefix string cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) with `'`. */
  csvSafe?: boolean;
}

// Characters that drive a terminal: C0 controls but tab, DEL, C1 controls, and the bidi overrides
// that reorder what is shown ("Trojan Source").
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\x1b' };

/**
 * Repository and forge content shown in a terminal: control characters become visible escapes
 * (`\x1b`, `\n`, `\u202e`), so an author name or a path can't set the window title, clear the screen,
 * hide a link or add a line. Machine formats (json, ndjson, csv, patch) stay faithful instead.
 */
export function safe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return NAMED_ESCAPES[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}

export const CSV_SAFE_HELP =
  "csv: prefix cells starting with = + - @ with ' so spreadsheets don't run them as formulas (changes the data)";

// https://owasp.org/www-community/attacks/CSV_Injection
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Writes to stdout honouring backpressure, so huge outputs stream in flat memory. On a terminal,
 * a progress bar is cleared first.
 */
export async function write(text: string | Uint8Array): Promise<void> {
  if (process.stdout.isTTY) clearProgress();
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

/** One `gitfleet: ...` line on stderr for the user (a progress bar is cleared first). */
export function note(text: string): void {
  clearProgress();
  process.stderr.write(`gitfleet: ${safe(text)}\n`);
}

/** Streams items in the chosen machine format. `table` is the caller's. */
export class ItemWriter<T> {
  private count = 0;
  private headerWritten = false;

  constructor(
    private readonly format: Exclude<Format, 'table'>,
    private readonly toRow: (item: T) => Record<string, unknown>[] = (item) => [item as Record<string, unknown>],
    private readonly options: WriterOptions = {},
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
        await write(stringify(rows.map((r) => flatten(r)), { header: !this.headerWritten, cast: this.cast }));
        this.headerWritten = true;
        break;
      }
    }
    this.count++;
  }

  private readonly cast = {
    boolean: (value: boolean): string => String(value),
    string: (value: string): string => (this.options.csvSafe && FORMULA_START.test(value) ? `'${value}` : value),
  };

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
    head: head.map(safe),
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '',
      'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '',
    },
    ...(align ? { colAligns: align } : {}),
  });
  t.push(...rows.map((r) => r.map((cell) => safe(String(cell)))));
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
