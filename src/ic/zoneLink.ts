import { OvsdbClient, type MonitorCache } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import { IC_ZONE_SB_COLUMNS, icZoneFromRows, type IcZoneSouthbound } from '../observe/index.ts';

export interface ZoneLinkOptions {
  readonly connectTimeoutMs: number;
  /** First retry delay after a failed connect; doubles up to 2 s. */
  readonly retryMinMs?: number;
  readonly onChange: () => void;
}

/**
 * A long-lived session to one zone's SB: connects (and keeps retrying while
 * the zone is down, as a daemon must), monitors the columns steering reads,
 * and hands out the zone's view, rebuilt only after the cache changed.
 */
export class ZoneLink {
  readonly name: string;
  readonly remote: string;
  #client: OvsdbClient | undefined;
  #cache: MonitorCache<OvnSouthboundTables> | undefined;
  #view: IcZoneSouthbound | undefined;
  #dirty = true;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  readonly #opts: ZoneLinkOptions;
  /** A transaction to this zone is in flight. */
  writing = false;

  constructor(name: string, remote: string, opts: ZoneLinkOptions) {
    this.name = name;
    this.remote = remote;
    this.#opts = opts;
  }

  get client(): OvsdbClient | undefined {
    return this.#client?.isConnected ? this.#client : undefined;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The zone's SB as last seen; undefined while disconnected or before the first dump. */
  view(): IcZoneSouthbound | undefined {
    if (!this.#cache || !this.#client?.isConnected) return undefined;
    if (this.#dirty) {
      this.#view = icZoneFromRows(this.#cache);
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
      const cache = client.monitor<OvnSouthboundTables>('OVN_Southbound', IC_ZONE_SB_COLUMNS);
      this.#cache = cache;
      // Every batch, the resync after a reconnect included, may change the plan.
      cache.on('change', () => {
        this.#dirty = true;
        this.#opts.onChange();
      });
      await cache.ready;
      this.#lastError = undefined;
      this.#opts.onChange();
    } catch (err) {
      this.#lastError = (err as Error).message;
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
