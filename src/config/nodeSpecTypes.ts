import type { IpPrefix, Family } from './nodeSpecIp.ts';

/** One NIC of the node: its PF, the PF's OVS bridge and the VTEP internal port on it. */
export interface NicSpec {
  readonly index: number;
  readonly pf: string;
  readonly bridge: string;
  readonly vtep: string;
  /** The VTEP address with its subnet's prefix length. */
  readonly ip: IpPrefix;
  readonly vlan?: number;
  /** Routing table holding this VTEP's routes. */
  readonly table: number;
  /** `ip rule` preference of `from <vtep ip> lookup <table>`. */
  readonly priority: number;
  readonly class?: string;
  /** MTU of the VTEP device (>= overlayMtu + encapsulation overhead). */
  readonly mtu: number;
  /** Fabric gateway for the supernets of this VTEP's family, if any supernet needs one. */
  readonly gateway?: string;
}

export type DatapathType = 'system' | 'netdev';

export interface NodeSpec {
  /** The file the spec came from (or a label), for messages. */
  readonly source: string;
  /** Chassis name, written as `system-id` when given. */
  readonly node?: string;
  /** `ovn-encap-type` when given (e.g. `geneve` or `geneve,vxlan`). */
  readonly encapType?: string;
  /** VTEP device name whose IP becomes `ovn-encap-ip-default`. */
  readonly defaultVtep?: string;
  readonly overlayMtu: number;
  readonly datapathType: DatapathType;
  /** Underlay networks reached through the VTEPs (routed via the gateway in each VTEP's table). */
  readonly supernets: readonly IpPrefix[];
  /** Fabric gateways as written in `routing.gateway` (at most one per family). */
  readonly gateways: readonly string[];
  readonly nics: readonly NicSpec[];
}

/** Bytes Geneve adds on top of the overlay MTU (outer IP + UDP + Geneve + inner Ethernet). */
export const ENCAP_OVERHEAD: Record<Family, number> = { 4: 58, 6: 78 };

/** First table (and priority) id: 6081 is Geneve's UDP port, easy to recognise in `ip rule`. */
export const FIRST_TABLE = 6081;
