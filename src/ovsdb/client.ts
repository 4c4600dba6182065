import { EventEmitter } from 'node:events';
import {
  OvsdbCancelledError, OvsdbConnectionError, OvsdbError, OvsdbProtocolError, OvsdbTimeoutError,
} from './errors.ts';
import { JsonRpcConnection, type RequestOptions } from './rpc.ts';
import type { RowSink } from './replySplitter.ts';
import { openSocket, parseRemotes, type Remote, type TlsOptions } from './remote.ts';
import { parseDatabaseSchema, tableOf, type DatabaseSchema } from './schema.ts';
import { checkResults, Transaction, type Transactor } from './transaction.ts';
import { encodeWhere, type Condition, type OperationResult, type WireCondition, type WireOperation } from './ops.ts';
import { MonitorCache, type MonitorMethod, type MonitorOptions, type MonitorSpec, type MonitorSpecFor } from './monitor.ts';
import type { ConditionFor, TableMap, TableName } from './typed.ts';
import { OvsdbLock } from './lock.ts';
import { LeaderTracker } from './leader.ts';

export interface ClientOptions extends TlsOptions {
  /** Deadline of one connection attempt to one remote (default 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Deadline of every request that sets none, including the schema fetch,
   * a monitor's initial dump and lock requests (default
   * DEFAULT_REQUEST_TIMEOUT_MS; 0 = none). A server that accepts and never
   * answers must not hang a caller.
   */
  readonly requestTimeoutMs?: number;
  /** Reconnect after the connection drops (default true). */
  readonly reconnect?: boolean;
  /** Reconnect backoff: first delay and cap (default 1000 -> 8000 ms, doubling, as OVS). */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /**
   * Send an echo after this much silence and drop the connection if it gets
   * no reply within the same time (default 5000 ms for tcp/ssl, off for unix).
   * Any received byte counts as activity, so a long initial dump never trips it.
   */
  readonly probeIntervalMs?: number;
  /**
   * Clustered databases: only stay connected to the raft leader of `database`
   * (checked through `_Server`, followed when leadership moves). Default: true
   * when several remotes are given and `database` is set.
   */
  readonly leaderOnly?: boolean;
  /** The database leaderOnly is about (e.g. OVN_Southbound). */
  readonly database?: string;
}

export interface ClientEvents {
  connected: [remote: string];
  disconnected: [error: OvsdbError | undefined];
  /** The server sent an inactivity probe (`echo`); it was answered at once. */
  echo: [];
  /** Background failures that have no caller to reject (monitor re-establish, lock re-request). */
  warning: [error: Error];
  /** No remote could be used; the next pass starts after `delayMs` (backoff). */
  retrying: [error: Error, delayMs: number];
}

/** Default deadline of one request (one monitor's initial dump included). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

let monitorCounter = 0;

/**
 * An OVSDB session: one JSON-RPC connection at a time to one of the remotes,
 * reconnected with backoff; monitors and locks survive reconnects.
 */
export class OvsdbClient extends EventEmitter<ClientEvents> implements Transactor {
  readonly remotes: readonly Remote[];
  readonly options: ClientOptions;
  private conn: JsonRpcConnection | undefined;
  private remoteIndex = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private probing = false;
  private readonly schemas = new Map<string, Promise<DatabaseSchema>>();
  private readonly monitors = new Map<string, MonitorCache>();
  private readonly locks = new Map<string, OvsdbLock>();
  private readonly supportedMonitors = new Set<MonitorMethod>(['monitor_cond_since', 'monitor_cond', 'monitor']);
  private waiters: { resolve: (c: JsonRpcConnection) => void; reject: (e: Error) => void }[] = [];
  private leader: LeaderTracker | undefined;
  /** The current connection has received a whole message (see onMessage). */
  private proven = false;

  private constructor(remotes: Remote[], options: ClientOptions) {
    super();
    this.remotes = remotes;
    this.options = options;
    this.backoffMs = options.backoffMinMs ?? 1000;
  }

  /**
   * Connects to `remote` (`unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT` or a
   * comma list). Tries each remote once; rejects when none answers.
   */
  static async connect(remote: string, options: ClientOptions = {}): Promise<OvsdbClient> {
    const client = new OvsdbClient(parseRemotes(remote), options);
    await client.firstConnect();
    return client;
  }

  /**
   * A session that connects in the background and keeps trying (backoff,
   * 'retrying' events) until `close()`: for daemons started before their
   * server. Requests and monitors made meanwhile wait for the connection
   * within their own deadlines. Needs `reconnect` (the default).
   */
  static open(remote: string, options: ClientOptions = {}): OvsdbClient {
    if (options.reconnect === false) throw new OvsdbError('ovsdb-open-needs-reconnect', 'OvsdbClient.open keeps trying to connect: reconnect cannot be false', remote);
    const client = new OvsdbClient(parseRemotes(remote), options);
    client.scheduleReconnect(0, true);
    return client;
  }

  /** The remote currently connected to, if any. */
  get connectedRemote(): string | undefined {
    return this.conn?.isOpen ? this.conn.remote : undefined;
  }

  get isConnected(): boolean {
    return this.conn?.isOpen === true;
  }

  /** Closes the session for good: pending requests reject, monitors stop. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopProbe();
    this.leader?.stop();
    const err = new OvsdbConnectionError('client closed', this.remotes.map((r) => r.text).join(','));
    for (const m of [...this.monitors.values()]) m.abandon(err);
    this.monitors.clear();
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    this.conn?.close();
    this.conn = undefined;
  }

  /** Any JSON-RPC method; waits for a connection when reconnecting (within the timeout). */
  async request(method: string, params: unknown[], opts: RequestOptions = {}): Promise<unknown> {
    const o = this.withDefaults(opts);
    const conn = await this.connection(o);
    return conn.request(method, params, o);
  }

  /** A monitor-style request with its rows streamed to `sink` (JsonRpcConnection.requestRows). */
  async requestRows(method: string, params: unknown[], sink: RowSink, opts: RequestOptions = {}): Promise<unknown> {
    const o = this.withDefaults(opts);
    const conn = await this.connection(o);
    return conn.requestRows(method, params, sink, o);
  }

  listDbs(opts?: RequestOptions): Promise<string[]> {
    return this.request('list_dbs', [], opts).then((r) => {
      if (!Array.isArray(r) || !r.every((x) => typeof x === 'string')) throw new OvsdbProtocolError('bad list_dbs reply', r);
      return r as string[];
    });
  }

  /** The database's schema, parsed (fetched once per client and cached). */
  schema(db: string, opts?: RequestOptions): Promise<DatabaseSchema> {
    let p = this.schemas.get(db);
    if (!p) {
      p = this.request('get_schema', [db], opts).then(parseDatabaseSchema);
      p.catch(() => this.schemas.delete(db));
      this.schemas.set(db, p);
    }
    return p;
  }

  echo(params: unknown[] = [], opts?: RequestOptions): Promise<unknown> {
    return this.request('echo', params, opts);
  }

  /**
   * Raw RFC 7047 transact. Resolves with the per-operation results; throws
   * OvsdbTransactionError naming the failing operation. When the connection
   * drops before the reply the outcome is unknown and OvsdbConnectionError
   * is thrown (the transaction is not retried).
   */
  async transact(db: string, ops: WireOperation[], opts: RequestOptions = {}): Promise<OperationResult[]> {
    const result = await this.request('transact', [db, ...ops], opts);
    return checkResults(ops, result);
  }

  /** A transaction builder for `db`. */
  transaction<T extends TableMap = TableMap>(db: string): Transaction<T> {
    return new Transaction<T>(this, db);
  }

  /**
   * Starts a monitor and returns its cache at once; `await cache.ready` for
   * the initial dump. The monitor is re-established after reconnects.
   */
  monitor<T extends TableMap = TableMap>(db: string, spec: MonitorSpecFor<T>, opts: MonitorOptions = {}): MonitorCache<T> {
    const id = `mvtep-${process.pid}-${++monitorCounter}`;
    const cache = new MonitorCache<T>(db, id, spec as MonitorSpec, opts, (c) => this.monitorClosed(c));
    const untyped = cache as unknown as MonitorCache;
    this.monitors.set(id, untyped);
    if (this.conn?.isOpen) void this.establish(untyped, this.conn).catch(() => {});
    return cache;
  }

  /**
   * Requests lock `name` (or steals it). The returned lock is re-requested
   * after every reconnect; watch its `locked`/`stolen` events.
   */
  lock(name: string, opts: { steal?: boolean } = {}): OvsdbLock {
    if (this.locks.has(name)) throw new OvsdbError('ovsdb-lock', `lock '${name}' is already requested by this client`, name);
    const lock = new OvsdbLock(name, opts.steal ?? false, async (l) => {
      this.locks.delete(l.name);
      if (this.conn?.isOpen) await this.conn.request('unlock', [l.name]).catch(() => {});
    });
    this.locks.set(name, lock);
    if (this.conn?.isOpen) void this.requestLock(lock, this.conn);
    return lock;
  }

  /** Changes a monitor's conditions: `{Table: [conditions]}` per table (monitor_cond/since only). */
  async monitorCondChange<T extends TableMap>(cache: MonitorCache<T>, where: { readonly [K in TableName<T>]?: readonly ConditionFor<T, K>[] }): Promise<void> {
    const schema = await this.schema(cache.db);
    await cache.ready;
    if (cache.method === 'monitor') {
      throw new OvsdbError('ovsdb-monitor-unsupported', 'monitor_cond_change needs monitor_cond or monitor_cond_since', cache.id);
    }
    const req: Record<string, { where: WireCondition[] }[]> = {};
    for (const [table, conds] of Object.entries(where as Record<string, readonly Condition[]>)) {
      req[table] = [{ where: encodeWhere(tableOf(schema, table), conds) }];
    }
    await this.request('monitor_cond_change', [cache.id, cache.id, req]);
    // Remembered for re-establishing the monitor after a reconnect.
    for (const [table, r] of Object.entries(req)) (cache as unknown as MonitorCache).setConditions(table, r[0]!.where);
  }

  private get defaultTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  private withDefaults(opts: RequestOptions): RequestOptions {
    if (opts.timeoutMs !== undefined || this.defaultTimeoutMs <= 0) return opts;
    return { ...opts, timeoutMs: this.defaultTimeoutMs };
  }

  /** The open connection, waiting for a reconnect up to the request's deadline. */
  private connection(opts: RequestOptions): Promise<JsonRpcConnection> {
    if (this.conn?.isOpen) return Promise.resolve(this.conn);
    const remote = this.remotes.map((r) => r.text).join(',');
    if (this.closed) return Promise.reject(new OvsdbConnectionError('client closed', remote));
    if (this.options.reconnect === false) return Promise.reject(new OvsdbConnectionError(`not connected to ${remote}`, remote));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const w = {
        resolve: (c: JsonRpcConnection) => {
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(c);
        },
        reject: (e: Error) => {
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const drop = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
      };
      const onAbort = () => {
        drop();
        w.reject(new OvsdbCancelledError('request cancelled while reconnecting', remote));
      };
      if (opts.timeoutMs) {
        timer = setTimeout(() => {
          drop();
          w.reject(new OvsdbTimeoutError(`not reconnected to ${remote} within ${opts.timeoutMs} ms`, remote));
        }, opts.timeoutMs);
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  private async firstConnect(): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < this.remotes.length; i++) {
      try {
        await this.attempt((this.remoteIndex + i) % this.remotes.length);
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    this.closed = true;
    throw lastErr instanceof Error ? lastErr : new OvsdbConnectionError(String(lastErr), this.remotes[0]!.text);
  }

  /** Opens remote `index`, checks leadership when asked, and makes it current. */
  private async attempt(index: number): Promise<void> {
    const remote = this.remotes[index]!;
    const socket = await openSocket(remote, this.options.connectTimeoutMs ?? 10_000, this.options);
    if (this.closed) {
      socket.destroy();
      throw new OvsdbConnectionError('client closed', remote.text);
    }
    const conn: JsonRpcConnection = new JsonRpcConnection(socket, remote.text, {
      onNotification: (method, params) => this.onNotification(conn, method, params),
      onClose: (error) => this.onConnClose(conn, error),
      onActivity: () => {
        this.lastActivity = Date.now();
      },
      onMessage: () => {
        // A server that answers whole messages is a working one: the next drop reconnects at once, from the shortest delay.
        if (conn === this.conn && !this.proven) {
          this.proven = true;
          this.backoffMs = this.options.backoffMinMs ?? 1000;
        }
      },
      onEcho: () => this.emit('echo'),
    });
    if (this.wantsLeader()) {
      try {
        const tracker = new LeaderTracker(conn, this.options.database!, () => {
          // Leadership moved away: drop this connection, the reconnect tries the next remote.
          conn.abort(new OvsdbConnectionError(`${remote.text} is no longer the leader of ${this.options.database}`, remote.text));
        });
        await tracker.start(this.options.connectTimeoutMs ?? 10_000);
        this.leader?.stop();
        this.leader = tracker;
      } catch (err) {
        conn.close();
        throw err;
      }
    }
    if (this.closed) {
      // close() ran during the leadership check.
      conn.close();
      throw new OvsdbConnectionError('client closed', remote.text);
    }
    this.remoteIndex = index;
    this.conn = conn;
    this.proven = false;
    this.lastActivity = Date.now();
    this.startProbe(remote);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(conn);
    this.emit('connected', remote.text);
    for (const cache of this.monitors.values()) void this.establish(cache, conn).catch(() => {});
    for (const lock of this.locks.values()) void this.requestLock(lock, conn);
  }

  private wantsLeader(): boolean {
    const want = this.options.leaderOnly ?? this.remotes.length > 1;
    return want && this.options.database !== undefined;
  }

  private async establish(cache: MonitorCache, conn: JsonRpcConnection): Promise<void> {
    try {
      let schema: DatabaseSchema;
      try {
        schema = await this.schema(cache.db);
      } catch (err) {
        // A server that does not answer get_schema is not a monitor we can start: drop the connection
        // (reconnect retries; without reconnect, the monitor is abandoned with this error).
        if (err instanceof OvsdbTimeoutError && conn === this.conn) conn.abort(err);
        throw err;
      }
      if (conn !== this.conn) return;
      await cache.establish(schema, conn, this.supportedMonitors, this.defaultTimeoutMs);
    } catch (err) {
      if (!(err instanceof OvsdbConnectionError)) this.emit('warning', err as Error);
      if (this.options.reconnect === false && err instanceof OvsdbConnectionError) cache.abandon(err);
      throw err;
    }
  }

  private async requestLock(lock: OvsdbLock, conn: JsonRpcConnection): Promise<void> {
    try {
      const reply = await conn.request(lock.steal ? 'steal' : 'lock', [lock.name], this.withDefaults({}));
      if (reply && typeof reply === 'object' && (reply as { locked?: unknown }).locked === true) lock.setLocked(true);
    } catch (err) {
      if (!(err instanceof OvsdbConnectionError)) this.emit('warning', err as Error);
    }
  }

  private monitorClosed(cache: MonitorCache): void {
    this.monitors.delete(cache.id);
    if (this.conn?.isOpen) void this.conn.request('monitor_cancel', [cache.id]).catch(() => {});
  }

  private onNotification(conn: JsonRpcConnection, method: string, params: unknown): void {
    if (conn !== this.conn && !this.leader?.owns(conn)) return;
    if (method === 'update' || method === 'update2' || method === 'update3') {
      if (!Array.isArray(params)) throw new OvsdbProtocolError(`${method} without params`, params);
      const id = params[0];
      if (this.leader?.handles(id)) {
        this.leader.handleNotification(method, params);
        return;
      }
      const cache = typeof id === 'string' ? this.monitors.get(id) : undefined;
      cache?.handleNotification(method, params);
    } else if (method === 'locked' || method === 'stolen') {
      const name = Array.isArray(params) ? params[0] : undefined;
      const lock = typeof name === 'string' ? this.locks.get(name) : undefined;
      lock?.setLocked(method === 'locked');
    }
  }

  private onConnClose(conn: JsonRpcConnection, error: OvsdbError | undefined): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.stopProbe();
    this.leader?.stop();
    this.leader = undefined;
    for (const m of this.monitors.values()) m.disconnected();
    for (const l of this.locks.values()) l.locked = false;
    this.emit('disconnected', error);
    if (this.closed) return;
    if (this.options.reconnect === false) {
      this.closed = true;
      const err = error ?? new OvsdbConnectionError('connection closed', conn.remote);
      for (const m of this.monitors.values()) m.abandon(err);
      for (const w of this.waiters) w.reject(err);
      this.waiters = [];
      return;
    }
    // A server that accepts and then closes (or times out) without a byte
    // must not be redialled in a tight loop: back off as for a refused connection.
    if (this.proven) {
      this.scheduleReconnect(0);
    } else {
      const delay = this.nextBackoff();
      this.emit('retrying', error ?? new OvsdbConnectionError('connection closed before any reply', conn.remote), delay);
      this.scheduleReconnect(delay);
    }
  }

  private nextBackoff(): number {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs ?? 8000);
    return delay;
  }

  /** Reconnect loop: one pass over the remotes per delay, delay 1 s doubling to 8 s. */
  private scheduleReconnect(delayMs: number, fromCurrent = false): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnectPass(fromCurrent);
    }, delayMs);
  }

  private async reconnectPass(fromCurrent: boolean): Promise<void> {
    let lastErr: unknown;
    for (let i = fromCurrent ? 0 : 1; i < this.remotes.length + (fromCurrent ? 0 : 1); i++) {
      if (this.closed) return;
      try {
        // Start with the next remote: the current one just failed (or lost leadership).
        await this.attempt((this.remoteIndex + i) % this.remotes.length);
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    if (this.closed) return;
    const delay = this.nextBackoff();
    const remote = this.remotes.map((r) => r.text).join(',');
    this.emit('retrying', lastErr instanceof Error ? lastErr : new OvsdbConnectionError(String(lastErr), remote), delay);
    this.scheduleReconnect(delay);
  }

  private startProbe(remote: Remote): void {
    this.stopProbe();
    const interval = this.options.probeIntervalMs ?? (remote.kind === 'unix' ? 0 : 5000);
    if (interval <= 0) return;
    this.probeTimer = setInterval(() => {
      const conn = this.conn;
      if (!conn?.isOpen || this.probing) return;
      if (Date.now() - this.lastActivity < interval) return;
      this.probing = true;
      conn.request('echo', ['mvtep-probe'], { timeoutMs: interval }).catch((err: unknown) => {
        if (err instanceof OvsdbTimeoutError) {
          conn.abort(new OvsdbTimeoutError(`no reply to the inactivity probe from ${conn.remote} within ${interval} ms`, conn.remote));
        }
      }).finally(() => {
        this.probing = false;
      });
    }, Math.max(50, Math.floor(interval / 2)));
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.probing = false;
  }
}
