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
  readonly globalExternalIds: StringMap;
}

export function icZoneFromRows(src: RowSource<OvnSouthboundTables>): IcZoneSouthbound {
  const chassisByUuid = new Map<string, string>();
  const chassis = new Map<string, IcChassis>();
  for (const [uuid, row] of src.rows('Chassis')) {
    chassisByUuid.set(uuid, row.name);
    chassis.set(row.name, { name: row.name, remote: row.other_config?.get(IS_REMOTE_KEY) === 'true', encaps: uuidsOf(row.encaps) });
  }
  const encaps = new Map<string, IcEncap>();
  for (const [uuid, row] of src.rows('Encap')) encaps.set(uuid, { uuid, chassisName: row.chassis_name, ip: row.ip, type: row.type });
  const portBindings: IcPortBinding[] = [];
  for (const [uuid, row] of src.rows('Port_Binding')) {
    const ch = optionalOf(row.chassis)?.value;
    portBindings.push({
      uuid, logicalPort: row.logical_port, type: row.type,
      chassis: ch === undefined ? undefined : chassisByUuid.get(ch),
      encap: optionalOf(row.encap)?.value, mac: [...(row.mac ?? [])],
    });
  }
  return { chassis, encaps, portBindings, globalExternalIds: recordOf(firstRow(src.rows('SB_Global'))?.external_ids) };
}
