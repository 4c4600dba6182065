import { OvsdbError } from './errors.ts';
import type { Atom, Row, Value } from './codec.ts';
import { tableOf } from './schema.ts';
import type { OvsdbClient } from './client.ts';
import type { RequestOptions } from './rpc.ts';
import { Uuid } from './uuid.ts';

export interface DumpTable {
  readonly name: string;
  /** `_uuid` first, then the table's columns sorted by name. */
  readonly columns: readonly string[];
  /** Rows sorted by `_uuid`. */
  readonly rows: readonly Row[];
}

export interface Dump {
  readonly database: string;
  readonly tables: readonly DumpTable[];
}

/** Picks the database when the user named none: the only one besides _Server, or Open_vSwitch. */
export async function defaultDatabase(client: OvsdbClient, opts?: RequestOptions): Promise<string> {
  const dbs = await client.listDbs(opts);
  const user = dbs.filter((d) => d !== '_Server');
  if (user.length === 1) return user[0]!;
  if (user.includes('Open_vSwitch')) return 'Open_vSwitch';
  throw new OvsdbError('ovsdb-no-database', `the server has several databases (${dbs.join(', ')}): name one`, dbs);
}

/** Reads whole tables (all when `tables` is empty) in ONE transaction, so the dump is consistent. */
export async function dumpDatabase(client: OvsdbClient, db: string, tables: readonly string[] = [], opts: RequestOptions = {}): Promise<Dump> {
  const dbs = await client.listDbs(opts);
  if (!dbs.includes(db)) throw new OvsdbError('ovsdb-no-database', `no database '${db}' on the server (it has ${dbs.join(', ')})`, db);
  const schema = await client.schema(db, opts);
  const names = tables.length > 0 ? [...tables] : [...schema.tables.keys()].sort();
  const tx = client.transaction(db);
  const sels = names.map((name) => {
    const ts = tableOf(schema, name);
    const columns = ['_uuid', ...[...ts.columns.keys()].filter((c) => c !== '_uuid' && c !== '_version').sort()];
    return { name, columns, sel: tx.select(name, [], columns) };
  });
  await tx.commit(opts);
  return {
    database: db,
    tables: sels.map(({ name, columns, sel }) => ({
      name,
      columns,
      rows: [...sel.rows].sort((a, b) => (a._uuid.value < b._uuid.value ? -1 : a._uuid.value > b._uuid.value ? 1 : 0)),
    })),
  };
}

const BARE = /^[A-Za-z_][-A-Za-z0-9_.:/]*$/;

function atomText(a: Atom): string {
  if (a instanceof Uuid) return a.value;
  if (typeof a === 'string') return BARE.test(a) && a !== 'true' && a !== 'false' ? a : JSON.stringify(a);
  return String(a);
}

/** A value as ovsdb-client prints it: atoms bare when unambiguous, [set], {map}. */
export function valueText(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(atomText).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${atomText(k)}=${atomText(x)}`).join(', ')}}`;
  return atomText(v);
}

/** JSON-friendly form: UUIDs as strings, maps as objects. */
export function valueJson(v: Value): unknown {
  if (v instanceof Uuid) return v.value;
  if (Array.isArray(v)) return v.map((a) => valueJson(a));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(valueJson(k)), valueJson(x)]));
  return v;
}

export function dumpToJson(d: Dump): unknown {
  return {
    database: d.database,
    tables: Object.fromEntries(d.tables.map((t) => [t.name, t.rows.map((r) => Object.fromEntries(t.columns.map((c) => [c, r[c] === undefined ? null : valueJson(r[c]!)])))])),
  };
}

/** Text tables like `ovsdb-client dump`. */
export function dumpToText(d: Dump): string {
  const out: string[] = [];
  for (const t of d.tables) {
    const cells = t.rows.map((r) => t.columns.map((c) => (r[c] === undefined ? '' : valueText(r[c]!))));
    const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
    const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join(' ');
    out.push(`${t.name} table`, line([...t.columns]), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), '');
  }
  return out.join('\n');
}
