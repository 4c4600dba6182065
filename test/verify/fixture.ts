// Builds a consistent gathered state (what a healthy cluster looks like)
// from the OVN model, so check tests start clean and seed one fault each.
import { modelTopology, ovnFeatures, type ChassisConfig, type VifConfig } from '../../src/ovn/index.ts';
import { STATE_FORMAT, type GatheredState, type NodeState, type SbEncap } from '../../src/verify/index.ts';

export interface FixtureNode {
  readonly name: string;
  readonly ips: string[];
  readonly default?: string;
  /** pf -> vtep ip */
  readonly pfs: Record<string, string>;
}

export interface FixtureVif {
  readonly lport: string;
  readonly chassis: string;
  readonly pf: string;
  readonly vf: number;
  /** undefined: the PF's mapped IP; null: no encap-ip key. */
  readonly encapIp?: string | null;
}

type Mutable<T> = T extends ReadonlyArray<infer U> ? Mutable<U>[]
  : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
export type MutableState = Mutable<GatheredState>;

export function buildState(nodes: FixtureNode[], vifs: FixtureVif[], version = '25.03.0'): MutableState {
  const features = ovnFeatures([25, 3, 0]);
  const chassis: ChassisConfig[] = nodes.map((n) => ({
    name: n.name, encapIp: n.ips.join(','), encapType: 'geneve', encapIpDefault: n.default,
  }));
  const vifCfg: VifConfig[] = vifs.map((v) => {
    const node = nodes.find((n) => n.name === v.chassis)!;
    const ip = v.encapIp === null ? undefined : v.encapIp ?? node.pfs[v.pf];
    return { lport: v.lport, chassis: v.chassis, encapIp: ip };
  });
  const m = modelTopology({ features, chassis, vifs: vifCfg });
  const encaps: SbEncap[] = [];
  const uuidOf = new Map<string, string>();
  let k = 0;
  for (const c of m.sb.chassis.values()) {
    for (const e of c.encaps) {
      const uuid = `00000000-0000-0000-0000-${String(++k).padStart(12, '0')}`;
      uuidOf.set(`${e.type}|${e.ip}`, uuid);
      encaps.push({ uuid, chassisName: e.chassisName, ip: e.ip, type: e.type,
        options: e.isDefault ? { csum: 'true', is_default: 'true' } : { csum: 'true' } });
    }
  }
  const state: MutableState = {
    format: STATE_FORMAT,
    ovnVersion: version,
    nodes: nodes.map((n): Mutable<NodeState> => {
      const ids: Record<string, string> = {
        'system-id': n.name, 'ovn-encap-type': 'geneve', 'ovn-encap-ip': n.ips.join(','),
        'ovn-pf-encap-ip-mapping': Object.entries(n.pfs).map(([pf, ip]) => `${pf}:${ip}`).join(','),
      };
      if (n.default) ids['ovn-encap-ip-default'] = n.default;
      const myVifs = vifs.filter((v) => v.chassis === n.name);
      let ofport = 100;
      return {
        label: n.name,
        openVswitch: { externalIds: ids },
        interfaces: myVifs.map((v) => {
          const ip = vifCfg.find((x) => x.lport === v.lport)!.encapIp;
          const ext: Record<string, string> = { 'iface-id': v.lport };
          if (ip !== undefined) ext['encap-ip'] = ip;
          return { name: `${v.pf}_${v.vf}`, type: '', ofport: ++ofport, externalIds: ext, options: {} };
        }),
        tunnels: (m.tunnels.get(n.name) ?? []).map((t, i) => ({
          port: `ovn-${t.chassis.slice(0, 6)}-${i}`, chassisId: t.chassisId, type: t.type, localIp: t.localIp, remoteIp: t.remoteIp, ofport: i + 1,
        })),
        sriov: {
          sysfsRoot: '/fixture',
          pfs: Object.keys(n.pfs).map((pf, i) => ({ pf, pci: `0000:0${i + 1}:00.0`, switchId: `aa0${i}` })),
          representors: myVifs.map((v) => ({ netdev: `${v.pf}_${v.vf}`, pf: v.pf, vf: v.vf })),
        },
      };
    }),
    southbound: {
      chassis: [...m.sb.chassis.values()].map((c) => ({
        name: c.name, encaps: c.encaps.map((e) => uuidOf.get(`${e.type}|${e.ip}`)!), transportZones: [],
      })),
      encaps,
      portBindings: [...m.bindings.values()].map((b) => ({
        logicalPort: b.lport, type: '', chassis: b.chassis, encap: b.encap ? uuidOf.get(`${b.encap.type}|${b.encap.ip}`) : undefined,
      })),
    },
  };
  return state;
}

export const TWO_NODES: FixtureNode[] = [
  { name: 'hv1', ips: ['192.0.2.11', '192.0.2.100'], pfs: { enp1: '192.0.2.11', enp2: '192.0.2.100' } },
  { name: 'hv2', ips: ['198.51.100.1', '198.51.100.2'], pfs: { enp1: '198.51.100.1', enp2: '198.51.100.2' } },
];

export const TWO_VIFS: FixtureVif[] = [
  { lport: 'a', chassis: 'hv1', pf: 'enp1', vf: 0 },
  { lport: 'b', chassis: 'hv1', pf: 'enp2', vf: 0 },
  { lport: 'c', chassis: 'hv2', pf: 'enp1', vf: 0 },
  { lport: 'd', chassis: 'hv2', pf: 'enp2', vf: 1 },
];
