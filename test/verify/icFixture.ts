// Interconnect states for the ic-* checks: one zone per node, each zone's SB
// holding its own chassis (local) and every other node as a remote chassis
// (other_config:is-remote=true) with its Encap rows, pods local in their home
// zone and type=remote everywhere else, one transit port per node. Built
// healthy (every remote pod port steered) so each test seeds one fault.
import { STATE_FORMAT, type SbEncap, type SbPortBinding, type ZoneState } from '../../src/verify/index.ts';
import type { MutableState } from './fixture.ts';

export interface IcNode {
  readonly name: string;
  readonly ips: readonly string[];
}

export interface IcPod {
  readonly lport: string;
  readonly node: string;
  /** The pod's VTEP (its home Port_Binding.encap); null: no encap. */
  readonly vtep: string | null;
}

export const IC_NODES: readonly IcNode[] = [
  { name: 'hv1', ips: ['192.0.2.11', '192.0.2.12'] },
  { name: 'hv2', ips: ['192.0.2.21', '192.0.2.22'] },
  { name: 'hv3', ips: ['192.0.2.31', '192.0.2.32'] },
];

export const IC_PODS: readonly IcPod[] = IC_NODES.flatMap((n) => n.ips.map((ip, i) => ({ lport: `pod-${n.name}-${i}`, node: n.name, vtep: ip })));

/** Encap UUIDs are unique per zone (each SB has its own rows), readable in failures. */
export const encapUuid = (zone: string, chassis: string, ip: string) => `enc-${zone}-${chassis}-${ip}`;

export interface IcOptions {
  /** Write every remote pod port's encap (what ic steer leaves). Default true. */
  readonly steered?: boolean;
  /** Transit ports tstor-<node> (type=remote elsewhere, never steered). Default true. */
  readonly transit?: boolean;
}

export function buildIcState(nodes: readonly IcNode[] = IC_NODES, pods: readonly IcPod[] = IC_PODS, opts: IcOptions = {}): MutableState {
  const steered = opts.steered ?? true;
  const zones = nodes.map((zone): ZoneState => {
    const encaps: SbEncap[] = nodes.flatMap((n) => n.ips.map((ip) => ({
      uuid: encapUuid(zone.name, n.name, ip), chassisName: n.name, ip, type: 'geneve', options: { csum: 'true' },
    })));
    const chassis = nodes.map((n) => ({
      name: n.name, encaps: n.ips.map((ip) => encapUuid(zone.name, n.name, ip)), transportZones: [],
      ...(n.name === zone.name ? {} : { otherConfig: { 'is-remote': 'true' } }),
    }));
    const portBindings: SbPortBinding[] = pods.map((p) => {
      const local = p.node === zone.name;
      const pinned = p.vtep !== null && (local || steered);
      return { logicalPort: p.lport, type: local ? '' : 'remote', chassis: p.node, encap: pinned ? encapUuid(zone.name, p.node, p.vtep!) : undefined };
    });
    if (opts.transit ?? true) {
      for (const n of nodes) {
        portBindings.push(n.name === zone.name
          ? { logicalPort: `tstor-${n.name}`, type: 'patch', chassis: undefined, encap: undefined }
          : { logicalPort: `tstor-${n.name}`, type: 'remote', chassis: n.name, encap: undefined });
      }
    }
    return { name: zone.name, ovnVersion: '25.03.0', southbound: { chassis, encaps, portBindings } };
  });
  return { format: STATE_FORMAT, ovnVersion: '25.03.0', nodes: [], zones: zones as MutableState['zones'] };
}

export function zone(s: MutableState, name: string) {
  return s.zones!.find((z) => z.name === name)!;
}

export function binding(s: MutableState, zoneName: string, lport: string) {
  return zone(s, zoneName).southbound!.portBindings.find((p) => p.logicalPort === lport)!;
}
