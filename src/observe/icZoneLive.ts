import type { ChangeInfo, MonitorRequest, RowChange } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import {
  IC_ZONE_SB_COLUMNS, chassisOf, encapsOf, globalIdsOf, portBindingOf,
  type IcChassis, type IcEncap, type IcPortBinding, type IcZoneDelta, type IcZoneSouthbound, type PortBindingRow, type SbRows,
} from './icZone.ts';
import { optionalOf } from './rowValues.ts';
import type { StringMap } from './state.ts';

/** One of the monitors a live zone view is made of. */
export type IcZoneMonitor = MonitorRequest<OvnSouthboundTables>;

export type IcZoneMonitorName = 'main' | 'local' | 'remote';

/**
 * What a live zone view monitors, split so that steering's own writes do not
 * come back: `encap` of a `type=remote` Port_Binding is written by `ic steer`
 * alone (northd, ovn-controller and ovn-ic leave it be), yet echoing 5,390 such
 * writes per zone to a monitor cost the zone's ovsdb-server as much again as
 * the write and the controller a backlog of updates that told it nothing.
 * - main: everything steering reads except Port_Binding.encap;
 * - local: `encap` of the other Port_Bindings (ovn-controller writes it: a pod's home VTEP);
 * - remote: `encap` of the ports that have one, as the server has them, sent
 *   whole at every (re)connect and then only for rows that lose it (a remote
 *   port absent from it has no encap as far as steering knows, and is written).
 *   Steering's commits are applied on top (IcZoneSouthboundTracker.wrote), and
 *   a writer other than steering is seen when this monitor is opened again
 *   (the controller's periodic resync).
 */
export const IC_ZONE_SB_LIVE: Readonly<Record<IcZoneMonitorName, IcZoneMonitor>> = {
  main: { spec: { ...IC_ZONE_SB_COLUMNS, Port_Binding: IC_ZONE_SB_COLUMNS.Port_Binding.filter((c) => c !== 'encap') } },
  local: { spec: { Port_Binding: { columns: ['encap'], where: [['type', '!=', 'remote']] } } },
  remote: {
    // Only rows with an encap (a zone nobody steered yet sends nothing; local ones come too: a monitor's clauses are
    // or'ed, and they are few). A row gaining one later is not sent (insert: false covers a row entering the condition
    // by a modification, i.e. steering's own writes); one losing it is (a delete).
    spec: { Port_Binding: { columns: ['encap'], where: [['encap', '!=', []]], select: { initial: true, insert: false, delete: true, modify: false } } },
    // Never resumed from a transaction id: a resumed monitor would keep the values it had, and it hears of no modification.
    options: { method: 'monitor_cond' },
  },
};

/** The rows of each monitor; a link may replace `remote` with a freshly opened one (then it applies an initial batch for it). */
export type IcZoneSources = Record<IcZoneMonitorName, SbRows>;

/** A remote port's encap as steering last committed it; `undefined`: none, or unknown (a write whose outcome is not known). */
type Committed = string | undefined;

/**
 * One view of a tracked zone. Its Port_Bindings are the tracker's own map,
 * not a copy (copying 5,000 rows per zone per batch was most of a pass at
 * 50 zones): they are valid until the tracker hands out a newer view, and
 * reading them after that throws instead of mixing two versions. Chassis,
 * Encaps and the SB_Global ids are replaced, never changed, so they stay.
 */
class LiveZoneView implements IcZoneSouthbound {
  readonly version: number;
  readonly chassis: ReadonlyMap<string, IcChassis>;
  readonly encaps: ReadonlyMap<string, IcEncap>;
  readonly globalExternalIds: StringMap;
  readonly delta?: IcZoneDelta;
  readonly #tracker: IcZoneSouthboundTracker;
  readonly #pbs: ReadonlyMap<string, IcPortBinding>;
  #list: IcPortBinding[] | undefined;

  constructor(tracker: IcZoneSouthboundTracker, version: number, chassis: ReadonlyMap<string, IcChassis>, encaps: ReadonlyMap<string, IcEncap>,
    pbs: ReadonlyMap<string, IcPortBinding>, globalExternalIds: StringMap, delta: IcZoneDelta | undefined) {
    this.#tracker = tracker;
    this.version = version;
    this.chassis = chassis;
    this.encaps = encaps;
    this.#pbs = pbs;
    this.globalExternalIds = globalExternalIds;
    if (delta) this.delta = delta;
  }

  get portBindingByUuid(): ReadonlyMap<string, IcPortBinding> {
    this.#current();
    return this.#pbs;
  }

  get portBindings(): readonly IcPortBinding[] {
    this.#current();
    return (this.#list ??= [...this.#pbs.values()]);
  }

  #current(): void {
    if (this.#tracker.version !== this.version) {
      throw new Error(`stale zone view: version ${this.version} read after version ${this.#tracker.version} was handed out`);
    }
  }
}

/**
 * A zone's view kept up to date from the change batches of its three
 * monitors (IC_ZONE_SB_LIVE) and steering's own commits: a batch that touches
 * only Port_Bindings costs those rows (not the zone's 5,000 others), and the
 * view it yields says which rows changed. Chassis or Encap changes, and
 * resyncs, rebuild it whole (they are rare and small).
 */
export class IcZoneSouthboundTracker {
  readonly #src: IcZoneSources;
  #view: IcZoneSouthbound | undefined;
  #version = 0;
  #whole = true;
  #global = true;
  #changed = new Set<string>();
  /** Remote ports' encap as committed by steering since the remote monitor's last initial dump. */
  readonly #committed = new Map<string, Committed>();
  #chassisByUuid = new Map<string, string>();
  #chassis = new Map<string, IcChassis>();
  #encaps = new Map<string, IcEncap>();
  #pbs = new Map<string, IcPortBinding>();
  #globalIds: StringMap = {};

  constructor(src: IcZoneSources) {
    this.#src = src;
  }

  /** Takes note of one change batch of `monitor` (applied to its rows already). */
  apply(monitor: IcZoneMonitorName, changes: readonly RowChange[], info: ChangeInfo): void {
    if (monitor === 'remote' && info.initial) this.#committed.clear();
    if (info.initial) {
      this.#whole = true;
      return;
    }
    for (const c of changes) {
      if (c.table === 'Port_Binding') {
        this.#changed.add(c.uuid);
        // A row that is no longer a remote port is no longer steering's: what it committed to it is void.
        if (monitor === 'main' && (c.row as PortBindingRow | undefined)?.type !== 'remote') this.#committed.delete(c.uuid);
      } else if (c.table === 'SB_Global') this.#global = true;
      else this.#whole = true;
    }
  }

  /** Steering committed these remote ports' encap (the server does not echo it: see IC_ZONE_SB_LIVE). */
  wrote(writes: readonly { readonly row: string; readonly encap: string | undefined }[]): void {
    for (const w of writes) {
      this.#committed.set(w.row, w.encap);
      this.#changed.add(w.row);
    }
  }

  /** Writes whose outcome is unknown (the commit failed or timed out): planned as if the ports had no encap, so they are written again. */
  forget(rows: Iterable<string>): void {
    for (const row of rows) {
      this.#committed.set(row, undefined);
      this.#changed.add(row);
    }
  }

  #encapOf(uuid: string, row: PortBindingRow): string | undefined {
    if (row.type !== 'remote') return optionalOf(this.#src.local.rows('Port_Binding').get(uuid)?.encap)?.value;
    if (this.#committed.has(uuid)) return this.#committed.get(uuid);
    return optionalOf(this.#src.remote.rows('Port_Binding').get(uuid)?.encap)?.value;
  }

  view(): IcZoneSouthbound {
    if (this.#view && !this.#whole && !this.#global && this.#changed.size === 0) return this.#view;
    const since = this.#version;
    let delta: IcZoneDelta | undefined;
    const rows = this.#src.main.rows('Port_Binding');
    if (this.#whole || !this.#view) {
      ({ byUuid: this.#chassisByUuid, chassis: this.#chassis } = chassisOf(this.#src.main));
      this.#encaps = encapsOf(this.#src.main);
      this.#pbs = new Map();
      for (const [uuid, row] of rows) this.#pbs.set(uuid, portBindingOf(uuid, row, this.#encapOf(uuid, row), this.#chassisByUuid));
      for (const uuid of this.#committed.keys()) if (!rows.has(uuid)) this.#committed.delete(uuid);
      this.#changed.clear();
      this.#global = true;
    } else {
      for (const uuid of this.#changed) {
        const row = rows.get(uuid);
        if (row) this.#pbs.set(uuid, portBindingOf(uuid, row, this.#encapOf(uuid, row), this.#chassisByUuid));
        else {
          this.#pbs.delete(uuid);
          this.#committed.delete(uuid);
        }
      }
      delta = { since, portBindings: this.#changed };
      this.#changed = new Set();
    }
    if (this.#global) this.#globalIds = globalIdsOf(this.#src.main);
    this.#whole = false;
    this.#global = false;
    this.#version++;
    this.#view = new LiveZoneView(this, this.#version, this.#chassis, this.#encaps, this.#pbs, this.#globalIds, delta);
    return this.#view;
  }

  /** The version of the newest view handed out. */
  get version(): number {
    return this.#version;
  }
}
