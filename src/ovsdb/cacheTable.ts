import { OvsdbProtocolError } from './errors.ts';
import type { Atom, Row, Value } from './codec.ts';
import type { ColumnSchema, TableSchema } from './schema.ts';
import { compileFullRowDecoder, decodeRow, tableCodec, type FullRowDecoder, type TableCodec } from './rowCodec.ts';
import { Uuid } from './uuid.ts';

export type IndexKey = string | number | boolean;
/** Computes the index key(s) of a row; undefined leaves the row out of the index. */
export type IndexKeyFn = (row: Row) => IndexKey | readonly IndexKey[] | undefined;

/**
 * UUIDs of the rows of one key: the UUID itself while it is the only one (a
 * unique index holds one row per key, and a collection per row would double
 * the memory of a 100k-row table), a Set once several share the key. Rows
 * are looked up by UUID, so an update that leaves the key alone leaves the
 * index alone.
 */
type IndexEntry = string | Set<string>;

interface ClientIndex {
  readonly keyOf: IndexKeyFn;
  /** The columns the key is made of, when known: an update that changes none of them skips the index. */
  readonly columns: readonly string[] | undefined;
  readonly entries: Map<IndexKey, IndexEntry>;
}

function atomKey(a: Atom): string | number | boolean {
  return a instanceof Uuid ? a.value : a;
}

function atomEquals(a: Atom, b: Atom): boolean {
  return a === b || (a instanceof Uuid && b instanceof Uuid && a.value === b.value);
}

/** Deep equality of decoded values (used to skip no-op updates on resync). */
export function valueEquals(a: Value, b: Value): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!atomEquals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const bk = new Map<string | number | boolean, Atom>();
    for (const [k, v] of b) bk.set(atomKey(k), v);
    for (const [k, v] of a) {
      const w = bk.get(atomKey(k));
      if (w === undefined || !atomEquals(v, w)) return false;
    }
    return true;
  }
  return !Array.isArray(b) && !(b instanceof Map) && atomEquals(a, b);
}

export function rowEquals(a: Row, b: Row): boolean {
  for (const k in a) {
    const bv = b[k];
    if (bv === undefined || !valueEquals(a[k]!, bv)) return false;
  }
  for (const k in b) if (!(k in a)) return false;
  return true;
}

/** One monitored table of a MonitorCache: rows, decoders and client indexes. */
export class CacheTable {
  readonly schema: TableSchema;
  readonly codec: TableCodec;
  /** The monitored columns (defaults are filled in for these). */
  readonly columns: readonly ColumnSchema[];
  readonly rows = new Map<string, Row>();
  private readonly byName: Readonly<Record<string, ColumnSchema>>;
  private readonly fullRow: FullRowDecoder;
  private readonly indexes = new Map<string, ClientIndex>();

  constructor(schema: TableSchema, columns: readonly ColumnSchema[]) {
    this.schema = schema;
    this.codec = tableCodec(schema);
    this.columns = columns;
    const byName = Object.create(null) as Record<string, ColumnSchema>;
    for (const c of schema.columns.values()) byName[c.name] = c;
    this.byName = byName;
    this.fullRow = compileFullRowDecoder(this.codec, columns);
  }

  decodeFull(uuid: string, json: unknown): Row {
    if (typeof json !== 'object' || json === null) throw new OvsdbProtocolError(`${this.schema.name}: row ${uuid} is not an object`, json);
    return this.fullRow(Uuid.trusted(uuid), json as Record<string, unknown>);
  }

  get hasIndexes(): boolean {
    return this.indexes.size > 0;
  }

  /** Applies an update2 `modify` diff to `old`, returning a new row object. */
  applyDiff(old: Row, diff: unknown): Row {
    if (typeof diff !== 'object' || diff === null) throw new OvsdbProtocolError(`${this.schema.name}: bad modify diff`, diff);
    const row: Record<string, Value> = { ...old };
    const src = diff as Record<string, unknown>;
    for (const name in src) {
      const col = this.byName[name];
      const dec = this.codec.decoders[name];
      if (!col || !dec) throw new OvsdbProtocolError(`${this.schema.name}: unknown column '${name}' in an update`, name);
      const d = dec(src[name]);
      // Columns holding at most one element carry the new value, bigger ones a difference.
      if (col.type.max === 1) {
        row[name] = d;
      } else if (col.kind === 'set') {
        row[name] = toggleSet(old[name] as Atom[] | undefined ?? [], d as Atom[]);
      } else {
        row[name] = applyMapDiff(old[name] as Map<Atom, Atom> | undefined ?? new Map(), d as Map<Atom, Atom>);
      }
    }
    return row as unknown as Row;
  }

  /** Merges a full (update v1) `new` object into `old`. */
  merge(old: Row, json: unknown): Row {
    const part = decodeRow(this.codec, undefined, json);
    return { ...old, ...part } as Row;
  }

  addIndex(name: string, keyOf: IndexKeyFn, columns?: readonly string[]): void {
    const idx: ClientIndex = { keyOf, columns, entries: new Map() };
    this.indexes.set(name, idx);
    for (const [uuid, row] of this.rows) indexAdd(idx, uuid, row);
  }

  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  lookup(name: string, key: IndexKey): Row[] {
    const idx = this.indexes.get(name);
    if (!idx) return [];
    const hit = idx.entries.get(key);
    if (hit === undefined) return [];
    const out: Row[] = [];
    for (const u of typeof hit === 'string' ? [hit] : hit) {
      const r = this.rows.get(u);
      if (r) out.push(r);
    }
    return out;
  }

  set(uuid: string, row: Row, old: Row | undefined): void {
    this.rows.set(uuid, row);
    if (this.indexes.size === 0) return;
    for (const idx of this.indexes.values()) {
      if (old && idx.columns && idx.columns.every((c) => old[c] === row[c])) continue;
      if (old) indexRemove(idx, uuid, old);
      indexAdd(idx, uuid, row);
    }
  }

  remove(uuid: string, old: Row): void {
    this.rows.delete(uuid);
    for (const idx of this.indexes.values()) indexRemove(idx, uuid, old);
  }

  clear(): void {
    this.rows.clear();
    for (const idx of this.indexes.values()) idx.entries.clear();
  }
}

function keysOf(idx: ClientIndex, row: Row): readonly IndexKey[] {
  const k = idx.keyOf(row);
  if (k === undefined) return [];
  return Array.isArray(k) ? k : [k as IndexKey];
}

function indexAdd(idx: ClientIndex, uuid: string, row: Row): void {
  for (const k of keysOf(idx, row)) {
    const e = idx.entries.get(k);
    if (e === undefined || e === uuid) idx.entries.set(k, uuid);
    else if (typeof e === 'string') idx.entries.set(k, new Set([e, uuid]));
    else e.add(uuid);
  }
}

function indexRemove(idx: ClientIndex, uuid: string, row: Row): void {
  for (const k of keysOf(idx, row)) {
    const e = idx.entries.get(k);
    if (e === undefined) continue;
    if (typeof e === 'string') {
      if (e === uuid) idx.entries.delete(k);
      continue;
    }
    e.delete(uuid);
    if (e.size === 0) idx.entries.delete(k);
    else if (e.size === 1) for (const u of e) idx.entries.set(k, u);
  }
}

/**
 * Applies a set diff (elements present are removed, absent ones added) in
 * one pass over the old set with a lookup in the (small) diff only: big sets
 * such as Bridge.ports change by one element at a time.
 */
function toggleSet(old: Atom[], diff: Atom[]): Atom[] {
  const pending = new Map<string | number | boolean, Atom>();
  for (const a of diff) pending.set(atomKey(a), a);
  const out: Atom[] = [];
  for (const a of old) {
    const k = atomKey(a);
    if (pending.has(k)) pending.delete(k);
    else out.push(a);
  }
  for (const a of pending.values()) out.push(a);
  return out;
}

function applyMapDiff(old: Map<Atom, Atom>, diff: Map<Atom, Atom>): Map<Atom, Atom> {
  const out = new Map(old);
  // Keys may be Uuid objects: find the stored key by value.
  let keyIndex: Map<string | number | boolean, Atom> | undefined;
  const storedKey = (k: Atom): Atom | undefined => {
    if (!(k instanceof Uuid)) return out.has(k) ? k : undefined;
    if (!keyIndex) {
      keyIndex = new Map();
      for (const key of out.keys()) keyIndex.set(atomKey(key), key);
    }
    return keyIndex.get(k.value);
  };
  for (const [k, v] of diff) {
    const sk = storedKey(k);
    if (sk === undefined) {
      out.set(k, v);
      keyIndex?.set(atomKey(k), k);
    } else if (atomEquals(out.get(sk)!, v)) {
      out.delete(sk);
      keyIndex?.delete(atomKey(k));
    } else {
      out.set(sk, v);
    }
  }
  return out;
}
