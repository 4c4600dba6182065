/**
 * Plain inputs the dashboard view is built from. Gatherers (lab, live OVSDB,
 * verify, trace) fill these; `buildDashboardView` never does I/O, so the view
 * logic is tested with data alone.
 */
import type { Severity } from './view.ts';

export interface ViewInputs {
  readonly source: { readonly kind: 'demo' | 'lab' | 'cluster' | 'snapshot'; readonly name: string };
  readonly chassis: readonly ChassisInput[];
  readonly pods: readonly PodInput[];
  readonly paths?: readonly PathInput[];
  readonly findings?: readonly FindingInput[];
  /** The OVN release (decides the encap ID order); the lab's release when absent. */
  readonly ovnVersion?: string | null;
  /** Injected for tests; defaults to now. */
  readonly now?: Date;
}

export interface ChassisInput {
  readonly name: string;
  readonly hostname?: string | null;
  /** The chassis' `ovn-encap-ip` list (or its SB Encap IPs). */
  readonly encapIps: readonly string[];
  readonly defaultEncapIp?: string | null;
  readonly nics?: readonly NicInput[];
  /** Tunnel ports on br-int; omit when the chassis' OVSDB is not reachable. */
  readonly tunnels?: readonly TunnelInput[];
}

export interface NicInput {
  readonly pf: string;
  readonly bridge?: string | null;
  /** The VTEP device (internal port) name. */
  readonly vtep?: string | null;
  /** The VTEP address, with or without a `/prefix`. */
  readonly ip?: string | null;
  readonly class?: string | null;
  readonly vlan?: number | null;
}

/** One br-int tunnel port as observed (ovn-chassis-id and options). */
export interface TunnelInput {
  /** The chassis before '@' in ovn-chassis-id. */
  readonly remoteChassis: string;
  readonly localIp: string;
  readonly remoteIp: string;
  /** Port name; OVN's names say nothing about the endpoints. */
  readonly name?: string | null;
  readonly ofport?: number | null;
}

export interface PodInput {
  /** The logical port (iface-id). */
  readonly name: string;
  readonly chassis: string;
  /** The uplink netdev of the VF's PF, when known. */
  readonly pf?: string | null;
  readonly representor?: string | null;
  /** The Interface's `external_ids:encap-ip`. */
  readonly encapIp?: string | null;
  /** The SB `Port_Binding.encap` IP. */
  readonly bindingEncapIp?: string | null;
}

export interface PathInput {
  readonly from: string;
  readonly to: string;
  readonly localIp: string | null;
  readonly remoteIp: string | null;
  readonly candidates?: readonly { readonly localIp: string; readonly remoteIp: string }[];
  readonly tunnel?: string | null;
  readonly egressDevice?: string | null;
  /** true: ofproto/trace (and ip route get) agreed; false: they disagreed; null/absent: not confirmed. */
  readonly confirmed?: boolean | null;
  readonly detail?: string | null;
  /** What real packets of this pair showed on the PFs (netdev labs: src/probe), when probed. */
  readonly wire?: WireInput | null;
}

/** One PF's share of a probe's frames: where they left or arrived, with their outer headers. */
export interface WireHopInput {
  readonly node: string;
  readonly pf: string;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly vlan: number | null;
  readonly vni: number;
  readonly frames: number;
}

/**
 * The wire evidence of one pod pair, as the probe judged it against the
 * NICs the pods should use: `wire` (right PFs and VTEPs at both ends),
 * `wrong-nic`, `differs` (right PFs, other outer addresses or VLAN),
 * `unreachable` (nothing arrived).
 */
export interface WireInput {
  readonly verdict: 'wire' | 'wrong-nic' | 'differs' | 'unreachable';
  /** One line: `wire`, or what the wire showed instead. */
  readonly text: string;
  readonly expected: {
    readonly localIp: string | null; readonly remoteIp: string | null; readonly vlan: number | null;
    readonly sourcePf: string | null; readonly destinationPf: string | null;
  };
  readonly sent: number;
  readonly replies: number;
  readonly left: readonly WireHopInput[];
  readonly arrived: readonly WireHopInput[];
  readonly differences: readonly string[];
  /** ISO time of the probe (the evidence may be older than the view). */
  readonly probedAt: string;
}

export interface FindingInput {
  readonly check: string;
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
  readonly hint?: string | null;
  readonly chassis?: string | null;
}
