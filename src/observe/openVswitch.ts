import type { OvsdbClient } from '../ovsdb/index.ts';
import type { OpenVSwitchTables } from '../schema/index.ts';
import { chassisEncapIps, tunnelEndpoints } from '../ovn/index.ts';
import { readRows, type ReadRowsOptions, type RowSource, type TableColumns } from './rowSource.ts';
import { byKey, firstRow, optionalOf, recordOf, uuidsOf } from './rowValues.ts';
import type { BridgeState, InterfaceState, NodeState, TunnelPortState } from './state.ts';

/** The Open_vSwitch columns nodeStateFromRows reads (monitor exactly these to keep a live source). */
export const NODE_COLUMNS = {
  Open_vSwitch: ['external_ids', 'bridges', 'ovs_version'],
  Bridge: ['name', 'ports', 'datapath_type'],
  Port: ['name', 'interfaces', 'external_ids'],
  Interface: ['name', 'type', 'ofport', 'external_ids', 'options', 'error'],
} as const satisfies TableColumns<OpenVSwitchTables>;

export interface NodeReadOptions {
  /** The integration bridge (default: external_ids:ovn-bridge, else br-int). */
  readonly bridge?: string;
  /** Label when the database has no system-id. */
  readonly label?: string;
}

/**
 * One node's Open_vSwitch database as plain state: config keys, the
 * integration bridge's interfaces, OVN's tunnel ports (ports carrying
 * external_ids:ovn-chassis-id, the way OVN itself finds them) and bridges.
 */
export function nodeStateFromRows(src: RowSource<OpenVSwitchTables>, opts: NodeReadOptions = {}): NodeState {
  const ovs = firstRow(src.rows('Open_vSwitch'));
  const externalIds = recordOf(ovs?.external_ids);
  // Set by OVS's startup scripts (ovs-ctl), not by ovs-vswitchd: often empty in labs.
  const ovsVersion = optionalOf(ovs?.ovs_version);
  const ownIps = chassisEncapIps(externalIds);
  const bridgeName = opts.bridge ?? externalIds['ovn-bridge'] ?? 'br-int';
  const bridgeRows = [...src.rows('Bridge').values()];
  const bridge = bridgeRows.find((b) => b.name === bridgeName);
  const interfaces: InterfaceState[] = [];
  const tunnels: TunnelPortState[] = [];
  const ifaceRows = src.rows('Interface');
  const portRows = src.rows('Port');
  for (const portUuid of uuidsOf(bridge?.ports)) {
    const port = portRows.get(portUuid);
    if (!port) continue;
    const chassisId = port.external_ids?.get('ovn-chassis-id');
    for (const ifUuid of uuidsOf(port.interfaces)) {
      const row = ifaceRows.get(ifUuid);
      if (!row) continue;
      const ofport = optionalOf(row.ofport);
      const errorText = optionalOf(row.error);
      const iface: InterfaceState = {
        name: row.name, type: row.type,
        ofport: ofport === undefined || ofport < 0 ? null : ofport,
        externalIds: recordOf(row.external_ids), options: recordOf(row.options),
        ...(errorText ? { error: errorText } : {}),
      };
      interfaces.push(iface);
      if (chassisId !== undefined) {
        tunnels.push({ port: port.name, chassisId, type: iface.type, ...tunnelEndpoints(iface.options, chassisId, ownIps), ofport: iface.ofport });
      }
    }
  }
  interfaces.sort(byKey((i) => i.name));
  tunnels.sort(byKey((t) => t.chassisId));
  const bridges: BridgeState[] = bridgeRows.map((b) => ({ name: b.name, datapathType: b.datapath_type })).sort(byKey((b) => b.name));
  return { label: externalIds['system-id'] ?? opts.label ?? '', openVswitch: { externalIds, ...(ovsVersion ? { ovsVersion } : {}) }, interfaces, tunnels, bridges };
}

/** One-shot read of a node's Open_vSwitch database. */
export async function readNodeState(remote: string | OvsdbClient, opts: NodeReadOptions & ReadRowsOptions = {}): Promise<NodeState> {
  const rows = await readRows<OpenVSwitchTables>(remote, 'Open_vSwitch', NODE_COLUMNS, opts);
  return nodeStateFromRows(rows, { ...opts, ...(opts.label === undefined && typeof remote === 'string' ? { label: remote } : {}) });
}
