import { Uuid } from '../ovsdb/index.ts';

// The only conversions from decoded OVSDB values to plain data, for typed
// rows (src/schema) and untyped caches alike: a MonitorCache decodes against
// the schema, so a set column is always an array and a map a Map. Columns a
// reader did not ask for are undefined at run time even though the row type
// lists them, hence `undefined` is accepted everywhere.

/** A map column (external_ids, options) as a plain object. */
export function recordOf(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (m instanceof Map) for (const [k, v] of m) out[String(k)] = String(v);
  return out;
}

/** A map column as a Map (a copy: callers may keep it after the row changes). */
export function mapOf(m: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (m instanceof Map) for (const [k, v] of m) out.set(String(k), String(v));
  return out;
}

/** A set column of UUIDs as UUID strings. */
export function uuidsOf(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const u of v) if (u instanceof Uuid) out.push(u.value);
  return out;
}

/** The UUID strings of a set column, lazily (bridges can hold thousands of ports). */
export function* eachUuid(v: unknown): Generator<string> {
  if (Array.isArray(v)) for (const u of v) if (u instanceof Uuid) yield u.value;
}

/**
 * The UUIDs appended when `next` is `prev` plus elements at the end (the
 * cache keeps the old elements, same objects, same order), else undefined.
 */
export function appendedUuids(prev: unknown, next: unknown): string[] | undefined {
  if (!Array.isArray(prev) || !Array.isArray(next) || next.length < prev.length) return undefined;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== next[i]) return undefined;
  return uuidsOf(next.slice(prev.length));
}

/** A 0..1 set column (ofport, Port_Binding.chassis): its element or undefined. */
export function optionalOf<T>(v: readonly T[] | undefined): T | undefined {
  return v?.[0];
}

/** Byte-order-free sort by a string key, for stable output. */
export function byKey<T>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** The first row of a table (Open_vSwitch, SB_Global: one-row tables). */
export function firstRow<R>(rows: ReadonlyMap<string, R>): R | undefined {
  for (const r of rows.values()) return r;
  return undefined;
}
