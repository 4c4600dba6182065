import { icmpEchoFlow, outputOfports } from '../ovn/index.ts';
import { lookupRoute } from '../observe/index.ts';
import { routeCommand, routerName, traceRoute } from './route.ts';
import type { RoutingBackend } from '../routing/index.ts';
import type { NodeState } from '../verify/index.ts';
import type { ConfirmResult, TraceResult, TraceRoute } from './types.ts';

/** The ofproto/trace flow for the traced packet: ICMP echo when IPs are known, else plain Ethernet. */
export function traceFlow(result: TraceResult): string {
  const inPort = result.source.ofport;
  if (inPort === null) throw new RangeError(`source ${result.from} has no ofport on br-int`);
  return icmpEchoFlow(inPort, [result.source.mac ?? '0a:58:00:00:00:01', result.source.ip], [result.destination.mac ?? 'ff:ff:ff:ff:ff:ff', result.destination.ip]);
}

export interface ConfirmInputs {
  /** Raw `ovs-appctl ofproto/trace` output. */
  readonly trace: string;
  /** The source node read after the trace (ofports are read fresh). */
  readonly node: NodeState;
  /** The observed tunnel's route (`ip route get`, or OVS's lookup on a userspace datapath), when it could be read. */
  readonly route: TraceRoute | null;
  /** The device that should carry the local VTEP (spec, or the one holding the address). */
  readonly expectedDevice: string | null;
}

/** Compares the explanation with what OVS and the kernel actually do (pure). */
export function compareWithObserved(result: TraceResult, obs: ConfirmInputs): ConfirmResult {
  const ports = outputOfports(obs.trace);
  const differences: string[] = [];
  const tunnels = ports.map((p) => obs.node.tunnels.find((t) => t.ofport === p)).filter((t) => t !== undefined);
  if (ports.length === 1 && tunnels.length === 1) {
    const t = tunnels[0]!;
    const observed = { local_ip: t.localIp ?? '', remote_ip: t.remoteIp ?? '', tunnel: t.port, ofport: t.ofport ?? ports[0]! };
    const inSet = result.candidates.some((c) => c.local_ip === observed.local_ip && c.remote_ip === observed.remote_ip);
    if (!inSet) {
      differences.push(`ofproto/trace leaves on ${t.port} (${observed.local_ip} -> ${observed.remote_ip}), which is not among the predicted ${result.candidates.map((c) => `${c.local_ip} -> ${c.remote_ip}`).join(', ') || 'none'}`);
    }
    if (obs.route) {
      if (obs.route.error) differences.push(`${routeCommand(obs.route)} fails: ${obs.route.error}`);
      else if (obs.expectedDevice && obs.route.device !== obs.expectedDevice) {
        differences.push(`${routerName(obs.route)} sends ${obs.route.from} -> ${obs.route.to} out of ${obs.route.device ?? '?'}, not ${obs.expectedDevice}`);
      }
    }
    return { observed, observed_kind: 'tunnel', observed_route: obs.route, agrees: differences.length === 0, differences };
  }
  const kind = ports.length === 0 ? 'dropped' as const
    : ports.every((p) => obs.node.interfaces.some((i) => i.ofport === p && i.externalIds['iface-id'] !== undefined)) ? 'local' as const : 'other' as const;
  const expectedLocal = result.reason === 'local';
  if (!(kind === 'local' && expectedLocal)) {
    differences.push(kind === 'dropped' ? 'ofproto/trace drops the packet'
      : kind === 'local' ? 'ofproto/trace delivers locally, but the destination is on another chassis'
        : `ofproto/trace outputs to ofports ${ports.join(', ')}, not to exactly one tunnel`);
  }
  return { observed: null, observed_kind: kind, observed_route: null, agrees: differences.length === 0, differences };
}

/** `ip route get` through the routing backend, as a TraceRoute. */
export async function kernelRoute(backend: RoutingBackend, from: string, to: string): Promise<TraceRoute> {
  return traceRoute(await lookupRoute(backend, from, to));
}
