// Shared helpers for the OVSDB tests: canonical row forms and bulk loading.
import {
  columnDecoder, columnOf, JsonStreamParser, tableOf, Uuid,
  type DatabaseSchema, type MonitorCache, type OvsdbClient, type Row, type Value,
} from '../../src/ovsdb/index.ts';
import type { TestServer } from './server.ts';

function canonicalValue(v: Value): unknown {
  if (v instanceof Uuid) return `u:${v.value}`;
  if (Array.isArray(v)) return v.map((a) => canonicalValue(a)).map((x) => JSON.stringify(x)).sort();
  if (v instanceof Map) return [...v].map(([k, x]) => JSON.stringify([canonicalValue(k), canonicalValue(x)])).sort();
  return v;
}

/** A row as a stable string (column order and set/map element order do not matter). */
export function canonicalRow(row: Row, columns?: readonly string[]): string {
  const names = (columns ?? Object.keys(row)).filter((c) => c !== '_version').sort();
  return JSON.stringify(names.map((c) => [c, row[c] === undefined ? null : canonicalValue(row[c]!)]));
}

/** Table -> sorted canonical rows, from a cache. */
export function cacheSnapshot(cache: MonitorCache, tables: readonly string[], columns?: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of tables) out[t] = [...cache.rows(t).values()].map((r) => canonicalRow(r, columns?.[t] ? ['_uuid', ...columns[t]] : undefined)).sort();
  return out;
}

/** Table -> sorted canonical rows, from a fresh `ovsdb-client dump` (the C client). */
export async function dumpSnapshot(srv: TestServer, schema: DatabaseSchema, tables: readonly string[], columns?: Readonly<Record<string, readonly string[]>>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const ts = tableOf(schema, t);
    const cols = columns?.[t] ? ['_uuid', ...columns[t]] : undefined;
    const text = await srv.client(['dump', '--format=json', srv.remote, schema.name, t, ...(cols ?? [])]);
    const docs: unknown[] = [];
    new JsonStreamParser().push(Buffer.from(text), (v) => docs.push(v));
    const doc = docs[0] as { headings: string[]; data: unknown[][] };
    const decoders = doc.headings.map((h) => columnDecoder(columnOf(ts, h), ts));
    out[t] = doc.data.map((cells) => {
      const row: Record<string, Value> = {};
      cells.forEach((cell, i) => (row[doc.headings[i]!] = decoders[i]!(cell)));
      return canonicalRow(row as unknown as Row, cols);
    }).sort();
  }
  return out;
}

/**
 * Loads `n` SB Port_Binding rows in a few big transactions (a Datapath_Binding
 * per 30000 ports: tunnel keys are unique per datapath and at most 32767).
 */
export async function loadPortBindings(client: OvsdbClient, n: number, opts: { batch?: number; prefix?: string; datapathKeyBase?: number } = {}): Promise<void> {
  const batch = opts.batch ?? 10_000;
  const prefix = opts.prefix ?? 'lp';
  const perDp = 30_000;
  const dps: Uuid[] = [];
  const dpCount = Math.ceil(n / perDp);
  const dtx = client.transaction('OVN_Southbound');
  const refs = [];
  for (let d = 0; d < dpCount; d++) refs.push(dtx.insert('Datapath_Binding', { tunnel_key: (opts.datapathKeyBase ?? 1) + d, external_ids: { name: `${prefix}-dp${d}` } }));
  const dres = await dtx.commit();
  for (const r of refs) dps.push(dres.uuid(r));
  for (let start = 0; start < n; start += batch) {
    const tx = client.transaction('OVN_Southbound');
    for (let i = start; i < Math.min(n, start + batch); i++) {
      tx.insert('Port_Binding', {
        logical_port: `${prefix}-${i}`,
        datapath: dps[Math.floor(i / perDp)]!,
        tunnel_key: (i % perDp) + 1,
        mac: [`0a:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')} 192.0.2.${i % 250 + 1}`],
        external_ids: { 'mvtep-test': 'yes', index: String(i) },
        options: { 'requested-chassis': `hv${i % 16}` },
        type: '',
      });
    }
    await tx.commit({ timeoutMs: 120_000 });
  }
}
