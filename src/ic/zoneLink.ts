import { OvsdbClient, type ChangeInfo, type MonitorCache, type MonitorRequest, type MonitorSpecFor, type RowChange, type TableMap } from '../ovsdb/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import {
  IC_ZONE_NB_COLUMNS, IC_ZONE_SB_LIVE, IcZoneSouthboundTracker, icZoneNbFromRows,
  type IcZoneNorthbound, type IcZoneSouthbound, type IcZoneSources, type RowSource,
} from '../observe/index.ts';

/** Keeps a link's view in step with its monitors' changes. */
export interface ViewTracker<V> {
  apply(monitor: string, changes: readonly RowChange[], info: ChangeInfo): void;
  view(): V;
}

/** Which database a link monitors (one or more monitors, by name) and how its view follows them. */
export interface ZoneDb<T extends TableMap, V, Tr extends ViewTracker<V> = ViewTracker<V>> {
  readonly db: string;
  readonly monitors: Readonly<Record<string, MonitorRequest<T>>>;
  /** `sources` holds each monitor's rows by name; a reopened monitor (ZoneLink.reopen) replaces its entry. */
  readonly track: (sources: Readonly<Record<string, RowSource<T>>>) => Tr;
}

/** A view rebuilt whole after any change (small databases). */
function rebuilding<T extends TableMap, V>(build: (rows: RowSource<T>) => V): (sources: Readonly<Record<string, RowSource<T>>>) => ViewTracker<V> {
  return (sources) => {
    let view: V | undefined;
    return {
      apply: () => { view = undefined; },
      view: () => (view ??= build(sources.main!)),
    };
  };
}

export const SB_LINK: ZoneDb<OvnSouthboundTables, IcZoneSouthbound, IcZoneSouthboundTracker> = {
  db: 'OVN_Southbound', monitors: IC_ZONE_SB_LIVE, track: (sources) => new IcZoneSouthboundTracker(sources as IcZoneSources),
};
export const NB_LINK: ZoneDb<OvnNorthboundTables, IcZoneNorthbound> = {
  db: 'OVN_Northbound', monitors: { main: { spec: IC_ZONE_NB_COLUMNS as MonitorSpecFor<OvnNorthboundTables> } }, track: rebuilding(icZoneNbFromRows),
};

export interface ZoneLinkOptions {
  readonly connectTimeoutMs: number;
  /** First retry delay after a failed connect; doubles up to 2 s. */
  readonly retryMinMs?: number;
  readonly onChange: () => void;
}

/**
 * A long-lived session to one zone's SB or NB: connects (and keeps retrying
 * while the zone is down, as a daemon must), monitors the columns steering
 * reads, and hands out the zone's view, kept in step with the monitors' changes.
 */
export class ZoneLink<T extends TableMap, V, Tr extends ViewTracker<V> = ViewTracker<V>> {
  readonly name: string;
  readonly remote: string;
  #client: OvsdbClient | undefined;
  #caches = new Map<string, MonitorCache<T>>();
  #sources: Record<string, RowSource<T>> = {};
  #tracker: Tr | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #reopening = new Set<string>();
  readonly #opts: ZoneLinkOptions;
  readonly #db: ZoneDb<T, V, Tr>;
  /** A transaction to this zone is in flight. */
  writing = false;
  /** The first connect attempt has ended: dumped, or failed (the controller plans once every zone has settled). */
  settled = false;

  constructor(name: string, remote: string, db: ZoneDb<T, V, Tr>, opts: ZoneLinkOptions) {
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

  /** The view's tracker, for telling it of this link's own commits; undefined before the first connect. */
  get tracker(): Tr | undefined {
    return this.#tracker;
  }

  /** The zone's database as last seen; undefined while disconnected or while any monitor is (re)loading. */
  view(): V | undefined {
    if (!this.#tracker || !this.#client?.isConnected || this.#caches.size === 0) return undefined;
    for (const c of this.#caches.values()) if (!c.isReady) return undefined;
    return this.#tracker.view();
  }

  open(): void {
    void this.#connect(this.#opts.retryMinMs ?? 100);
  }

  #listen(name: string, cache: MonitorCache<T>, tracker: Tr): void {
    // Every batch, the resync after a reconnect included, may change the plan.
    cache.on('change', (changes, info) => {
      tracker.apply(name, changes, info);
      this.#opts.onChange();
    });
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
      const sources: Record<string, RowSource<T>> = {};
      for (const [name, m] of Object.entries(this.#db.monitors)) {
        const cache = client.monitor<T>(this.#db.db, m.spec, m.options);
        this.#caches.set(name, cache);
        sources[name] = cache;
      }
      this.#sources = sources;
      const tracker = this.#db.track(sources);
      this.#tracker = tracker;
      for (const [name, cache] of this.#caches) this.#listen(name, cache, tracker);
      await Promise.all([...this.#caches.values()].map((c) => c.ready));
      this.#lastError = undefined;
      this.settled = true;
      this.#opts.onChange();
    } catch (err) {
      this.#lastError = (err as Error).message;
      this.settled = true;
      this.#client?.close();
      this.#client = undefined;
      this.#caches = new Map();
      this.#tracker = undefined;
      this.#opts.onChange();
      if (this.#closed) return;
      this.#retry = setTimeout(() => void this.#connect(Math.min(delayMs * 2, 2000)), delayMs);
    }
  }

  /**
   * Opens monitor `name` again and swaps it in once its initial dump is in:
   * for a monitor that hears of no modifications (the SB's remote encaps),
   * this is how other writers' changes are seen. The old one serves until
   * then; a link that is down or already reopening it does nothing.
   */
  async reopen(name: string): Promise<void> {
    const client = this.client;
    const old = this.#caches.get(name);
    const m = this.#db.monitors[name];
    const tracker = this.#tracker;
    if (!client || !old || !m || !tracker || this.#reopening.has(name)) return;
    this.#reopening.add(name);
    const cache = client.monitor<T>(this.#db.db, m.spec, m.options);
    try {
      await cache.ready;
    } catch {
      cache.close();
      return;
    } finally {
      this.#reopening.delete(name);
    }
    if (this.#closed || this.#client !== client || this.#caches.get(name) !== old) return cache.close();
    old.close();
    this.#caches.set(name, cache);
    this.#sources[name] = cache;
    tracker.apply(name, [], { initial: true });
    this.#listen(name, cache, tracker);
    this.#opts.onChange();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#client?.close();
  }
}
