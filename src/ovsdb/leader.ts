import { OvsdbConnectionError, OvsdbProtocolError } from './errors.ts';
import type { JsonRpcConnection } from './rpc.ts';

let trackerCounter = 0;

interface DatabaseState {
  model?: string;
  leader?: boolean;
  connected?: boolean;
}

/**
 * Follows `_Server.Database` for one database on one connection: rejects
 * start() unless the server is the raft leader (or the database is not
 * clustered), and calls `onLost` when leadership or the cluster connection
 * goes away later, so the client moves to another remote instead of
 * staying on a follower.
 */
export class LeaderTracker {
  readonly id = `mvtep-leader-${process.pid}-${++trackerCounter}`;
  private readonly conn: JsonRpcConnection;
  private readonly db: string;
  private readonly onLost: () => void;
  private rows = new Map<string, DatabaseState>();
  private active = false;
  private stopped = false;

  constructor(conn: JsonRpcConnection, db: string, onLost: () => void) {
    this.conn = conn;
    this.db = db;
    this.onLost = onLost;
  }

  owns(conn: JsonRpcConnection): boolean {
    return conn === this.conn;
  }

  handles(monitorId: unknown): boolean {
    return monitorId === this.id;
  }

  async start(timeoutMs: number): Promise<void> {
    const reply = await this.conn.request('monitor_cond', ['_Server', this.id, {
      Database: [{ columns: ['name', 'model', 'leader', 'connected'], where: [['name', '==', this.db]] }],
    }], { timeoutMs });
    this.apply(reply);
    if (this.rows.size === 0) {
      throw new OvsdbConnectionError(`${this.conn.remote} does not serve database ${this.db}`, this.conn.remote);
    }
    if (!this.isLeader()) {
      throw new OvsdbConnectionError(`${this.conn.remote} is not the raft leader of ${this.db}`, this.conn.remote);
    }
    this.active = true;
  }

  stop(): void {
    this.stopped = true;
  }

  isLeader(): boolean {
    for (const r of this.rows.values()) {
      if (r.model === 'clustered' && !(r.leader === true && r.connected === true)) return false;
    }
    return true;
  }

  handleNotification(_method: string, params: unknown[]): void {
    this.apply(params[1]);
    if (this.active && !this.stopped && !this.isLeader()) {
      this.active = false;
      this.onLost();
    }
  }

  private apply(updates: unknown): void {
    if (updates === null || typeof updates !== 'object') throw new OvsdbProtocolError('bad _Server update', updates);
    const table = (updates as Record<string, unknown>)['Database'];
    if (table === undefined) return;
    if (table === null || typeof table !== 'object') throw new OvsdbProtocolError('bad _Server Database update', table);
    for (const [uuid, u] of Object.entries(table as Record<string, Record<string, unknown> | null>)) {
      if (!u) continue;
      if ('delete' in u) {
        this.rows.delete(uuid);
        continue;
      }
      const body = (u['initial'] ?? u['insert'] ?? u['modify']) as Record<string, unknown> | undefined;
      if (!body) continue;
      const row = u['modify'] ? { ...(this.rows.get(uuid) ?? {}) } : {};
      if (typeof body['model'] === 'string') row.model = body['model'];
      if (typeof body['leader'] === 'boolean') row.leader = body['leader'];
      if (typeof body['connected'] === 'boolean') row.connected = body['connected'];
      // update2 leaves out default values: false for the booleans.
      if (!u['modify']) {
        row.leader ??= false;
        row.connected ??= false;
      }
      this.rows.set(uuid, row);
    }
  }
}
