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

/** Builds a row from the server's full-row JSON (insert/initial), with defaults for omitted columns. */
export type FullRowDecoder = (uuid: Uuid, json: Record<string, unknown>) => Row;

function defaultExpr(col: ColumnSchema): string {
  if (col.kind === 'map') return 'new Map()';
  if (col.kind === 'set') return '[]';
  switch (col.type.key.type) {
    case 'string': return "''";
    case 'integer':
    case 'real': return '0';
    case 'boolean': return 'false';
    case 'uuid': return 'ZERO_UUID';
  }
}

/**
 * Compiles a decoder for the monitored `columns` of a table: one object
 * literal with the columns in a fixed order, so every row shares one hidden
 * class and each column's decoder is called from its own call site. This is
 * the hot path of a 100k-row initial dump; a generic loop over column names
 * is several times slower. Column names are embedded with JSON.stringify, so
 * no name from the server can break out of the string.
 */
export function compileFullRowDecoder(codec: TableCodec, columns: readonly ColumnSchema[]): FullRowDecoder {
  const decs = columns.map((c) => codec.decoders[c.name]!);
  const lines = columns.map((c, i) => {
    const key = JSON.stringify(c.name);
    return `    ${key}: (v = src[${key}]) === undefined ? ${defaultExpr(c)} : d${i}(v),`;
  });
  const body = [
    '"use strict";',
    ...decs.map((_, i) => `const d${i} = decs[${i}];`),
    'return function decodeFullRow(uuid, src) {',
    '  let v;',
    '  return {',
    '    _uuid: uuid,',
    ...lines,
    '  };',
    '};',
  ].join('\n');
  const factory = new Function('decs', 'ZERO_UUID', body) as (decs: Decoder[], zero: Uuid) => FullRowDecoder;
  return factory(decs, Uuid.trusted('00000000-0000-0000-0000-000000000000'));
}
