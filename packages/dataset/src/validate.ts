import { InvalidRowError } from './errors.js';
import { inputColumns, type ColumnDef, type TableName } from './schema.js';
import { MAX_ROW_BYTES } from './sql.js';

type Check = (value: unknown) => string | undefined;

const INT32 = 2 ** 31;
// ES2024 string methods, present in Node 20 (V8 11.3) but not in this project's TypeScript lib.
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const wellFormed = (s: string): string => ((s as unknown as WellFormed).isWellFormed() ? s : (s as unknown as WellFormed).toWellFormed());

const checks: Record<ColumnDef['type'], Check> = {
  VARCHAR: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  BIGINT: (v) => (Number.isSafeInteger(v) ? undefined : 'must be a safe integer'),
  INTEGER: (v) => (Number.isInteger(v) && (v as number) >= -INT32 && (v as number) < INT32 ? undefined : 'must be a 32-bit integer'),
  DOUBLE: (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number'),
  BOOLEAN: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean'),
  'VARCHAR[]': (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? undefined : 'must be an array of strings'),
};

/**
 * Validates rows of one table against the schema and turns each into one NDJSON line of its
 * input columns (strings made well-formed UTF-16 so they encode as valid UTF-8).
 */
export class RowSerializer {
  private readonly columns: readonly ColumnDef[];
  private readonly known: Set<string>;

  constructor(
    readonly table: TableName,
    readonly repository: string,
  ) {
    this.columns = inputColumns(table);
    this.known = new Set(this.columns.map((c) => c.name));
  }

  line(row: unknown, index: number, now: number): string {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new InvalidRowError(this.table, '*', index, 'row must be an object');
    const input = row as Record<string, unknown>;
    if (input['repository'] !== undefined && input['repository'] !== this.repository) {
      throw new InvalidRowError(this.table, 'repository', index, `is ${JSON.stringify(input['repository'])}, not the transaction's ${JSON.stringify(this.repository)}`);
    }
    const out: Record<string, unknown> = {};
    for (const column of this.columns) {
      let value = input[column.name];
      if (value === undefined || value === null) {
        if (this.table === 'errors' && column.name === 'time') value = now;
        else if (column.nullable) {
          out[column.name] = null;
          continue;
        } else throw new InvalidRowError(this.table, column.name, index, 'is required');
      }
      const problem = checks[column.type](value);
      if (problem) throw new InvalidRowError(this.table, column.name, index, `${problem} (got ${describe(value)})`);
      if (typeof value === 'string') value = wellFormed(value);
      else if (Array.isArray(value)) value = value.map((s: string) => wellFormed(s));
      out[column.name] = value;
    }
    for (const name of Object.keys(input)) {
      if (name !== 'repository' && !this.known.has(name)) throw new InvalidRowError(this.table, name, index, 'is not a column of this table (or is computed by the writer)');
    }
    const line = JSON.stringify(out);
    // UTF-16 length bounds the UTF-8 size from below; the precise check is only needed near the limit.
    if (line.length * 3 > MAX_ROW_BYTES && Buffer.byteLength(line) > MAX_ROW_BYTES) {
      throw new InvalidRowError(this.table, '*', index, `row is larger than ${MAX_ROW_BYTES} bytes as JSON (truncate long values)`);
    }
    return line;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return Array.isArray(value) ? 'array' : typeof value;
}
