import type { WireInput } from './inputs.ts';
/**
 * The dashboard's data: one plain, JSON-serialisable snapshot of a cluster
 * (or lab) as the page draws it. The server sends it whole on every change,
 * so the page never has to merge partial updates.
 */

/** The seed's traffic classes; any other label is shown as "other". */
export const TRAFFIC_CLASSES = ['management', 'streaming', 'storage'] as const;

import type { Severity } from '../util/severity.ts';
export type { Severity };

/**
 * How one pod-to-pod path compares with what the underlay intends:
 * - `ok`: confirmed by ofproto/trace (and the kernel when known), leaving on the pod's NIC;
 * - `wrong-nic`: confirmed, but it leaves on another VTEP or device than the pod's NIC;
 * - `disagree`: the real datapath or kernel disagrees with the predicted path;
 * - `unconfirmed`: predicted only (no confirmation available or run).
 */
export type PathStatus = 'ok' | 'wrong-nic' | 'disagree' | 'unconfirmed';
/** A row's status is its worst path's, or `untraced` when it has none. */
export type RowStatus = PathStatus | 'untraced';

export interface DashboardView {
  readonly version: 1;
  readonly generatedAt: string;
  readonly source: { readonly kind: 'demo' | 'lab' | 'cluster' | 'snapshot'; readonly name: string };
  readonly chassis: readonly ChassisView[];
  readonly vteps: readonly VtepView[];
  /** Unordered VTEP pairs on different chassis: what the graph draws as one line. */
  readonly links: readonly TunnelLinkView[];
  /** Directed tunnel ports seen on each chassis' br-int (empty when not observable). */
  readonly tunnels: readonly TunnelPortView[];
  readonly steering: readonly SteeringRow[];
  readonly findings: readonly FindingView[];
  readonly summary: ViewSummary;
  /** Interconnect zones, in zones-file order (ui --zones); absent otherwise. */
  readonly zones?: readonly ZoneView[];
  /** Cells of the zone x zone matrix that hold remote pod ports. */
  readonly crossZone?: readonly CrossZoneCell[];
}

export interface ChassisView {
  readonly name: string;
  readonly hostname: string | null;
  readonly encapIps: readonly string[];
  readonly defaultEncapIp: string | null;
  readonly bridges: readonly BridgeView[];
  readonly pods: number;
}

export interface BridgeView {
  readonly name: string;
  readonly pf: string | null;
  readonly vtepId: string | null;
  readonly class: string | null;
}

export interface VtepView {
  /** `<chassis>/<ip>`: unique, since OVN forbids one (ip, type) on two chassis. */
  readonly id: string;
  readonly chassis: string;
  readonly ip: string;
  readonly device: string | null;
  readonly pf: string | null;
  readonly bridge: string | null;
  readonly class: string | null;
  readonly vlan: number | null;
  readonly isDefault: boolean;
  /** Index in OVN's encap_ips order (spec §5.1), the value carried in reg13[16..31]. */
  readonly encapId: number | null;
}

export interface TunnelPortView {
  readonly chassis: string;
  readonly remoteChassis: string;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly name: string | null;
  readonly ofport: number | null;
}

export interface TunnelLinkView {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  /** The class both ends share, or null for a cross-class pair. */
  readonly class: string | null;
  /** Directed tunnel ports observed for this pair (0, 1 or 2). */
  readonly ports: number;
  /** Both chassis' tunnel ports were readable, so `ports < 2` means missing tunnels. */
  readonly observed: boolean;
  /** Some steering path uses this pair. */
  readonly used: boolean;
}

export interface EndpointPair {
  readonly localIp: string;
  readonly remoteIp: string;
}

export interface PathView {
  readonly peer: string;
  readonly peerNode: string;
  readonly localIp: string | null;
  /** Null when OVN's choice is arbitrary (the peer has no encap). */
  readonly remoteIp: string | null;
  readonly candidates: readonly EndpointPair[];
  readonly tunnel: string | null;
  readonly egressDevice: string | null;
  readonly expectedLocalIp: string | null;
  readonly expectedRemoteIp: string | null;
  readonly expectedEgressDevice: string | null;
  readonly confirmed: boolean | null;
  readonly detail: string | null;
  readonly status: PathStatus;
  /** The graph link this path travels on, when both ends are known VTEPs. */
  readonly linkId: string | null;
  /** Real packets of this pair on the PFs (netdev lab), null when not probed. */
  readonly wire: WireInput | null;
}

export interface SteeringRow {
  readonly pod: string;
  readonly node: string;
  readonly class: string | null;
  readonly nic: string | null;
  readonly representor: string | null;
  /** The VTEP of the pod's NIC: where its traffic should leave. */
  readonly expectedVtep: string | null;
  /** The VTEP its traffic really leaves from (the paths' local IP when they agree). */
  readonly vtep: string | null;
  readonly vtepDevice: string | null;
  readonly egressDevice: string | null;
  readonly encapIp: string | null;
  readonly bindingEncapIp: string | null;
  readonly paths: readonly PathView[];
  readonly confirmed: boolean;
  readonly status: RowStatus;
}

export interface FindingView {
  readonly check: string;
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
  readonly hint: string | null;
  readonly chassis: string | null;
}

export interface ViewSummary {
  readonly chassis: number;
  readonly vteps: number;
  readonly links: number;
  readonly tunnelPorts: number;
  readonly pods: number;
  readonly paths: number;
  readonly pathsConfirmed: number;
  readonly pathsOk: number;
  /** Paths probed on the wire, and of those seen on their own NICs at both ends. */
  readonly pathsProbed: number;
  readonly pathsOnWire: number;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

/** Remote pod ports by what traffic to them targets against the pod's own VTEP. */
export interface VerdictCounts {
  readonly steered: number;
  readonly arbitrary: number;
  readonly wrong: number;
  readonly noHomeVtep: number;
}

/** One interconnect zone (ui --zones): what its SB shows and how it reaches the other zones' pods. */
export interface ZoneView {
  readonly name: string;
  readonly reachable: boolean;
  readonly error: string | null;
  readonly ovnVersion: string | null;
  /** Chassis local to the zone (one per zone in OVN-Kubernetes). */
  readonly chassis: readonly string[];
  readonly remoteChassis: number;
  /** VIF ports bound to the zone's own chassis. */
  readonly pods: number;
  /** This zone's remote ports of other zones' pods. */
  readonly remotePods: VerdictCounts;
  /** Remote ports that are no pod of a readable zone (L3 transit ports, pods of unreachable zones). */
  readonly otherRemotePorts: number;
}

/** Remote pod ports in zone `from` whose pod lives in zone `to`, by verdict: the cross-zone matrix. */
export interface CrossZoneCell extends VerdictCounts {
  readonly from: string;
  readonly to: string;
}
