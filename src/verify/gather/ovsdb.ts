import { OvsdbClient } from '../../ovsdb/index.ts';
import type { Row } from '../../ovsdb/index.ts';
import { parseTunnelChassisId } from '../../ovn/index.ts';
import type { BridgeState, InterfaceState, NodeState, SouthboundState, TunnelPortState } from '../state.ts';
import { optInt, str, stringMap, strings, uuidOf, uuids } from './values.ts';

export interface OvsdbGatherOptions {
  readonly timeoutMs?: number;
  /** The integration bridge (default br-int, or external_ids:ovn-bridge). */
  readonly bridge?: string;
  /** Keep Port_Binding.mac (trace needs it, verify does not). */
  readonly withMacs?: boolean;
}

async function dump(remote: string, db: string, spec: Record<string, readonly string[]>, timeoutMs: number): Promise<{ rows(t: string): ReadonlyMap<string, Row> }> {
  const client = await OvsdbClient.connect(remote, { connectTimeoutMs: timeoutMs, reconnect: false, probeIntervalMs: 0 });
  try {
    const cache = client.monitor(db, spec, { initialDumpTimeoutMs: timeoutMs });
    await cache.ready;
    cache.close();
    return cache;
  } finally {
    client.close();
  }
}

/** One node's Open_vSwitch database: config keys, br-int interfaces and tunnel ports. */
export async function gatherNode(remote: string, opts: OvsdbGatherOptions = {}): Promise<NodeState> {
  const cache = await dump(remote, 'Open_vSwitch', {
    Open_vSwitch: ['external_ids', 'bridges'],
    Bridge: ['name', 'ports', 'datapath_type'],
    Port: ['name', 'interfaces', 'external_ids'],
    Interface: ['name', 'type', 'ofport', 'external_ids', 'options', 'error'],
  }, opts.timeoutMs ?? 30_000);
  const ovs = [...cache.rows('Open_vSwitch').values()][0];
  const externalIds = stringMap(ovs?.['external_ids']);
  const bridgeName = opts.bridge ?? externalIds['ovn-bridge'] ?? 'br-int';
  const bridge = [...cache.rows('Bridge').values()].find((b) => str(b['name']) === bridgeName);
  const interfaces: InterfaceState[] = [];
  const tunnels: TunnelPortState[] = [];
  const ifaceRows = cache.rows('Interface');
  const portRows = cache.rows('Port');
  for (const portUuid of uuids(bridge?.['ports'])) {
    const port = portRows.get(portUuid);
    if (!port) continue;
    const portIds = stringMap(port['external_ids']);
    for (const ifUuid of uuids(port['interfaces'])) {
      const row = ifaceRows.get(ifUuid);
      if (!row) continue;
      const ofport = optInt(row['ofport']);
      const errorText = strings(row['error'])[0];
      const iface: InterfaceState = {
        name: str(row['name']), type: str(row['type']),
        ofport: ofport === undefined || ofport < 0 ? null : ofport,
        externalIds: stringMap(row['external_ids']), options: stringMap(row['options']),
        ...(errorText ? { error: errorText } : {}),
      };
      interfaces.push(iface);
      const chassisId = portIds['ovn-chassis-id'];
      if (chassisId !== undefined) {
        const parsed = parseTunnelChassisId(chassisId);
        tunnels.push({
          port: str(port['name']), chassisId, type: iface.type,
          localIp: iface.options['local_ip'] ?? parsed?.localIp, remoteIp: iface.options['remote_ip'] ?? parsed?.remoteIp,
          ofport: iface.ofport,
        });
      }
    }
  }
  interfaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  tunnels.sort((a, b) => (a.chassisId < b.chassisId ? -1 : a.chassisId > b.chassisId ? 1 : 0));
  const bridges: BridgeState[] = [...cache.rows('Bridge').values()]
    .map((b) => ({ name: str(b['name']), datapathType: str(b['datapath_type']) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { label: externalIds['system-id'] ?? remote, openVswitch: { externalIds }, interfaces, tunnels, bridges };
}

export interface SouthboundGather {
  readonly southbound: SouthboundState;
  /** northd's OVN version from SB_Global options:northd_internal_version, when present. */
  readonly ovnVersion: string | undefined;
}

/** The Southbound tables verify needs, by one monitor dump. */
export async function gatherSouthbound(remote: string, opts: OvsdbGatherOptions = {}): Promise<SouthboundGather> {
  const cache = await dump(remote, 'OVN_Southbound', {
    SB_Global: ['options'],
    Chassis: ['name', 'encaps', 'transport_zones'],
    Encap: ['chassis_name', 'ip', 'type', 'options'],
    Port_Binding: ['logical_port', 'type', 'chassis', 'encap', 'mac'],
  }, opts.timeoutMs ?? 60_000);
  const chassisRows = cache.rows('Chassis');
  const nameByUuid = new Map<string, string>();
  const chassis = [];
  for (const row of chassisRows.values()) {
    const name = str(row['name']);
    nameByUuid.set(uuidOf(row), name);
    chassis.push({ name, encaps: uuids(row['encaps']), transportZones: strings(row['transport_zones']) });
  }
  const encaps = [];
  for (const row of cache.rows('Encap').values()) {
    encaps.push({ uuid: uuidOf(row), chassisName: str(row['chassis_name']), ip: str(row['ip']), type: str(row['type']), options: stringMap(row['options']) });
  }
  const portBindings = [];
  for (const row of cache.rows('Port_Binding').values()) {
    const ch = uuids(row['chassis'])[0];
    portBindings.push({
      logicalPort: str(row['logical_port']), type: str(row['type']),
      chassis: ch === undefined ? undefined : nameByUuid.get(ch), encap: uuids(row['encap'])[0],
      ...(opts.withMacs ? { mac: strings(row['mac']) } : {}),
    });
  }
  const g = [...cache.rows('SB_Global').values()][0];
  const internal = stringMap(g?.['options'])['northd_internal_version'];
  return { southbound: { chassis, encaps, portBindings }, ovnVersion: internal?.split('-')[0] };
}
