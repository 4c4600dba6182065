import { OvsdbCodecError } from './errors.ts';

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';
export type EnumAtom = string | number | boolean;

export interface BaseType {
  readonly type: AtomicType;
  readonly enum?: ReadonlySet<EnumAtom>;
  readonly minInteger?: number;
  readonly maxInteger?: number;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly refTable?: string;
  readonly refType?: 'strong' | 'weak';
}

/** How a column decodes: one atom, an array (any set, also 0..1), or a Map. */
export type ColumnKind = 'scalar' | 'set' | 'map';

export interface ColumnType {
  readonly key: BaseType;
  readonly value?: BaseType;
  readonly min: number;
  /** Infinity for "unlimited". */
  readonly max: number;
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly kind: ColumnKind;
  readonly ephemeral: boolean;
  readonly mutable: boolean;
}

export interface TableSchema {
  readonly name: string;
  /** Includes the implicit `_uuid` and `_version` columns. */
  readonly columns: ReadonlyMap<string, ColumnSchema>;
  readonly isRoot: boolean;
  readonly maxRows?: number;
  readonly indexes: readonly (readonly string[])[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly version: string;
  readonly cksum?: string;
  readonly tables: ReadonlyMap<string, TableSchema>;
  /** The schema JSON as the server sent it. */
  readonly json: unknown;
}

const ATOMIC: ReadonlySet<string> = new Set(['integer', 'real', 'boolean', 'string', 'uuid']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, why: string, input: unknown): never {
  throw new OvsdbCodecError(`schema ${where}: ${why}`, input);
}

function num(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number') fail(where, 'expected a number', v);
  return v;
}

function parseEnum(json: unknown, where: string): Set<EnumAtom> {
  const atoms = Array.isArray(json) && json[0] === 'set' ? json[1] : [json];
  if (!Array.isArray(atoms)) fail(where, 'bad enum', json);
  const out = new Set<EnumAtom>();
  for (const a of atoms) {
    if (typeof a !== 'string' && typeof a !== 'number' && typeof a !== 'boolean') fail(where, 'bad enum atom', a);
    out.add(a);
  }
  return out;
}

function parseBase(json: unknown, where: string): BaseType {
  if (typeof json === 'string') {
    if (!ATOMIC.has(json)) fail(where, `unknown atomic type '${json}'`, json);
    return { type: json as AtomicType };
  }
  if (!isObject(json) || typeof json['type'] !== 'string' || !ATOMIC.has(json['type'])) {
    fail(where, 'bad base type', json);
  }
  const base: {
    -readonly [K in keyof BaseType]: BaseType[K];
  } = { type: json['type'] as AtomicType };
  if (json['enum'] !== undefined) base.enum = parseEnum(json['enum'], where);
  for (const bound of ['minInteger', 'maxInteger', 'minReal', 'maxReal', 'minLength', 'maxLength'] as const) {
    const v = num(json[bound], where);
    if (v !== undefined) base[bound] = v;
  }
  if (typeof json['refTable'] === 'string') {
    base.refTable = json['refTable'];
    base.refType = json['refType'] === 'weak' ? 'weak' : 'strong';
  }
  return base;
}

export function parseColumnType(json: unknown, where: string): ColumnType {
  if (typeof json === 'string') return { key: parseBase(json, where), min: 1, max: 1 };
  if (!isObject(json)) fail(where, 'bad column type', json);
  const key = parseBase(json['key'], where);
  const value = json['value'] === undefined ? undefined : parseBase(json['value'], where);
  const min = json['min'] === undefined ? 1 : num(json['min'], where)!;
  const rawMax = json['max'];
  const max = rawMax === undefined ? 1 : rawMax === 'unlimited' ? Infinity : num(rawMax, where)!;
  return value ? { key, value, min, max } : { key, min, max };
}

export function columnKind(type: ColumnType): ColumnKind {
  if (type.value) return 'map';
  return type.min === 1 && type.max === 1 ? 'scalar' : 'set';
}

const UUID_COLUMN_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1 };

function implicitColumn(name: string): ColumnSchema {
  return { name, type: UUID_COLUMN_TYPE, kind: 'scalar', ephemeral: false, mutable: false };
}

/** Parses a schema as returned by get_schema (or read from a .ovsschema file). */
export function parseDatabaseSchema(json: unknown): DatabaseSchema {
  if (!isObject(json) || typeof json['name'] !== 'string' || !isObject(json['tables'])) {
    fail('', 'not an OVSDB schema (needs "name" and "tables")', json);
  }
  const tables = new Map<string, TableSchema>();
  for (const [tname, tjson] of Object.entries(json['tables'])) {
    if (!isObject(tjson) || !isObject(tjson['columns'])) fail(tname, 'table without columns', tjson);
    const columns = new Map<string, ColumnSchema>();
    columns.set('_uuid', implicitColumn('_uuid'));
    columns.set('_version', implicitColumn('_version'));
    for (const [cname, cjson] of Object.entries(tjson['columns'])) {
      if (!isObject(cjson)) fail(`${tname}.${cname}`, 'bad column', cjson);
      const type = parseColumnType(cjson['type'], `${tname}.${cname}`);
      columns.set(cname, {
        name: cname,
        type,
        kind: columnKind(type),
        ephemeral: cjson['ephemeral'] === true,
        mutable: cjson['mutable'] !== false,
      });
    }
    const indexes = Array.isArray(tjson['indexes'])
      ? tjson['indexes'].filter((ix): ix is string[] => Array.isArray(ix) && ix.every((c) => typeof c === 'string'))
      : [];
    const maxRows = typeof tjson['maxRows'] === 'number' ? tjson['maxRows'] : undefined;
    tables.set(tname, {
      name: tname,
      columns,
      isRoot: tjson['isRoot'] === true,
      indexes,
      ...(maxRows === undefined ? {} : { maxRows }),
    });
  }
  return {
    name: json['name'],
    version: typeof json['version'] === 'string' ? json['version'] : '',
    ...(typeof json['cksum'] === 'string' ? { cksum: json['cksum'] } : {}),
    tables,
    json,
  };
}

export function tableOf(schema: DatabaseSchema, table: string): TableSchema {
  const t = schema.tables.get(table);
  if (!t) throw new OvsdbCodecError(`database ${schema.name} has no table '${table}'`, table);
  return t;
}

export function columnOf(table: TableSchema, column: string): ColumnSchema {
  const c = table.columns.get(column);
  if (!c) throw new OvsdbCodecError(`table ${table.name} has no column '${column}'`, column);
  return c;
}
