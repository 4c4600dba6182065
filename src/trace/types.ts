import type { CrossZoneVerdict, EgressReason } from '../ovn/index.ts';

/** One hop of the explanation, in path order. */
export type TraceStepKind =
  | 'source-vif' | 'representor' | 'pf' | 'local-vtep' | 'encap-id' | 'tunnel' | 'kernel-route' | 'ovs-route'
  | 'bridge' | 'vlan' | 'uplink' | 'remote-chassis' | 'route' | 'remote-port' | 'home-vtep' | 'remote-vtep' | 'destination-vif';

export interface TraceStep {
  readonly step: TraceStepKind;
  /** One line for humans. */
  readonly text: string;
}

export interface TraceEndpoints {
  readonly local_ip: string;
  readonly remote_ip: string;
}

export interface TraceTunnel {
  readonly ovn_chassis_id: string;
  /** br-int port name, null when only the model knows the tunnel. */
  readonly name: string | null;
  readonly ofport: number | null;
  readonly type: string;
  readonly local_ip: string;
  readonly remote_ip: string;
}

export interface TraceRoute {
  readonly from: string;
  readonly to: string;
  readonly table: string | null;
  readonly device: string | null;
  readonly gateway: string | null;
  readonly error?: string;
  /**
   * Who answered: `kernel` (ip route get, the kernel datapath), `ovs` (OVS's
   * own router by source, a userspace datapath on OVS >= 3.7) or
   * `ovs-destination` (its router by destination only, OVS < 3.7).
   */
  readonly lookup?: 'kernel' | 'ovs' | 'ovs-destination';
}

export interface ConfirmResult {
  /** ofproto/trace's output tunnel (null: dropped, local or several outputs). */
  readonly observed: TraceEndpoints & { readonly tunnel: string; readonly ofport: number } | null;
  readonly observed_kind: 'tunnel' | 'local' | 'dropped' | 'other';
  /** The kernel's egress for the observed tunnel (ip route get), when a netns is known. */
  readonly observed_route: TraceRoute | null;
  /** true: the observed tunnel is one of the candidates (equal to it when determined) and the route matches. */
  readonly agrees: boolean;
  readonly differences: readonly string[];
}

/** What `mvtep trace --json` prints (snake_case: consumed by scripts and the dashboard). */
export interface TraceResult {
  readonly from: string;
  readonly to: string;
  readonly source_chassis: string;
  readonly destination_chassis: string;
  readonly reason: EgressReason;
  readonly determined: boolean;
  readonly encap_id: number;
  /** null when the candidates differ in local IP (OVN falls back to any tunnel). */
  readonly local_ip: string | null;
  /** null when OVN's choice of the remote VTEP is arbitrary. */
  readonly remote_ip: string | null;
  readonly candidates: readonly TraceEndpoints[];
  /** The tunnel when determined, else null (see candidate_tunnels). */
  readonly tunnel: TraceTunnel | null;
  readonly candidate_tunnels: readonly TraceTunnel[];
  /** Kernel route of the (determined) tunnel. */
  readonly route: TraceRoute | null;
  /** The kernel's egress device when every candidate leaves through the same one. */
  readonly egress_device: string | null;
  readonly source: {
    readonly interface: string | null;
    readonly ofport: number | null;
    readonly encap_ip: string | null;
    readonly binding_encap_ip: string | null;
    readonly representor_of: { readonly pf: string; readonly vf: number } | null;
    readonly pf_mapped_ip: string | null;
    readonly mac: string | null;
    readonly ip: string | null;
  };
  readonly destination: { readonly binding_encap_ip: string | null; readonly mac: string | null; readonly ip: string | null };
  readonly underlay: { readonly bridge: string | null; readonly vlan: number | null; readonly pf: string | null; readonly device: string | null } | null;
  readonly steps: readonly TraceStep[];
  readonly warnings: readonly string[];
  confirm?: ConfirmResult;
  /** Across interconnect zones (trace --zones); camelCase only, it has no old names. */
  readonly interconnect?: TraceInterconnect;
}

/** The cross-zone half of a trace: where both pods live and what the path targets against the destination pod's own VTEP. */
export interface TraceInterconnect {
  readonly sourceZone: string;
  readonly destinationZone: string;
  /** The source zone's port the packet is sent to; null within one zone. */
  readonly remotePort: {
    readonly lport: string; readonly transit: boolean; readonly encapIp: string | null;
    /** On a routed path whose zone NB was read: the route that leads to this transit port. */
    readonly route?: { readonly router: string; readonly prefix: string; readonly nexthop: string; readonly outputPort?: string; readonly steering: boolean };
  } | null;
  /** The destination pod's Port_Binding.encap IP in its home zone (or its chassis' only VTEP). */
  readonly destinationHomeVtep: string | null;
  /** What the path targets against that VTEP; null within one zone. */
  readonly verdict: CrossZoneVerdict | null;
}
