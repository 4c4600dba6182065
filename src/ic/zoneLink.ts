import { OvsdbClient, type ChangeInfo, type MonitorCache, type MonitorSpecFor, type RowChange, type TableMap } from '../ovsdb/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import {
  IC_ZONE_NB_COLUMNS, IC_ZONE_SB_COLUMNS, IcZoneSouthboundTracker, icZoneNbFromRows,
  type IcZoneNorthbound, type IcZoneSouthbound, type RowSource, type TableColumns,
} from '../observe/index.ts';

/** Keeps a link's view in step with its cache. */
export interface ViewTracker<V> {
  apply(changes: readonly RowChange[], info: ChangeInfo): void;
  view(): V;
}

/** Which database a link monitors and how its view follows the cache. */
export interface ZoneDb<T extends TableMap, V> {
  readonly db: string;
  readonly columns: TableColumns<T>;
  readonly track: (rows: RowSource<T>) => ViewTracker<V>;
}

/** A view rebuilt whole after any change (small databases). */
function rebuilding<T extends TableMap, V>(build: (rows: RowSource<T>) => V): (rows: RowSource<T>) => ViewTracker<V> {
  return (rows) => {
    let view: V | undefined;
    return {
      apply: () => { view = undefined; },
      view: () => (view ??= build(rows)),
    };
  };
}

export const SB_LINK: ZoneDb<OvnSouthboundTables, IcZoneSouthbound> = { db: 'OVN_Southbound', columns: IC_ZONE_SB_COLUMNS, track: (rows) => new IcZoneSouthboundTracker(rows) };
export const NB_LINK: ZoneDb<OvnNorthboundTables, IcZoneNorthbound> = { db: 'OVN_Northbound', columns: IC_ZONE_NB_COLUMNS, track: rebuilding(icZoneNbFromRows) };

export interface ZoneLinkOptions {
  readonly connectTimeoutMs: number;
  /** First retry delay after a failed connect; doubles up to 2 s. */
  readonly retryMinMs?: number;
  readonly onChange: () => void;
}

/**
 * A long-lived session to one zone's SB or NB: connects (and keeps retrying
 * while the zone is down, as a daemon must), monitors the columns steering
 * reads, and hands out the zone's view, kept in step with the cache's changes.
 */
export class ZoneLink<T extends TableMap, V> {
  readonly name: string;
  readonly remote: string;
  #client: OvsdbClient | undefined;
  #cache: MonitorCache<T> | undefined;
  #tracker: ViewTracker<V> | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  readonly #opts: ZoneLinkOptions;
  readonly #db: ZoneDb<T, V>;
  /** A transaction to this zone is in flight. */
  writing = false;
  /** The first connect attempt has ended: dumped, or failed (the controller plans once every zone has settled). */
  settled = false;

  constructor(name: string, remote: string, db: ZoneDb<T, V>, opts: ZoneLinkOptions) {
    this.name = name;
    this.#db = db;
    this.remote = remote;
    this.#opts = opts;
  }

  get client(): OvsdbClient | undefined {
    return this.#client?.isConnected ? this.#client : undefined;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The zone's database as last seen; undefined while disconnected or before the first dump. */
  view(): V | undefined {
    if (!this.#cache || !this.#tracker || !this.#client?.isConnected) return undefined;
    return this.#tracker.view();
  }

  open(): void {
    void this.#connect(this.#opts.retryMinMs ?? 100);
  }

  async #connect(delayMs: number): Promise<void> {
    if (this.#closed) return;
    try {
      const client = await OvsdbClient.connect(this.remote, {
        connectTimeoutMs: this.#opts.connectTimeoutMs, requestTimeoutMs: this.#opts.connectTimeoutMs,
        reconnect: true, backoffMinMs: 50, backoffMaxMs: 500,
      });
      if (this.#closed) return client.close();
      this.#client = client;
      client.on('disconnected', (err) => {
        this.#lastError = err?.message ?? 'disconnected';
        this.#opts.onChange();
      });
      client.on('connected', () => { this.#lastError = undefined; });
      const cache = client.monitor<T>(this.#db.db, this.#db.columns as MonitorSpecFor<T>);
      this.#cache = cache;
      const tracker = this.#db.track(cache);
      this.#tracker = tracker;
      // Every batch, the resync after a reconnect included, may change the plan.
      cache.on('change', (changes, info) => {
        tracker.apply(changes, info);
        this.#opts.onChange();
      });
      await cache.ready;
      this.#lastError = undefined;
      this.settled = true;
      this.#opts.onChange();
    } catch (err) {
      this.#lastError = (err as Error).message;
      this.settled = true;
      this.#client?.close();
      this.#client = undefined;
      this.#cache = undefined;
      this.#tracker = undefined;
      this.#opts.onChange();
      if (this.#closed) return;
      this.#retry = setTimeout(() => void this.#connect(Math.min(delayMs * 2, 2000)), delayMs);
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#client?.close();
  }
}
