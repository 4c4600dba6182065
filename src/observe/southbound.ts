import type { OvsdbClient } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import { readRows, type ReadRowsOptions, type RowSource, type TableColumns } from './rowSource.ts';
import { firstRow, optionalOf, recordOf, uuidsOf } from './rowValues.ts';
import type { SbChassis, SbEncap, SbPortBinding, SouthboundState } from './state.ts';

/** SB Chassis other_config key marking a chassis of another interconnect zone. */
export const IS_REMOTE_KEY = 'is-remote';

/** Whether an SB chassis belongs to another interconnect zone (other_config:is-remote=true). */
export function isRemoteChassis(c: Pick<SbChassis, 'otherConfig'>): boolean {
  return c.otherConfig?.[IS_REMOTE_KEY] === 'true';
}

/** The Southbound columns southboundFromRows reads. */
export const SOUTHBOUND_COLUMNS = {
  SB_Global: ['options'],
  Chassis: ['name', 'hostname', 'encaps', 'transport_zones', 'other_config'],
  Encap: ['chassis_name', 'ip', 'type', 'options'],
  Port_Binding: ['logical_port', 'type', 'chassis', 'encap', 'mac', 'up'],
} as const satisfies TableColumns<OvnSouthboundTables>;

export interface SouthboundRead {
  readonly southbound: SouthboundState;
  /** northd's OVN version from SB_Global options:northd_internal_version, when present. */
  readonly ovnVersion: string | undefined;
}

export interface SouthboundReadOptions {
  /** Keep Port_Binding.mac (trace needs it, verify does not). */
  readonly withMacs?: boolean;
}

/** The Southbound as plain state: chassis, Encap rows, Port_Bindings (chassis by name). */
export function southboundFromRows(src: RowSource<OvnSouthboundTables>, opts: SouthboundReadOptions = {}): SouthboundRead {
  const nameByUuid = new Map<string, string>();
  const chassis: SbChassis[] = [];
  for (const [uuid, row] of src.rows('Chassis')) {
    nameByUuid.set(uuid, row.name);
    // Only is-remote (interconnect: a chassis of another zone) is kept: other_config
    // carries a dozen keys per chassis that no check reads.
    const isRemote = row.other_config?.get(IS_REMOTE_KEY);
    chassis.push({
      name: row.name, ...(row.hostname ? { hostname: row.hostname } : {}),
      encaps: uuidsOf(row.encaps), transportZones: [...(row.transport_zones ?? [])],
      ...(isRemote === undefined ? {} : { otherConfig: { [IS_REMOTE_KEY]: isRemote } }),
    });
  }
  const encaps: SbEncap[] = [];
  for (const [uuid, row] of src.rows('Encap')) {
    encaps.push({ uuid, chassisName: row.chassis_name, ip: row.ip, type: row.type, options: recordOf(row.options) });
  }
  const portBindings: SbPortBinding[] = [];
  for (const row of src.rows('Port_Binding').values()) {
    const ch = optionalOf(row.chassis)?.value;
    portBindings.push({
      logicalPort: row.logical_port, type: row.type,
      chassis: ch === undefined ? undefined : nameByUuid.get(ch), encap: optionalOf(row.encap)?.value,
      ...(row.up === undefined ? {} : { up: optionalOf(row.up) === true }),
      ...(opts.withMacs ? { mac: [...(row.mac ?? [])] } : {}),
    });
  }
  const internal = firstRow(src.rows('SB_Global'))?.options?.get('northd_internal_version');
  return { southbound: { chassis, encaps, portBindings }, ovnVersion: internal?.split('-')[0] };
}

/** One-shot read of the Southbound. */
export async function readSouthbound(remote: string | OvsdbClient, opts: SouthboundReadOptions & ReadRowsOptions = {}): Promise<SouthboundRead> {
  const rows = await readRows<OvnSouthboundTables>(remote, 'OVN_Southbound', SOUTHBOUND_COLUMNS, { timeoutMs: opts.timeoutMs ?? 60_000 });
  return southboundFromRows(rows, opts);
}
