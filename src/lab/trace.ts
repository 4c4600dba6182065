import { icmpEchoFlow, outputOfports, parseTunnelChassisId } from '../ovn/index.ts';
import type { NodeState, TunnelPortState } from '../observe/index.ts';
import type { PodHandle } from './state.ts';

/** Where ofproto/trace says a pod-to-pod packet leaves br-int. */
export type EgressResult =
  | {
    readonly kind: 'tunnel';
    readonly tunnelPort: string;
    readonly ofport: number;
    readonly localIp: string | undefined;
    readonly remoteIp: string;
    /** external_ids:ovn-chassis-id of the tunnel port (`<chassis>@<remote>%<local>`). */
    readonly chassisId: string;
    readonly remoteChassis: string;
    /**
     * OVS's native tunnel routing for the encapsulated packet: 'failed' until
     * the underlay gives the chassis a route (the output port is still OVN's
     * choice), 'neighbor-miss' when routed but the next hop's MAC is unknown,
     * 'ok' when the datapath actions show tnl_push.
     */
    readonly nativeRouting: 'ok' | 'failed' | 'neighbor-miss' | 'unknown';
    /**
     * The device OVS's own router picked for the encapsulated packet ("tunneling
     * to X via DEV"). OVS 3.5's router uses the main table only, not `ip rule`s.
     */
    readonly egressDevice: string | undefined;
    readonly datapathActions: string;
    readonly trace: string;
  }
  /** Delivered to a port on the same chassis (`ports`: interface names). */
  | { readonly kind: 'local'; readonly ports: readonly string[]; readonly trace: string }
  | { readonly kind: 'dropped'; readonly trace: string }
  /** Several outputs (flooding) or outputs to ports that are neither tunnels nor known VIFs. */
  | { readonly kind: 'other'; readonly ofports: readonly number[]; readonly trace: string };

/** The ofproto/trace flow for an ICMP echo from `from` to `to`, entering at `inPort`. */
export function podTraceFlow(from: PodHandle, to: PodHandle, inPort: number): string {
  return icmpEchoFlow(inPort, [from.mac, from.ip], [to.mac, to.ip]);
}

/** Classifies a trace against a fresh read of the source chassis' bridge. */
export function classifyEgress(trace: string, view: Pick<NodeState, 'interfaces' | 'tunnels'>): EgressResult {
  const ofports = outputOfports(trace);
  if (ofports.length === 0) return { kind: 'dropped', trace };
  const tunnelsOut: TunnelPortState[] = ofports.map((o) => view.tunnels.find((t) => t.ofport === o)).filter((t): t is TunnelPortState => !!t);
  if (ofports.length === 1 && tunnelsOut.length === 1) {
    const t = tunnelsOut[0]!;
    const datapathActions = /^Datapath actions: (.*)$/m.exec(trace)?.[1] ?? '';
    const nativeRouting = /native tunnel routing failed/.test(trace) ? 'failed'
      : /tnl_push\(/.test(datapathActions) ? 'ok' : /neighbor cache miss/.test(trace) ? 'neighbor-miss' : 'unknown';
    const egressDevice = /-> tunneling to \S+ via (\S+)/.exec(trace)?.[1];
    return {
      kind: 'tunnel', tunnelPort: t.port, ofport: t.ofport!, localIp: t.localIp, remoteIp: t.remoteIp ?? '',
      chassisId: t.chassisId, remoteChassis: parseTunnelChassisId(t.chassisId)?.chassis ?? '', nativeRouting, egressDevice, datapathActions, trace,
    };
  }
  const locals = ofports.map((o) => view.interfaces.find((i) => i.ofport === o && i.externalIds['iface-id']));
  if (tunnelsOut.length === 0 && locals.every((l) => l)) return { kind: 'local', ports: locals.map((l) => l!.name), trace };
  return { kind: 'other', ofports, trace };
}
