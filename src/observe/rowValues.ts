import type { Uuid } from '../ovsdb/index.ts';

// The only conversions from decoded OVSDB values (typed rows from src/schema)
// to plain data. Columns a reader did not ask for are undefined at run time
// even though the row type lists them, hence the `| undefined` everywhere.

/** A map column (external_ids, options) as a plain object. */
export function recordOf(m: ReadonlyMap<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (m) for (const [k, v] of m) out[k] = v;
  return out;
}

/** A set column of UUIDs as UUID strings. */
export function uuidsOf(v: readonly Uuid[] | undefined): string[] {
  return v ? v.map((u) => u.value) : [];
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
