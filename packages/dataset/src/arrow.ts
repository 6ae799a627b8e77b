import {
  Binary,
  Bool,
  DateMillisecond,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  makeBuilder,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  type Builder,
  type DataType,
} from 'apache-arrow';
import type { DuckDBListType, DuckDBResult, DuckDBStructType, DuckDBType, DuckDBTypeId as TypeIdEnum } from '@duckdb/node-api';

type TypeIds = typeof TypeIdEnum;

/** The Arrow type of a DuckDB column type; types Arrow JS has no builder for travel as strings. */
function arrowType(DuckDBTypeId: TypeIds, type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
      return new Int8();
    case DuckDBTypeId.SMALLINT:
      return new Int16();
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
      return new Int64();
    case DuckDBTypeId.UTINYINT:
      return new Uint8();
    case DuckDBTypeId.USMALLINT:
      return new Uint16();
    case DuckDBTypeId.UINTEGER:
      return new Uint32();
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return new Uint64();
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return new Float64();
    case DuckDBTypeId.BLOB:
      return new Binary();
    case DuckDBTypeId.DATE:
      return new DateMillisecond();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMillisecond();
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return new List(new Field('item', arrowType(DuckDBTypeId, (type as DuckDBListType).valueType), true));
    case DuckDBTypeId.STRUCT: {
      const struct = type as DuckDBStructType;
      return new Struct(struct.entryNames.map((name, i) => new Field(name, arrowType(DuckDBTypeId, struct.entryTypes[i]!), true)));
    }
    default:
      return new Utf8();
  }
}

/** Adapt a JS value (from DuckDB's JS converter) to what the Arrow builder of `type` appends. */
function arrowValue(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type instanceof Int64 || type instanceof Uint64) return typeof value === 'bigint' ? value : BigInt(value as number);
  if (type instanceof TimestampMillisecond || type instanceof DateMillisecond) return value instanceof Date ? value.getTime() : value;
  if (type instanceof List) return (value as unknown[]).map((v) => arrowValue(type.children[0]!.type, v));
  if (type instanceof Struct) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(type.children.map((f) => [f.name, arrowValue(f.type, record[f.name])]));
  }
  if (type instanceof Utf8 && typeof value !== 'string') return typeof value === 'object' ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value);
  return value;
}

/**
 * Build an Arrow table from a (streaming) DuckDB result with Arrow JS's builders: one record batch
 * per DuckDB chunk, so memory holds the Arrow data and one chunk of JS values.
 */
export async function resultToArrow(result: DuckDBResult, signal?: AbortSignal): Promise<Table> {
  const names = result.deduplicatedColumnNames();
  const { DuckDBTypeId } = await import('@duckdb/node-api');
  const types = result.columnTypes().map((t) => arrowType(DuckDBTypeId, t));
  const schema = new Schema(names.map((name, i) => new Field(name, types[i]!, true)));
  const builders: Builder[] = types.map((type) => makeBuilder({ type, nullValues: [null, undefined] }));
  const batches: RecordBatch[] = [];
  for await (const rows of result.yieldRowsJs()) {
    signal?.throwIfAborted();
    for (const row of rows) for (let i = 0; i < builders.length; i++) builders[i]!.append(arrowValue(types[i]!, row[i]));
    const children = builders.map((b) => b.flush());
    const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
    batches.push(new RecordBatch(schema, data));
  }
  for (const b of builders) b.finish();
  return batches.length > 0 ? new Table(batches) : new Table(schema);
}
