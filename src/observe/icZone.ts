import type { RowOf } from '../ovsdb/index.ts';
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

export type SbRows = RowSource<OvnSouthboundTables>;
export type PortBindingRow = RowOf<OvnSouthboundTables, 'Port_Binding'>;

export function chassisOf(src: SbRows): { byUuid: Map<string, string>; chassis: Map<string, IcChassis> } {
  const byUuid = new Map<string, string>();
  const chassis = new Map<string, IcChassis>();
  for (const [uuid, row] of src.rows('Chassis')) {
    byUuid.set(uuid, row.name);
    chassis.set(row.name, { name: row.name, remote: row.other_config?.get(IS_REMOTE_KEY) === 'true', encaps: uuidsOf(row.encaps) });
  }
  return { byUuid, chassis };
}

export function encapsOf(src: SbRows): Map<string, IcEncap> {
  const encaps = new Map<string, IcEncap>();
  for (const [uuid, row] of src.rows('Encap')) encaps.set(uuid, { uuid, chassisName: row.chassis_name, ip: row.ip, type: row.type });
  return encaps;
}

/** `encap`: the row's Encap UUID, told apart because a live view takes it from other monitors than the rest (icZoneLive.ts). */
export function portBindingOf(uuid: string, row: PortBindingRow, encap: string | undefined, chassisByUuid: ReadonlyMap<string, string>): IcPortBinding {
  const ch = optionalOf(row.chassis)?.value;
  return {
    uuid, logicalPort: row.logical_port, type: row.type,
    chassis: ch === undefined ? undefined : chassisByUuid.get(ch),
    encap, mac: row.mac && row.mac.length > 0 ? [...row.mac] : NO_MACS,
  };
}

/** Remote ports carry no MAC column in most zones: one shared empty list instead of 5,000. */
const NO_MACS: readonly string[] = Object.freeze([]);

export const globalIdsOf = (src: SbRows): StringMap => recordOf(firstRow(src.rows('SB_Global'))?.external_ids);

function portBindingsOf(src: SbRows, chassisByUuid: ReadonlyMap<string, string>): Map<string, IcPortBinding> {
  const out = new Map<string, IcPortBinding>();
  for (const [uuid, row] of src.rows('Port_Binding')) out.set(uuid, portBindingOf(uuid, row, optionalOf(row.encap)?.value, chassisByUuid));
  return out;
}

export function icZoneFromRows(src: SbRows): IcZoneSouthbound {
  const { byUuid, chassis } = chassisOf(src);
  const portBindingByUuid = portBindingsOf(src, byUuid);
  return { chassis, encaps: encapsOf(src), portBindings: [...portBindingByUuid.values()], portBindingByUuid, globalExternalIds: globalIdsOf(src) };
}

