import { OvsdbClient, type MonitorCache, type MonitorSpecFor, type TableMap } from '../ovsdb/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import { IC_ZONE_NB_COLUMNS, IC_ZONE_SB_COLUMNS, icZoneFromRows, icZoneNbFromRows, type IcZoneNorthbound, type IcZoneSouthbound, type RowSource, type TableColumns } from '../observe/index.ts';

/** Which database a link monitors and how its view is built from the cache. */
export interface ZoneDb<T extends TableMap, V> {
  readonly db: string;
  readonly columns: TableColumns<T>;
  readonly build: (rows: RowSource<T>) => V;
}

export const SB_LINK: ZoneDb<OvnSouthboundTables, IcZoneSouthbound> = { db: 'OVN_Southbound', columns: IC_ZONE_SB_COLUMNS, build: icZoneFromRows };
export const NB_LINK: ZoneDb<OvnNorthboundTables, IcZoneNorthbound> = { db: 'OVN_Northbound', columns: IC_ZONE_NB_COLUMNS, build: icZoneNbFromRows };

export interface ZoneLinkOptions {
  readonly connectTimeoutMs: number;
  /** First retry delay after a failed connect; doubles up to 2 s. */
  readonly retryMinMs?: number;
  readonly onChange: () => void;
}

/**
 * A long-lived session to one zone's SB or NB: connects (and keeps retrying
 * while the zone is down, as a daemon must), monitors the columns steering
 * reads, and hands out the zone's view, rebuilt only after the cache changed.
 */
export class ZoneLink<T extends TableMap, V> {
  readonly name: string;
  readonly remote: string;
  #client: OvsdbClient | undefined;
  #cache: MonitorCache<T> | undefined;
  #view: V | undefined;
  #dirty = true;
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
    if (!this.#cache || !this.#client?.isConnected) return undefined;
    if (this.#dirty) {
      this.#view = this.#db.build(this.#cache);
      this.#dirty = false;
    }
    return this.#view;
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
      // Every batch, the resync after a reconnect included, may change the plan.
      cache.on('change', () => {
        this.#dirty = true;
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
