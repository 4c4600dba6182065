import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OvsdbCodecError, OvsdbError, OvsdbRpcError } from './errors.ts';
import type { OvsdbClient } from './client.ts';
import type { RequestOptions } from './rpc.ts';
import type { RowSink } from './replySplitter.ts';
import { compileFullRowDecoder, tableCodec, type FullRowDecoder } from './rowCodec.ts';
import { tableOf, type DatabaseSchema } from './schema.ts';
import { Uuid } from './uuid.ts';
import { valueJson } from './dump.ts';
import { isUnknownMethod } from './monitor.ts';

/** Rows of one table as they will be printed. */
interface TableOut {
  readonly name: string;
  /** `_uuid` first, then the columns sorted (as dumpDatabase). */
  readonly columns: readonly string[];
  readonly decode: FullRowDecoder;
  readonly rows: { uuid: string; text: string }[];
}

/** Indent of a row inside `{"tables": {"T": [row]}}` printed with 2 spaces a level. */
const ROW_INDENT = '\n      ';
const FLUSH_CHARS = 1 << 16;

/**
 * Writes the JSON form of dumpToJson(dumpDatabase(...)) to `out`, text for
 * text the same, without building it whole. The rows come from ONE
 * `monitor_cond` initial reply (one consistent snapshot, as one select
 * transaction was; ovsdb-server composes it for less than a select and leaves
 * default values out), each decoded and formatted as it arrives and kept only
 * as its printed text; the rows are sorted by `_uuid` once all are in, then
 * written in 64 KiB pieces that wait for `out` to drain. Nothing is written
 * before every row has been decoded, so a bad reply writes nothing.
 */
export async function writeJsonDump(client: OvsdbClient, schema: DatabaseSchema, names: readonly string[], out: Writable, opts: RequestOptions = {}): Promise<void> {
  const tables = new Map<string, TableOut>();
  const request: Record<string, { columns: string[]; select: Record<string, boolean> }[]> = {};
  for (const name of names) {
    const ts = tableOf(schema, name);
    const own = [...ts.columns.values()].filter((c) => c.name !== '_uuid' && c.name !== '_version');
    const sorted = own.map((c) => c.name).sort();
    tables.set(name, { name, columns: ['_uuid', ...sorted], decode: compileFullRowDecoder(tableCodec(ts), own), rows: [] });
    request[name] = [{ columns: own.map((c) => c.name), select: { initial: true, insert: false, delete: false, modify: false } }];
  }
  const sink: RowSink = {
    row(table, uuid, json) {
      const t = tables.get(table);
      if (!t) throw new OvsdbCodecError(`the server sent rows of table '${table}', which was not asked for`, table);
      const update = JSON.parse(json) as { initial?: Record<string, unknown>; new?: Record<string, unknown> };
      const body = update.initial ?? update.new;
      if (typeof body !== 'object' || body === null) throw new OvsdbCodecError(`${table} ${uuid}: row update without a row`, json.slice(0, 200));
      const row = t.decode(Uuid.trusted(uuid), body);
      const doc: Record<string, unknown> = {};
      for (const c of t.columns) doc[c] = valueJson(row[c]!);
      t.rows.push({ uuid, text: JSON.stringify(doc, null, 2).replaceAll('\n', ROW_INDENT) });
    },
  };
  await monitorOnce(client, schema.name, request, sink, opts);
  await writeSorted(schema.name, [...tables.values()], out);
}

/** The initial reply of a monitor that is cancelled at once; `monitor` where the server has no `monitor_cond`. */
async function monitorOnce(client: OvsdbClient, db: string, request: Record<string, unknown>, sink: RowSink, opts: RequestOptions): Promise<void> {
  const id = `mvtep-dump-${process.pid}-${++dumps}`;
  try {
    await client.requestRows('monitor_cond', [db, id, request], sink, opts);
  } catch (err) {
    if (!(err instanceof OvsdbRpcError) || !isUnknownMethod(err.error)) throw err;
    await client.requestRows('monitor', [db, id, request], sink, opts);
  }
  // Later changes are not the dump's business: stop the server keeping them for us.
  await client.request('monitor_cancel', [id], opts).catch((err: unknown) => {
    if (!(err instanceof OvsdbError)) throw err;
  });
}

let dumps = 0;

async function writeSorted(db: string, tables: readonly TableOut[], out: Writable): Promise<void> {
  let buf = `{\n  "database": ${JSON.stringify(db)},\n  "tables": {`;
  const flush = async () => {
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  for (let ti = 0; ti < tables.length; ti++) {
    const t = tables[ti]!;
    t.rows.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    buf += `${ti === 0 ? '' : ','}\n    ${JSON.stringify(t.name)}: [`;
    for (let i = 0; i < t.rows.length; i++) {
      buf += (i === 0 ? ROW_INDENT : `,${ROW_INDENT}`) + t.rows[i]!.text;
      // Printed rows are dropped as they go, so the texts and the output never coexist whole.
      t.rows[i] = EMPTY;
      if (buf.length >= FLUSH_CHARS) await flush();
    }
    buf += t.rows.length > 0 ? '\n    ]' : ']';
  }
  buf += tables.length > 0 ? '\n  }\n}\n' : '}\n}\n';
  await flush();
}

const EMPTY = { uuid: '', text: '' };
