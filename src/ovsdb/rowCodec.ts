import { OvsdbCodecError } from './errors.ts';
import { columnDecoder, defaultValue, type Decoder, type Row, type Value } from './codec.ts';
import type { ColumnSchema, TableSchema } from './schema.ts';
import { Uuid } from './uuid.ts';

/** Per-table decoders, built once per schema and reused for every row. */
export interface TableCodec {
  readonly table: TableSchema;
  /** Null-prototype lookup: column name -> decoder. */
  readonly decoders: Readonly<Record<string, Decoder>>;
  /** The table's own columns (without `_uuid`/`_version`). */
  readonly columns: readonly ColumnSchema[];
}

const cache = new WeakMap<TableSchema, TableCodec>();

export function tableCodec(table: TableSchema): TableCodec {
  let codec = cache.get(table);
  if (!codec) {
    const decoders = Object.create(null) as Record<string, Decoder>;
    const columns: ColumnSchema[] = [];
    for (const col of table.columns.values()) {
      decoders[col.name] = columnDecoder(col, table);
      if (col.name !== '_uuid' && col.name !== '_version') columns.push(col);
    }
    codec = { table, decoders, columns };
    cache.set(table, codec);
  }
  return codec;
}

/**
 * Decodes a wire row. `fill` lists the columns that must be present: the
 * ones the server left out (update2 omits default values) get their default.
 */
export function decodeRow(codec: TableCodec, uuid: Uuid | undefined, json: unknown, fill?: readonly ColumnSchema[]): Row {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OvsdbCodecError(`${codec.table.name}: row is not an object`, json);
  }
  const src = json as Record<string, unknown>;
  const row: Record<string, Value> = {};
  if (uuid) row['_uuid'] = uuid;
  const decoders = codec.decoders;
  for (const name in src) {
    const dec = decoders[name];
    if (!dec) throw new OvsdbCodecError(`${codec.table.name}: unknown column '${name}' from the server`, name);
    row[name] = dec(src[name]);
  }
  if (fill) {
    for (let i = 0; i < fill.length; i++) {
      const col = fill[i]!;
      if (!(col.name in row)) row[col.name] = defaultValue(col);
    }
  }
  return row as unknown as Row;
}
