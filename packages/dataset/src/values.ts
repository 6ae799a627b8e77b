/**
 * JS values of a DuckDB row made friendly: BIGINT/HUGEINT become numbers when they fit in a double
 * exactly (counts, sums, unix seconds always do) and stay bigint otherwise; lists and structs are
 * converted element by element.
 */
export function friendly(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
  if (Array.isArray(value)) return value.map(friendly);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = friendly(v);
    return out;
  }
  return value;
}

export function friendlyRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row) out[key] = friendly(row[key]);
  return out;
}
