import { EventEmitter } from 'node:events';
import {
  OvsdbCancelledError, OvsdbCodecError, OvsdbConnectionError, OvsdbError, OvsdbProtocolError, OvsdbRpcError, OvsdbTimeoutError,
} from './errors.ts';
import type { Row } from './codec.ts';
import { encodeWhere, type Condition, type WireCondition } from './ops.ts';
import { columnOf, tableOf, type ColumnSchema, type DatabaseSchema } from './schema.ts';
import { CacheTable, type IndexKey, type IndexKeyFn } from './cacheTable.ts';
import { applyTableUpdates1, applyTableUpdates2, resyncTables } from './cacheUpdates.ts';
import type { RequestOptions } from './rpc.ts';
import { Uuid } from './uuid.ts';
import type { ColumnName, ConditionFor, RowOf, TableMap, TableName } from './typed.ts';

export interface MonitorSelect {
  readonly initial?: boolean;
  readonly insert?: boolean;
  readonly delete?: boolean;
  readonly modify?: boolean;
}

/** Per table: a column list, `true` (all columns) or details. */
export type MonitorTableSpec =
  | readonly string[]
  | true
  | { readonly columns?: readonly string[]; readonly where?: readonly Condition[]; readonly select?: MonitorSelect };

export type MonitorSpec = Readonly<Record<string, MonitorTableSpec>>;

/** MonitorSpec checked against a typed table map (column names of each table). */
export type MonitorSpecFor<T> = string extends keyof T ? MonitorSpec : {
  readonly [K in TableName<T>]?: readonly ColumnName<T, K>[] | true | {
    readonly columns?: readonly ColumnName<T, K>[];
    readonly where?: readonly ConditionFor<T, K>[];
    readonly select?: MonitorSelect;
  };
};
export type MonitorMethod = 'monitor_cond_since' | 'monitor_cond' | 'monitor';

export interface MonitorOptions {
  /** Force a method; by default the newest the server supports (since > cond > plain). */
  readonly method?: MonitorMethod;
  /** Deadline for the initial dump reply, separate from the connect timeout (default: the client's request deadline). */
  readonly initialDumpTimeoutMs?: number;
}

/** One monitor to open: what it watches and how. */
export interface MonitorRequest<T> {
  readonly spec: MonitorSpecFor<T>;
  readonly options?: MonitorOptions;
}

export interface RowChange {
  readonly kind: 'insert' | 'update' | 'delete';
  readonly table: string;
  readonly uuid: string;
  /** The row after the change (insert, update). */
  readonly row?: Row;
  /** The row before the change (update, delete). */
  readonly old?: Row;
}

export interface ChangeInfo {
  /** True for the batch that (re)loaded the cache from an initial dump. */
  readonly initial: boolean;
}

export interface MonitorEvents {
  insert: [table: string, row: Row];
  update: [table: string, row: Row, old: Row];
  delete: [table: string, old: Row];
  change: [changes: readonly RowChange[], info: ChangeInfo];
}

/** What a MonitorCache needs from the connection it runs on. */
export interface MonitorChannel {
  request(method: string, params: unknown[], opts?: RequestOptions): Promise<unknown>;
  /** Drops the connection (an inconsistent update: a resync on reconnect repairs the cache). */
  abort(error: OvsdbError): void;
}

type Phase = 'starting' | 'live' | 'closed';

interface Prepared {
  readonly tables: Map<string, CacheTable>;
  readonly cond: Record<string, { columns: string[]; where?: WireCondition[]; select?: MonitorSelect }[]>;
  readonly plain: Record<string, { columns: string[]; select?: MonitorSelect }>;
}

/** Stands in for a monitored table before the schema arrives: no rows yet. */
const EMPTY_TABLE = new CacheTable({ name: '', columns: new Map(), isRoot: false, indexes: [] }, []);

const ZERO_TXN = '00000000-0000-0000-0000-000000000000';

/**
 * In-memory replica of the monitored tables. Rows are decoded against the
 * schema; every change batch is applied whole before any event fires, so
 * listeners always see a consistent cache.
 */
export class MonitorCache<T extends TableMap = TableMap> extends EventEmitter<MonitorEvents> {
  readonly db: string;
  /** The monitor id used on the wire. */
  readonly id: string;
  readonly spec: MonitorSpec;
  readonly options: MonitorOptions;
  /** Resolves once the first initial dump is in the cache. */
  readonly ready: Promise<void>;
  /** The method the server accepted. */
  method: MonitorMethod | undefined;
  /** Last transaction id seen (monitor_cond_since on clustered databases). */
  lastTxnId: string | undefined;

  private tables = new Map<string, CacheTable>();
  private prepared: Prepared | undefined;
  private phase: Phase = 'starting';
  private generation = 0;
  private buffered: [string, unknown][] = [];
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private readyDone = false;
  private readonly onClose: (cache: MonitorCache) => void;
  private pendingIndexes: [string, string, IndexKeyFn, readonly string[] | undefined][] = [];

  constructor(db: string, id: string, spec: MonitorSpec, options: MonitorOptions, onClose: (cache: MonitorCache) => void) {
    super();
    this.db = db;
    this.id = id;
    this.spec = spec;
    this.options = options;
    this.onClose = onClose;
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Callers that never await `ready` must not crash the process on failure.
    this.ready.catch(() => {});
  }

  /** Decoded rows of a monitored table, by UUID string. Do not mutate. */
  rows<K extends TableName<T>>(table: K): ReadonlyMap<string, RowOf<T, K>> {
    return this.table(table).rows as ReadonlyMap<string, Row> as ReadonlyMap<string, RowOf<T, K>>;
  }

  get<K extends TableName<T>>(table: K, uuid: string | { value: string }): RowOf<T, K> | undefined {
    return this.table(table).rows.get(typeof uuid === 'string' ? uuid : uuid.value) as RowOf<T, K> | undefined;
  }

  /** Rows of `table` for which `pred` holds. */
  find<K extends TableName<T>>(table: K, pred: (row: RowOf<T, K>) => boolean): RowOf<T, K>[] {
    const out: RowOf<T, K>[] = [];
    for (const r of this.table(table).rows.values()) if (pred(r as RowOf<T, K>)) out.push(r as RowOf<T, K>);
    return out;
  }

  /**
   * Maintains a client-defined index on `table`; look it up with lookup().
   * `columns`, if given, are the only columns `keyOf` reads: updates that
   * change none of them then cost the index nothing.
   */
  addIndex<K extends TableName<T>>(table: K, name: string, keyOf: IndexKeyFn, columns?: readonly ColumnName<T, K>[]): this {
    if (!this.prepared) {
      // Before the schema is known: remember it, the table is built with it.
      if (!(table in this.spec)) throw new OvsdbCodecError(`table '${table}' is not monitored by this cache`, table);
      this.pendingIndexes.push([table, name, keyOf, columns]);
      return this;
    }
    this.table(table).addIndex(name, keyOf, columns);
    return this;
  }

  /** Index of `table` by one key of a map column, e.g. ('Interface', 'external_ids', 'iface-id'). */
  addMapKeyIndex<K extends TableName<T>>(table: K, column: ColumnName<T, K>, key: string, name = `${column}:${key}`): this {
    return this.addIndex(table, name, mapKeyOf(column, key), [column]);
  }

  lookup<K extends TableName<T>>(table: K, index: string, key: IndexKey): RowOf<T, K>[] {
    if (!this.prepared && this.pendingIndexes.some(([t, n]) => t === table && n === index)) return [];
    const t = this.table(table);
    if (!t.hasIndex(index)) throw new OvsdbCodecError(`no index '${index}' on ${table}`, index);
    return t.lookup(index, key) as RowOf<T, K>[];
  }

  lookupOne<K extends TableName<T>>(table: K, index: string, key: IndexKey): RowOf<T, K> | undefined {
    return this.lookup(table, index, key)[0];
  }

  /**
   * The row with these values in one of the schema's unique indexes, e.g.
   * findUnique('Bridge', { name: 'br-int' }) or
   * findUnique('Port_Binding', { datapath: dpUuid, tunnel_key: 5 }).
   * The index's columns must all be monitored.
   */
  findUnique<K extends TableName<T>>(table: K, values: { readonly [C in ColumnName<T, K>]?: unknown }): RowOf<T, K> | undefined {
    const t = this.table(table);
    const cols = Object.keys(values).sort();
    const ix = t.schema.indexes.find((i) => [...i].sort().join(',') === cols.join(','));
    if (!ix) throw new OvsdbCodecError(`${table} has no unique index on (${cols.join(', ')})`, cols);
    const name = schemaIndexName(ix);
    if (!t.hasIndex(name)) throw new OvsdbCodecError(`${table}: columns (${ix.join(', ')}) are not all monitored`, ix);
    const v = values as Record<string, unknown>;
    return t.lookup(name, uniqueKey(ix.map((c) => v[c])))[0] as RowOf<T, K> | undefined;
  }

  /**
   * Resolves with the first non-undefined (and non-false) value `check`
   * returns, evaluated now (after `ready`) and after every change batch;
   * rejects with OvsdbTimeoutError after `timeoutMs` (default 30 s).
   * E.g. `await cache.waitUntil(() => cache.lookupOne('Interface', 'external_ids:iface-id', 'pod-a'))`.
   */
  async waitUntil<V>(check: () => V | undefined | false, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<V> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    await withTimeout(this.ready, timeoutMs, 'monitor ready');
    const first = check();
    if (first !== undefined && first !== false) return first;
    return new Promise<V>((resolve, reject) => {
      const done = (err: Error | undefined, v?: V) => {
        clearTimeout(timer);
        this.off('change', onChange);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(v as V);
      };
      const onChange = () => {
        const v = check();
        if (v !== undefined && v !== false) done(undefined, v);
      };
      const onAbort = () => done(new OvsdbCancelledError('waitUntil cancelled', this.id));
      const timer = setTimeout(() => done(new OvsdbTimeoutError(`condition not met within ${timeoutMs} ms`, { monitor: this.id, timeoutMs })),
        Math.max(0, deadline - Date.now()));
      this.on('change', onChange);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Tables this cache monitors. */
  get tableNames(): string[] {
    return [...this.tables.keys()];
  }

  get isReady(): boolean {
    return this.phase === 'live';
  }

  /** Stops monitoring (sends monitor_cancel when connected). The rows stay readable. */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.generation++;
    this.buffered = [];
    if (!this.readyDone) this.failReady(new OvsdbError('ovsdb-monitor-closed', `monitor ${this.id} closed before it was ready`, this.id));
    this.onClose(this as unknown as MonitorCache);
  }

  private table(name: string): CacheTable {
    const t = this.tables.get(name);
    if (!t && !this.prepared && name in this.spec) return EMPTY_TABLE;
    if (!t) throw new OvsdbCodecError(`table '${name}' is not monitored by this cache`, name);
    return t;
  }

  private prepare(schema: DatabaseSchema): Prepared {
    if (this.prepared) return this.prepared;
    const tables = new Map<string, CacheTable>();
    const cond: Prepared['cond'] = {};
    const plain: Prepared['plain'] = {};
    for (const [name, tspec] of Object.entries(this.spec)) {
      const ts = tableOf(schema, name);
      const detail = tspec === true ? {} : Array.isArray(tspec) ? { columns: tspec as readonly string[] } : tspec as Exclude<MonitorTableSpec, true | readonly string[]>;
      const colNames = detail.columns && detail.columns.length > 0
        ? detail.columns
        : [...ts.columns.keys()].filter((c) => c !== '_uuid' && c !== '_version');
      const cols: ColumnSchema[] = colNames.filter((c) => c !== '_uuid').map((c) => columnOf(ts, c));
      tables.set(name, new CacheTable(ts, cols));
      const columns = cols.map((c) => c.name);
      const req: { columns: string[]; where?: WireCondition[]; select?: MonitorSelect } = { columns };
      if (detail.where) req.where = encodeWhere(ts, detail.where);
      if (detail.select) req.select = detail.select;
      cond[name] = [req];
      plain[name] = detail.select ? { columns, select: detail.select } : { columns };
    }
    // The schema's unique indexes whose columns are all monitored: findUnique() uses them.
    for (const t of tables.values()) {
      const monitored = new Set(t.columns.map((c) => c.name));
      for (const cols of t.schema.indexes) {
        if (cols.every((c) => monitored.has(c))) t.addIndex(schemaIndexName(cols), (row) => uniqueKey(cols.map((c) => row[c])), cols);
      }
    }
    for (const [table, name, keyOf, columns] of this.pendingIndexes) tables.get(table)!.addIndex(name, keyOf, columns);
    this.pendingIndexes = [];
    this.prepared = { tables, cond, plain };
    this.tables = tables;
    return this.prepared;
  }

  /**
   * (Re)starts the monitor on a fresh connection. Called by the client after
   * every (re)connect; notifications that arrive before the reply are
   * buffered and applied right after it.
   * @internal
   */
  async establish(schema: DatabaseSchema, channel: MonitorChannel, supported: Set<MonitorMethod>, defaultTimeoutMs = 0): Promise<void> {
    if (this.phase === 'closed') return;
    const gen = ++this.generation;
    this.phase = 'starting';
    this.buffered = [];
    let prep: Prepared;
    try {
      prep = this.prepare(schema);
    } catch (err) {
      this.failReady(err as Error);
      this.close();
      throw err;
    }
    const dumpTimeoutMs = this.options.initialDumpTimeoutMs ?? defaultTimeoutMs;
    const opts: RequestOptions = dumpTimeoutMs > 0 ? { timeoutMs: dumpTimeoutMs } : {};
    const order: MonitorMethod[] = this.options.method
      ? [this.options.method]
      : (['monitor_cond_since', 'monitor_cond', 'monitor'] as const).filter((m) => supported.has(m));
    let lastErr: unknown;
    for (const method of order) {
      let reply: unknown;
      try {
        if (method === 'monitor_cond_since') {
          reply = await channel.request(method, [this.db, this.id, prep.cond, this.lastTxnId ?? ZERO_TXN], opts);
        } else if (method === 'monitor_cond') {
          reply = await channel.request(method, [this.db, this.id, prep.cond], opts);
        } else {
          if (Object.values(prep.cond).some((r) => r[0]?.where)) {
            throw new OvsdbCodecError('conditions need monitor_cond; the server only offers monitor', this.spec);
          }
          reply = await channel.request(method, [this.db, this.id, prep.plain], opts);
        }
      } catch (err) {
        if (err instanceof OvsdbRpcError && isUnknownMethod(err.error) && !this.options.method) {
          supported.delete(method);
          lastErr = err;
          continue;
        }
        if (gen === this.generation && err instanceof OvsdbTimeoutError) {
          // A dump that timed out: retry on a fresh connection rather than stop monitoring (a client
          // without reconnect then abandons the monitor with this error, so `ready` names the request).
          this.disconnected();
          channel.abort(err);
          throw err;
        }
        if (gen === this.generation && !(err instanceof OvsdbConnectionError)) {
          // A rejected request (bad table, bad condition) will not get better on reconnect.
          this.failReady(err as Error);
          this.close();
        }
        throw err;
      }
      if (gen !== this.generation) return;
      this.method = method;
      try {
        this.applyReply(method, reply);
        this.phase = 'live';
        const queued = this.buffered;
        this.buffered = [];
        for (const [m, p] of queued) this.handleNotification(m, p);
      } catch (err) {
        const e = err instanceof OvsdbError ? err : new OvsdbProtocolError(`monitor ${this.id}: ${(err as Error).message}`);
        this.disconnected();
        channel.abort(e);
        throw e;
      }
      if (!this.readyDone) {
        this.readyDone = true;
        this.resolveReady();
      }
      return;
    }
    const err = new OvsdbError('ovsdb-monitor-unsupported', `the server supports no monitor method (${String(lastErr)})`, this.id);
    this.failReady(err);
    throw err;
  }

  /**
   * Records conditions changed with monitor_cond_change so a re-establish
   * after a reconnect asks for the same rows. @internal
   */
  setConditions(table: string, where: WireCondition[]): void {
    const req = this.prepared?.cond[table]?.[0];
    if (!req) throw new OvsdbCodecError(`table '${table}' is not monitored by this cache`, table);
    req.where = where;
  }

  /** Routed here by the client for update/update2/update3 with this monitor's id. @internal */
  handleNotification(method: string, params: unknown): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'starting') {
      this.buffered.push([method, params]);
      return;
    }
    if (!Array.isArray(params)) throw new OvsdbProtocolError(`${method}: params is not an array`, params);
    const changes: RowChange[] = [];
    if (method === 'update') {
      applyTableUpdates1(this.tables, params[1], changes);
    } else if (method === 'update2') {
      applyTableUpdates2(this.tables, params[1], changes);
    } else if (method === 'update3') {
      if (typeof params[1] === 'string') this.lastTxnId = params[1];
      applyTableUpdates2(this.tables, params[2], changes);
    }
    this.emitChanges(changes, false);
  }

  /** The connection dropped: replies and updates for this generation are void. @internal */
  disconnected(): void {
    if (this.phase === 'closed') return;
    this.generation++;
    this.phase = 'starting';
    this.buffered = [];
  }

  /** The connection failed for good (no reconnect): fail `ready` if still pending. @internal */
  abandon(err: Error): void {
    this.failReady(err);
  }

  private failReady(err: Error): void {
    if (this.readyDone) return;
    this.readyDone = true;
    this.rejectReady(err);
  }

  private applyReply(method: MonitorMethod, reply: unknown): void {
    const changes: RowChange[] = [];
    if (method === 'monitor_cond_since') {
      if (!Array.isArray(reply) || reply.length < 3) throw new OvsdbProtocolError('bad monitor_cond_since reply', reply);
      const [found, txnId, updates] = reply as [unknown, unknown, unknown];
      if (typeof txnId === 'string') this.lastTxnId = txnId;
      if (found === true && this.readyDone) {
        // Resumed: the server sent only what changed while we were away.
        applyTableUpdates2(this.tables, updates, changes);
        this.emitChanges(changes, false);
        return;
      }
      resyncTables(this.tables, updates, true, this.tracking(), changes);
    } else {
      resyncTables(this.tables, reply, method === 'monitor_cond', this.tracking(), changes);
    }
    this.emitChanges(changes, true);
  }

  /** Building 100k change records nobody listens to costs real time on big dumps. */
  private tracking(): boolean {
    return this.listenerCount('insert') + this.listenerCount('update') + this.listenerCount('delete') + this.listenerCount('change') > 0;
  }

  private emitChanges(changes: RowChange[], initial: boolean): void {
    if (changes.length === 0 && !initial) return;
    const hasRowListeners = this.listenerCount('insert') + this.listenerCount('update') + this.listenerCount('delete') > 0;
    if (hasRowListeners) {
      for (const c of changes) {
        if (c.kind === 'insert') this.emit('insert', c.table, c.row!);
        else if (c.kind === 'update') this.emit('update', c.table, c.row!, c.old!);
        else this.emit('delete', c.table, c.old!);
      }
    }
    this.emit('change', changes, { initial });
  }
}

function withTimeout<V>(p: Promise<V>, ms: number, what: string): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OvsdbTimeoutError(`${what}: not within ${ms} ms`, ms)), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function schemaIndexName(cols: readonly string[]): string {
  return `schema:${cols.join(',')}`;
}

/** A stable key for index values; accepts decoded values or plain inputs (UUID strings, records). */
function uniqueKey(values: readonly unknown[]): string {
  const norm = (v: unknown): unknown => {
    if (v instanceof Uuid) return v.value;
    if (Array.isArray(v)) return v.length === 1 ? norm(v[0]) : v.map(norm).map((x) => JSON.stringify(x)).sort();
    if (v instanceof Map) return [...v].map(([k, x]) => JSON.stringify([norm(k), norm(x)])).sort();
    return v;
  };
  return JSON.stringify(values.map(norm));
}

/** Whether a JSON-RPC error member says the server does not know the method (older servers lack monitor_cond). */
export function isUnknownMethod(error: unknown): boolean {
  const text = typeof error === 'string' ? error : JSON.stringify(error);
  return /unknown method/i.test(text);
}

/** Index key function: the value of `key` in map column `column` (string values only). */
export function mapKeyOf(column: string, key: string): IndexKeyFn {
  return (row) => {
    const m = row[column];
    if (!(m instanceof Map)) return undefined;
    const v = m.get(key);
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  };
}
