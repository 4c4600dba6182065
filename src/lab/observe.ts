import type { LabTools } from './tools.ts';
import { mapCell, numberCell, optionalRef, boolCell, type Row } from './tools.ts';

/**
 * Fresh reads of the live databases (never cached: ofports and tunnels change
 * as chassis come and go). Used by readiness, status and traces.
 */

export interface TunnelPort {
  readonly name: string;
  readonly ofport: number | undefined;
  readonly type: string;
  readonly localIp: string | undefined;
  readonly remoteIp: string;
  /** Port external_ids:ovn-chassis-id, `<chassis>@<remote ip>%<local ip>`. */
  readonly chassisId: string;
  /** The remote chassis name (the part before '@'). */
  readonly remoteChassis: string;
}

export interface BridgeInterface {
  readonly name: string;
  readonly type: string;
  readonly ofport: number | undefined;
  readonly externalIds: Record<string, string>;
  readonly options: Record<string, string>;
}

export interface ChassisView {
  /** ovn-encap-ip as OVN parses it: split on ',', empty tokens dropped, duplicates removed, no trimming. */
  readonly ovnEncapIps: readonly string[];
  readonly interfaces: readonly BridgeInterface[];
  readonly tunnels: readonly TunnelPort[];
}

export function splitEncapIps(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').filter((t) => t !== ''))];
}

export const TUNNEL_TYPES = new Set(['geneve', 'vxlan', 'stt']);

export async function readChassisView(tools: LabTools, ovsdbRemote: string): Promise<ChassisView> {
  const [ovs, ifaces, ports] = await Promise.all([
    tools.find('ovs-vsctl', ovsdbRemote, 'Open_vSwitch', ['external_ids']),
    tools.find('ovs-vsctl', ovsdbRemote, 'Interface', ['name', 'type', 'ofport', 'external_ids', 'options']),
    tools.find('ovs-vsctl', ovsdbRemote, 'Port', ['name', 'external_ids']),
  ]);
  const chassisIdOf = new Map(ports.map((p) => [String(p['name']), mapCell(p, 'external_ids')['ovn-chassis-id']]));
  const interfaces: BridgeInterface[] = ifaces.map((r: Row) => ({
    name: String(r['name']),
    type: typeof r['type'] === 'string' ? r['type'] : '',
    ofport: numberCell(r, 'ofport'),
    externalIds: mapCell(r, 'external_ids'),
    options: mapCell(r, 'options'),
  }));
  const ovnEncapIps = splitEncapIps(ovs[0] ? mapCell(ovs[0], 'external_ids')['ovn-encap-ip'] : undefined);
  const tunnels: TunnelPort[] = [];
  for (const i of interfaces) {
    const chassisId = chassisIdOf.get(i.name);
    if (!TUNNEL_TYPES.has(i.type) || !chassisId) continue;
    tunnels.push({
      name: i.name, ofport: i.ofport, type: i.type,
      // OVN may omit local_ip when the chassis has a single encap IP.
      localIp: i.options['local_ip'] ?? (ovnEncapIps.length === 1 ? ovnEncapIps[0] : undefined),
      remoteIp: i.options['remote_ip'] ?? '',
      chassisId,
      remoteChassis: chassisId.split('@')[0]!,
    });
  }
  return { ovnEncapIps, interfaces, tunnels };
}

export interface SbEncap {
  readonly uuid: string;
  readonly chassisName: string;
  readonly ip: string;
  readonly type: string;
  readonly isDefault: boolean;
}

export interface SbBinding {
  readonly logicalPort: string;
  /** Chassis name, resolved from the reference. */
  readonly chassis: string | undefined;
  readonly up: boolean;
  /** IP of the referenced Encap row. */
  readonly encapIp: string | undefined;
}

export interface SbView {
  readonly chassis: ReadonlyMap<string, { uuid: string; encaps: readonly SbEncap[] }>;
  readonly bindings: ReadonlyMap<string, SbBinding>;
}

export async function readSbView(tools: LabTools, sbRemote: string): Promise<SbView> {
  const [chassisRows, encapRows, pbRows] = await Promise.all([
    tools.find('ovn-sbctl', sbRemote, 'Chassis', ['_uuid', 'name']),
    tools.find('ovn-sbctl', sbRemote, 'Encap', ['_uuid', 'chassis_name', 'ip', 'type', 'options']),
    tools.find('ovn-sbctl', sbRemote, 'Port_Binding', ['logical_port', 'chassis', 'up', 'encap']),
  ]);
  const encaps: SbEncap[] = encapRows.map((r) => ({
    uuid: String(r['_uuid']), chassisName: String(r['chassis_name']), ip: String(r['ip']), type: String(r['type']),
    isDefault: mapCell(r, 'options')['is_default'] === 'true',
  }));
  const encapById = new Map(encaps.map((e) => [e.uuid, e]));
  const chassis = new Map<string, { uuid: string; encaps: SbEncap[] }>();
  const nameById = new Map<string, string>();
  for (const r of chassisRows) {
    const name = String(r['name']);
    nameById.set(String(r['_uuid']), name);
    chassis.set(name, { uuid: String(r['_uuid']), encaps: encaps.filter((e) => e.chassisName === name) });
  }
  const bindings = new Map<string, SbBinding>();
  for (const r of pbRows) {
    const chassisRef = optionalRef(r, 'chassis');
    const encapRef = optionalRef(r, 'encap');
    bindings.set(String(r['logical_port']), {
      logicalPort: String(r['logical_port']),
      chassis: chassisRef ? nameById.get(chassisRef) : undefined,
      up: boolCell(r, 'up') ?? false,
      encapIp: encapRef ? encapById.get(encapRef)?.ip : undefined,
    });
  }
  return { chassis, bindings };
}
