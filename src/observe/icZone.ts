import type { ChangeInfo, RowChange, RowOf } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import type { RowSource, TableColumns } from './rowSource.ts';
import { firstRow, optionalOf, recordOf, uuidsOf } from './rowValues.ts';
import type { StringMap } from './state.ts';
import { IS_REMOTE_KEY } from './southbound.ts';

/**
 * One interconnect zone's Southbound as `mvtep ic steer` needs it: which
 * chassis are remote (other_config:is-remote=true), every Encap row by UUID,
 * and the Port_Bindings with the Encap they reference. Unlike
 * SouthboundState it keeps row UUIDs: steering writes references to them.
 */
export const IC_ZONE_SB_COLUMNS = {
  SB_Global: ['external_ids'],
  Chassis: ['name', 'encaps', 'other_config'],
  Encap: ['chassis_name', 'ip', 'type'],
  Port_Binding: ['logical_port', 'type', 'chassis', 'encap', 'mac'],
} as const satisfies TableColumns<OvnSouthboundTables>;

export interface IcEncap {
  readonly uuid: string;
  readonly chassisName: string;
  readonly ip: string;
  readonly type: string;
}

export interface IcChassis {
  readonly name: string;
  readonly remote: boolean;
  readonly encaps: readonly string[];
}

export interface IcPortBinding {
  /** Row UUID: steering's updates select by it (ovsdb-server looks a `_uuid ==` up directly; other columns are scanned). */
  readonly uuid: string;
  readonly logicalPort: string;
  readonly type: string;
  /** Chassis name, when bound. */
  readonly chassis: string | undefined;
  /** UUID of the referenced Encap row, when set. */
  readonly encap: string | undefined;
  readonly mac: readonly string[];
}

export interface IcZoneSouthbound {
  readonly chassis: ReadonlyMap<string, IcChassis>;
  readonly encaps: ReadonlyMap<string, IcEncap>;
  readonly portBindings: readonly IcPortBinding[];
  /** The same Port_Bindings by row UUID. */
  readonly portBindingByUuid: ReadonlyMap<string, IcPortBinding>;
  readonly globalExternalIds: StringMap;
  /**
   * Set by a live view (IcZoneSouthboundTracker): which Port_Bindings changed
   * since an earlier view of the same zone, so a planner can redo only those.
   * Absent: anything may have changed (a first read, a resync, Chassis or
   * Encap rows changed).
   */
  readonly delta?: IcZoneDelta;
  /** Increases with every live view of one zone; absent on one-shot reads. */
  readonly version?: number;
}

export interface IcZoneDelta {
  /** The view version this delta leads from. */
  readonly since: number;
  /** Row UUIDs of Port_Bindings inserted, changed or deleted since then. */
  readonly portBindings: ReadonlySet<string>;
}

type SbRows = RowSource<OvnSouthboundTables>;
type PortBindingRow = RowOf<OvnSouthboundTables, 'Port_Binding'>;

function chassisOf(src: SbRows): { byUuid: Map<string, string>; chassis: Map<string, IcChassis> } {
  const byUuid = new Map<string, string>();
  const chassis = new Map<string, IcChassis>();
  for (const [uuid, row] of src.rows('Chassis')) {
    byUuid.set(uuid, row.name);
    chassis.set(row.name, { name: row.name, remote: row.other_config?.get(IS_REMOTE_KEY) === 'true', encaps: uuidsOf(row.encaps) });
  }
  return { byUuid, chassis };
}

function encapsOf(src: SbRows): Map<string, IcEncap> {
  const encaps = new Map<string, IcEncap>();
  for (const [uuid, row] of src.rows('Encap')) encaps.set(uuid, { uuid, chassisName: row.chassis_name, ip: row.ip, type: row.type });
  return encaps;
}

function portBindingOf(uuid: string, row: PortBindingRow, chassisByUuid: ReadonlyMap<string, string>): IcPortBinding {
  const ch = optionalOf(row.chassis)?.value;
  return {
    uuid, logicalPort: row.logical_port, type: row.type,
    chassis: ch === undefined ? undefined : chassisByUuid.get(ch),
    encap: optionalOf(row.encap)?.value, mac: row.mac && row.mac.length > 0 ? [...row.mac] : NO_MACS,
  };
}

/** Remote ports carry no MAC column in most zones: one shared empty list instead of 5,000. */
const NO_MACS: readonly string[] = Object.freeze([]);

const globalIdsOf = (src: SbRows): StringMap => recordOf(firstRow(src.rows('SB_Global'))?.external_ids);

function portBindingsOf(src: SbRows, chassisByUuid: ReadonlyMap<string, string>): Map<string, IcPortBinding> {
  const out = new Map<string, IcPortBinding>();
  for (const [uuid, row] of src.rows('Port_Binding')) out.set(uuid, portBindingOf(uuid, row, chassisByUuid));
  return out;
}

export function icZoneFromRows(src: SbRows): IcZoneSouthbound {
  const { byUuid, chassis } = chassisOf(src);
  const portBindingByUuid = portBindingsOf(src, byUuid);
  return { chassis, encaps: encapsOf(src), portBindings: [...portBindingByUuid.values()], portBindingByUuid, globalExternalIds: globalIdsOf(src) };
}

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
 * A zone's view kept up to date from a live monitor's change batches: a
 * batch that touches only Port_Bindings costs those rows (not the zone's
 * 5,000 others), and the view it yields says which rows changed. Chassis or
 * Encap changes, and resyncs, rebuild it whole (they are rare and small).
 */
export class IcZoneSouthboundTracker {
  readonly #src: SbRows;
  #view: IcZoneSouthbound | undefined;
  #version = 0;
  #whole = true;
  #global = true;
  #changed = new Set<string>();
  #chassisByUuid = new Map<string, string>();
  #chassis = new Map<string, IcChassis>();
  #encaps = new Map<string, IcEncap>();
  #pbs = new Map<string, IcPortBinding>();
  #globalIds: StringMap = {};

  constructor(src: SbRows) {
    this.#src = src;
  }

  /** Takes note of one change batch of the monitor over `src` (applied to it already). */
  apply(changes: readonly RowChange[], info: ChangeInfo): void {
    if (info.initial) {
      this.#whole = true;
      return;
    }
    for (const c of changes) {
      if (c.table === 'Port_Binding') this.#changed.add(c.uuid);
      else if (c.table === 'SB_Global') this.#global = true;
      else this.#whole = true;
    }
  }

  view(): IcZoneSouthbound {
    if (this.#view && !this.#whole && !this.#global && this.#changed.size === 0) return this.#view;
    const since = this.#version;
    let delta: IcZoneDelta | undefined;
    if (this.#whole || !this.#view) {
      ({ byUuid: this.#chassisByUuid, chassis: this.#chassis } = chassisOf(this.#src));
      this.#encaps = encapsOf(this.#src);
      this.#pbs = portBindingsOf(this.#src, this.#chassisByUuid);
      this.#changed.clear();
      this.#global = true;
    } else {
      const rows = this.#src.rows('Port_Binding');
      for (const uuid of this.#changed) {
        const row = rows.get(uuid);
        if (row) this.#pbs.set(uuid, portBindingOf(uuid, row, this.#chassisByUuid));
        else this.#pbs.delete(uuid);
      }
      delta = { since, portBindings: this.#changed };
      this.#changed = new Set();
    }
    if (this.#global) this.#globalIds = globalIdsOf(this.#src);
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
