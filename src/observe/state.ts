import type { LogicalRouting, OvsRouteRule } from '../ovn/index.ts';
/**
 * The observed state (what verify checks, trace explains, the dashboard shows): a plain-JSON picture of one or more nodes and the
 * Southbound. Gatherers fill it from a live node, the lab or a snapshot file;
 * the checks only read it. Everything is optional except the arrays, so a
 * partial picture (only --sb, only --ovsdb) still checks what it can.
 */
export const STATE_FORMAT = 'mvtep-verify-state/1';

export type StringMap = Readonly<Record<string, string>>;

export interface GatheredState {
  readonly format: typeof STATE_FORMAT;
  readonly gatheredAt?: string;
  /** OVN version string of the chassis/cluster ("25.03.0"), when known. */
  readonly ovnVersion?: string;
  /** Node-local views (one per --ovsdb / lab chassis). */
  readonly nodes: readonly NodeState[];
  readonly southbound?: SouthboundState;
  /**
   * Interconnect: one entry per zone of the zones file (`verify --zones`),
   * in file order. A zone that could not be read stays, with its error.
   */
  readonly zones?: readonly ZoneState[];
  /** Where each part came from, for the report. */
  readonly sources?: StringMap;
}

export interface ZoneState {
  readonly name: string;
  /** The zone's Southbound; absent when it could not be read. */
  readonly southbound?: SouthboundState;
  /** northd's OVN version in this zone, when its SB tells it. */
  readonly ovnVersion?: string;
  /** Why the zone's Southbound could not be read. */
  readonly error?: string;
  /** The zone's logical routing, when its NB was asked for and read. */
  readonly routing?: ZoneRouting;
  /** Why the zone's NB could not be read (its SB may still be fine). */
  readonly nbError?: string;
}

/** A zone's logical routing as read from its NB (routers' static routes, transit ports): the model's input type. */
export type ZoneRouting = LogicalRouting;

export interface NodeState {
  /** A label for messages; the chassis name (system-id) when known. */
  readonly label: string;
  readonly openVswitch: {
    readonly externalIds: StringMap;
    readonly ovnVersion?: string;
    /** Open_vSwitch:ovs_version as the database holds it (absent when empty, and in older snapshots). */
    readonly ovsVersion?: string;
  };
  /** Interfaces on br-int (VIFs and tunnels). */
  readonly interfaces: readonly InterfaceState[];
  /** br-int ports carrying external_ids:ovn-chassis-id, with their interface. */
  readonly tunnels: readonly TunnelPortState[];
  /**
   * Bridge names and datapath types (absent in older snapshots). The
   * integration bridge's type decides who routes tunnels: the kernel
   * (`system`, honours `ip rule`) or OVS itself (`netdev`, destination only).
   */
  readonly bridges?: readonly BridgeState[];
  readonly sriov?: SriovState;
  readonly routing?: RoutingState;
  /** OVS's own tunnel router, read when the integration bridge is on the userspace datapath. */
  readonly ovsRouter?: OvsRouterState;
  readonly spec?: NodeSpecState;
}

/**
 * What ovs-vswitchd's router holds (`ovs-appctl ovs/route/rule/show`,
 * `ovs/route/lookup`): on a netdev datapath it, not the kernel, picks the
 * device a tunnel leaves through.
 */
export interface OvsRouterState {
  /** The vswitchd control socket it was read from. */
  readonly target: string;
  /** OVS's rule table (OVS >= 3.7; absent on older OVS, which has none). */
  readonly rules?: readonly OvsRouteRule[];
  /** One lookup per local VTEP and remote VTEP of `routing.lookups` (by source on OVS >= 3.7, by destination before). */
  readonly lookups: readonly OvsRouteLookupState[];
  /** Why the router could not be read (the rest is then empty). */
  readonly error?: string;
}

export interface OvsRouteLookupState {
  readonly from: string;
  readonly to: string;
  /** true: `ovs/route/lookup TO src=FROM`; false: by destination only (OVS < 3.7). */
  readonly bySource: boolean;
  readonly dev?: string;
  readonly gateway?: string;
  /** The source address OVS would use. */
  readonly src?: string;
  readonly error?: string;
}

export interface BridgeState {
  readonly name: string;
  /** Bridge.datapath_type as stored: "" (= system), "system", "netdev", "dummy". */
  readonly datapathType: string;
}

export interface InterfaceState {
  readonly name: string;
  readonly type: string;
  /** null when OVS could not create it (ofport -1 or not yet assigned). */
  readonly ofport: number | null;
  readonly externalIds: StringMap;
  readonly options: StringMap;
  readonly error?: string;
}

export interface TunnelPortState {
  readonly port: string;
  /** external_ids:ovn-chassis-id, "<chassis>@<remote>%<local>". */
  readonly chassisId: string;
  readonly type: string;
  readonly localIp: string | undefined;
  readonly remoteIp: string | undefined;
  readonly ofport: number | null;
}

/** SR-IOV discovery results: which netdev is a VF representor of which PF. */
export interface SriovState {
  readonly sysfsRoot: string;
  /** PF uplink netdevs in switchdev mode. */
  readonly pfs: readonly { readonly pf: string; readonly pci: string; readonly switchId: string }[];
  readonly representors: readonly { readonly netdev: string; readonly pf: string; readonly vf: number; readonly vfPci?: string }[];
}

export interface RoutingState {
  readonly netns: string | undefined;
  readonly rules: readonly {
    readonly priority: number; readonly src?: string; readonly srcLen?: number; readonly table: string;
    /** Selectors other than `from` (fwmark, iif, oif, tos, l3mdev, ...), as `ip -j rule` names them; absent when none. */
    readonly selectors?: readonly string[];
  }[];
  readonly routes: readonly { readonly table: string; readonly dst: string; readonly dev?: string; readonly gateway?: string }[];
  readonly addresses: readonly { readonly dev: string; readonly ip: string; readonly prefixLen: number }[];
  readonly links: readonly { readonly name: string; readonly mtu: number; readonly up: boolean }[];
  /** `ip route get <to> from <from>` results. */
  readonly lookups: readonly RouteLookupState[];
  /** Effective rp_filter of the VTEP devices (max of conf.all and conf.<dev>). */
  readonly rpFilter?: readonly { readonly dev: string; readonly effective: number }[];
}

export interface RouteLookupState {
  readonly from: string;
  readonly to: string;
  readonly dev: string | undefined;
  readonly gateway: string | undefined;
  readonly table: string | undefined;
  readonly error?: string;
}

/** The parts of the node spec verify compares against. */
export interface NodeSpecState {
  readonly overlayMtu?: number;
  readonly vteps: readonly {
    readonly pf: string;
    readonly ip: string;
    /** The VTEP subnet's prefix length (absent in older snapshots). */
    readonly prefixLen?: number;
    readonly device?: string;
    readonly bridge?: string;
    readonly vlan?: number;
    readonly table?: number;
    readonly gateway?: string;
  }[];
}

export interface SouthboundState {
  readonly chassis: readonly SbChassis[];
  readonly encaps: readonly SbEncap[];
  readonly portBindings: readonly SbPortBinding[];
}

export interface SbChassis {
  readonly name: string;
  readonly hostname?: string;
  /** UUIDs of this chassis' Encap rows (Chassis.encaps). */
  readonly encaps: readonly string[];
  readonly transportZones: readonly string[];
  /** Only other_config:is-remote, when set (interconnect: a chassis of another zone). */
  readonly otherConfig?: StringMap;
}

export interface SbEncap {
  readonly uuid: string;
  readonly chassisName: string;
  readonly ip: string;
  readonly type: string;
  readonly options: StringMap;
}

export interface SbPortBinding {
  readonly logicalPort: string;
  /** "" for VIFs, "patch", "localnet", ... */
  readonly type: string;
  readonly chassis: string | undefined;
  /** The Encap UUID Port_Binding.encap points at (weak ref). */
  readonly encap: string | undefined;
  /** Port_Binding.up (absent in older snapshots). */
  readonly up?: boolean;
  /** Port_Binding.mac entries ("MAC IP..."), used by trace to build a packet. */
  readonly mac?: readonly string[];
}
