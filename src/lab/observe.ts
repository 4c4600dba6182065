import { OvsdbClient, Uuid, type Row, type Value } from '../ovsdb/index.ts';

/**
 * Fresh reads of the live databases (never cached: ofports and tunnels change
 * as chassis come and go), one short OVSDB session per read: a select
 * transaction is far cheaper than starting ovs-vsctl/ovn-sbctl processes on
 * a loaded machine. Used by readiness, status and traces.
 */

async function withClient<T>(remote: string, fn: (c: OvsdbClient) => Promise<T>): Promise<T> {
  const client = await OvsdbClient.connect(remote, { reconnect: false, connectTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const str = (v: Value | undefined): string => (typeof v === 'string' ? v : '');
/** An optional (0..1) column decodes to [] or [x]; a required one to x. */
const one = (v: Value | undefined): Value | undefined => (Array.isArray(v) ? v[0] : v);
const num = (v: Value | undefined): number | undefined => {
  const x = one(v);
  return typeof x === 'number' ? x : undefined;
};
const uuid = (v: Value | undefined): string | undefined => {
  const x = one(v);
  return x instanceof Uuid ? x.value : undefined;
};
const record = (v: Value | undefined): Record<string, string> =>
  v instanceof Map ? Object.fromEntries([...v].map(([k, val]) => [String(k), String(val)])) : {};

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

export async function readChassisView(ovsdbRemote: string): Promise<ChassisView> {
  const [ovs, ifaces, ports] = await withClient(ovsdbRemote, async (c) => {
    const tx = c.transaction('Open_vSwitch');
    const sel = [
      tx.select('Open_vSwitch', [], ['external_ids']),
      tx.select('Interface', [], ['name', 'type', 'ofport', 'external_ids', 'options']),
      tx.select('Port', [], ['name', 'external_ids']),
    ];
    await tx.commit();
    return sel.map((s) => s.rows) as [Row[], Row[], Row[]];
  });
  const chassisIdOf = new Map(ports.map((p) => [str(p['name']), record(p['external_ids'])['ovn-chassis-id']]));
  const interfaces: BridgeInterface[] = ifaces.map((r) => ({
    name: str(r['name']),
    type: str(r['type']),
    ofport: num(r['ofport']),
    externalIds: record(r['external_ids']),
    options: record(r['options']),
  }));
  const ovnEncapIps = splitEncapIps(ovs[0] ? record(ovs[0]['external_ids'])['ovn-encap-ip'] : undefined);
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

export async function readSbView(sbRemote: string): Promise<SbView> {
  const [chassisRows, encapRows, pbRows] = await withClient(sbRemote, async (c) => {
    const tx = c.transaction('OVN_Southbound');
    const sel = [
      tx.select('Chassis', [], ['_uuid', 'name']),
      tx.select('Encap', [], ['_uuid', 'chassis_name', 'ip', 'type', 'options']),
      tx.select('Port_Binding', [], ['logical_port', 'chassis', 'up', 'encap']),
    ];
    await tx.commit();
    return sel.map((s) => s.rows) as [Row[], Row[], Row[]];
  });
  const encaps: SbEncap[] = encapRows.map((r) => ({
    uuid: uuid(r['_uuid'])!, chassisName: str(r['chassis_name']), ip: str(r['ip']), type: str(r['type']),
    isDefault: record(r['options'])['is_default'] === 'true',
  }));
  const encapById = new Map(encaps.map((e) => [e.uuid, e]));
  const chassis = new Map<string, { uuid: string; encaps: SbEncap[] }>();
  const nameById = new Map<string, string>();
  for (const r of chassisRows) {
    const name = str(r['name']);
    const id = uuid(r['_uuid'])!;
    nameById.set(id, name);
    chassis.set(name, { uuid: id, encaps: encaps.filter((e) => e.chassisName === name) });
  }
  const bindings = new Map<string, SbBinding>();
  for (const r of pbRows) {
    const chassisRef = uuid(r['chassis']);
    const encapRef = uuid(r['encap']);
    bindings.set(str(r['logical_port']), {
      logicalPort: str(r['logical_port']),
      chassis: chassisRef ? nameById.get(chassisRef) : undefined,
      up: one(r['up']) === true,
      encapIp: encapRef ? encapById.get(encapRef)?.ip : undefined,
    });
  }
  return { chassis, bindings };
}
