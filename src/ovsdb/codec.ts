import { OvsdbCodecError } from './errors.ts';
import { NamedUuid, Uuid } from './uuid.ts';
import type { BaseType, ColumnSchema, TableSchema } from './schema.ts';

/** A decoded atom. */
export type Atom = string | number | boolean | Uuid;
/** A decoded column value: an atom (scalar column), an array (set column, also 0..1) or a Map (map column). */
export type Value = Atom | Atom[] | Map<Atom, Atom>;

/** A decoded row: column name -> value, plus `_uuid`. */
export interface Row {
  readonly _uuid: Uuid;
  readonly [column: string]: Value;
}

/** What callers may pass where an atom is written. Strings that look like UUIDs are accepted for uuid columns. */
export type AtomInput = string | number | boolean | Uuid | NamedUuid;
/** What callers may pass as a column value when writing. */
export type ValueInput =
  | AtomInput
  | readonly AtomInput[]
  | ReadonlySet<AtomInput>
  | ReadonlyMap<AtomInput, AtomInput>
  | { readonly [key: string]: AtomInput }
  | null
  | undefined;

/** Wire (RFC 7047 JSON) notation. */
export type WireAtom = string | number | boolean | ['uuid', string] | ['named-uuid', string];
export type WireValue = WireAtom | ['set', WireAtom[]] | ['map', [WireAtom, WireAtom][]];

export type Decoder = (json: unknown) => Value;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function where(col: ColumnSchema, table?: TableSchema): string {
  return table ? `${table.name}.${col.name}` : col.name;
}

function atomDecoder(base: BaseType, label: string): (json: unknown) => Atom {
  const bad = (json: unknown): never => {
    throw new OvsdbCodecError(`${label}: expected ${base.type}, got ${JSON.stringify(json)}`, json);
  };
  switch (base.type) {
    case 'string':
      return (json) => (typeof json === 'string' ? json : bad(json));
    case 'integer':
      return (json) => (typeof json === 'number' && Number.isInteger(json) ? json : bad(json));
    case 'real':
      return (json) => (typeof json === 'number' ? json : bad(json));
    case 'boolean':
      return (json) => (typeof json === 'boolean' ? json : bad(json));
    case 'uuid':
      return (json) => {
        if (Array.isArray(json) && json.length === 2 && json[0] === 'uuid' && typeof json[1] === 'string') {
          return Uuid.trusted(json[1]);
        }
        return bad(json);
      };
  }
}

/** Builds the decoder of one column (made once per schema, reused for every row). */
export function columnDecoder(col: ColumnSchema, table?: TableSchema): Decoder {
  const label = where(col, table);
  const key = atomDecoder(col.type.key, label);
  if (col.kind === 'scalar') return key;
  if (col.kind === 'set') {
    return (json) => {
      if (Array.isArray(json) && json[0] === 'set') {
        const elems = json[1];
        if (!Array.isArray(elems)) throw new OvsdbCodecError(`${label}: malformed set`, json);
        const out: Atom[] = new Array<Atom>(elems.length);
        for (let i = 0; i < elems.length; i++) out[i] = key(elems[i]);
        return out;
      }
      return [key(json)];
    };
  }
  const value = atomDecoder(col.type.value!, label);
  return (json) => {
    if (!Array.isArray(json) || json[0] !== 'map' || !Array.isArray(json[1])) {
      throw new OvsdbCodecError(`${label}: expected a map, got ${JSON.stringify(json)}`, json);
    }
    const out = new Map<Atom, Atom>();
    for (const pair of json[1] as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new OvsdbCodecError(`${label}: malformed map pair`, pair);
      out.set(key(pair[0]), value(pair[1]));
    }
    return out;
  };
}

/** The value a column has when the server omits it (update2 leaves defaults out). */
export function defaultValue(col: ColumnSchema): Value {
  if (col.kind === 'map') return new Map();
  if (col.kind === 'set') return [];
  switch (col.type.key.type) {
    case 'string': return '';
    case 'integer': return 0;
    case 'real': return 0;
    case 'boolean': return false;
    case 'uuid': return Uuid.trusted(ZERO_UUID);
  }
}

/** Validates one atom against its base type and encodes it in wire notation. */
export function encodeAtom(base: BaseType, value: unknown, label: string): WireAtom {
  const bad = (why: string): never => {
    throw new OvsdbCodecError(`${label}: ${why} (got ${describe(value)})`, value);
  };
  switch (base.type) {
    case 'string':
      if (typeof value !== 'string') bad('expected a string');
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) bad('expected an integer');
      break;
    case 'real':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('expected a real number');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') bad('expected a boolean');
      break;
    case 'uuid':
      if (value instanceof Uuid) return ['uuid', value.value];
      if (value instanceof NamedUuid) return ['named-uuid', value.name];
      if (typeof value === 'string' && Uuid.isUuid(value)) return ['uuid', value];
      return bad('expected a Uuid, a NamedUuid or a UUID string');
  }
  const v = value as string | number | boolean;
  if (base.enum && !base.enum.has(v)) bad(`not one of ${[...base.enum].map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof v === 'number') {
    const min = base.type === 'integer' ? base.minInteger : base.minReal;
    const max = base.type === 'integer' ? base.maxInteger : base.maxReal;
    if (min !== undefined && v < min) bad(`below the minimum ${min}`);
    if (max !== undefined && v > max) bad(`above the maximum ${max}`);
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (base.minLength !== undefined && len < base.minLength) bad(`shorter than ${base.minLength} characters`);
    if (base.maxLength !== undefined && len > base.maxLength) bad(`longer than ${base.maxLength} characters`);
  }
  return v;
}

function describe(value: unknown): string {
  if (value instanceof Uuid || value instanceof NamedUuid) return String(value);
  if (value instanceof Map) return `Map(${value.size})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function elementsOf(value: unknown): unknown[] | undefined {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  return undefined;
}

function isAtomLike(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    || value instanceof Uuid || value instanceof NamedUuid;
}

function mapEntries(value: unknown, keyBase: BaseType): [unknown, unknown][] | undefined {
  if (value === null || value === undefined) return [];
  if (value instanceof Map) return [...value.entries()];
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Set) && !isAtomLike(value)) {
    // Plain records have string keys: convert for integer/real-keyed maps.
    return Object.entries(value).map(([k, v]) => [keyBase.type === 'integer' || keyBase.type === 'real' ? Number(k) : k, v]);
  }
  return undefined;
}

function setWire(atoms: WireAtom[]): WireValue {
  return atoms.length === 1 ? atoms[0]! : ['set', atoms];
}

export interface EncodeOptions {
  /** Skip the min/max element count check (conditions and mutations carry partial sets). */
  readonly partial?: boolean;
}

/** Validates a whole column value against the schema and encodes it in wire notation. */
export function encodeValue(col: ColumnSchema, value: unknown, table?: TableSchema, opts: EncodeOptions = {}): WireValue {
  const label = where(col, table);
  const { key, value: valueType, min, max } = col.type;
  if (col.kind === 'scalar') {
    if (Array.isArray(value) && value.length === 1) return encodeAtom(key, value[0], label);
    return encodeAtom(key, value, label);
  }
  const checkCount = (n: number) => {
    if (opts.partial) return;
    if (n < min || n > max) {
      throw new OvsdbCodecError(`${label}: ${n} elements, the column takes ${min} to ${max === Infinity ? 'unlimited' : max}`, value);
    }
  };
  if (col.kind === 'set') {
    const elems = elementsOf(value) ?? (isAtomLike(value) ? [value] : undefined);
    if (!elems) throw new OvsdbCodecError(`${label}: expected an array of atoms (got ${describe(value)})`, value);
    checkCount(elems.length);
    return setWire(elems.map((e) => encodeAtom(key, e, label)));
  }
  const entries = mapEntries(value, key);
  if (!entries) throw new OvsdbCodecError(`${label}: expected a Map or a record (got ${describe(value)})`, value);
  checkCount(entries.length);
  return ['map', entries.map(([k, v]) => [encodeAtom(key, k, `${label} key`), encodeAtom(valueType!, v, `${label}[${String(k)}]`)])];
}

/** Encodes a set of keys of a map column (the argument of a map `delete` mutation). */
export function encodeKeySet(col: ColumnSchema, keys: unknown, table?: TableSchema): WireValue {
  const label = where(col, table);
  const elems = elementsOf(keys) ?? (isAtomLike(keys) ? [keys] : undefined);
  if (!elems) throw new OvsdbCodecError(`${label}: expected an array of keys (got ${describe(keys)})`, keys);
  return setWire(elems.map((e) => encodeAtom(col.type.key, e, `${label} key`)));
}

