import { Uuid, type Row, type Value } from '../../ovsdb/index.ts';

/** Decoded OVSDB map column -> plain object (external_ids, options). */
export function stringMap(v: Value | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (v instanceof Map) for (const [k, val] of v) out[String(k)] = String(val);
  return out;
}

export function str(v: Value | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** 0..1 or 0..n set column of UUIDs -> UUID strings. */
export function uuids(v: Value | undefined): string[] {
  if (v instanceof Uuid) return [v.value];
  if (Array.isArray(v)) return v.filter((a): a is Uuid => a instanceof Uuid).map((a) => a.value);
  return [];
}

export function strings(v: Value | undefined): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((a): a is string => typeof a === 'string');
  return [];
}

/** Optional integer column (ofport): number or [] -> number | undefined. */
export function optInt(v: Value | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return undefined;
}

export function uuidOf(row: Row): string {
  return row._uuid.value;
}
