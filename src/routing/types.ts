export type Family = 4 | 6;

/**
 * iproute2 protocol number that marks rules and routes as mvtep's. 157 is
 * unassigned in /etc/iproute2/rt_protos (and in the kernel's RTPROT_* list),
 * so nothing else on a node writes it; mvtep only ever deletes entries that
 * carry it. `ip rule`/`ip route` print it as "157".
 */
export const MVTEP_PROTO = 157;

/** One `ip rule` entry (only the selectors mvtep uses). */
export interface IpRule {
  readonly family: Family;
  readonly priority: number;
  /** Source selector as `ADDR` (host) or `ADDR/LEN`; undefined means `all`. */
  readonly src?: string;
  readonly table: string;
  /** As iproute2 prints it: a number ("157") or a name ("static"). */
  readonly protocol?: string;
  /** Other selectors (iif, fwmark, ...) present: never ours, shown for conflicts. */
  readonly other?: boolean;
  /** Those other selectors by `ip -j rule`'s key names (`fwmark`, `iif`, `tos`, ...). */
  readonly selectors?: readonly string[];
}

/** One route in a table. */
export interface IpRoute {
  readonly family: Family;
  readonly table: string;
  /** `ADDR/LEN` (iproute2 prints host routes without /LEN; we add it). */
  readonly dst: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly scope?: string;
  readonly prefsrc?: string;
  readonly protocol?: string;
  readonly metric?: number;
  readonly type?: string;
}

export interface LinkAddress {
  readonly family: Family;
  readonly address: string;
  readonly prefixLength: number;
  readonly scope?: string;
  readonly tentative?: boolean;
}

export interface LinkState {
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  readonly kind?: string;
  readonly addresses: readonly LinkAddress[];
}

/** Result of `ip route get DST from SRC`. */
export interface RouteLookup {
  readonly dst: string;
  readonly from?: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly table?: string;
  readonly prefsrc?: string;
}

export type RpFilter = 0 | 1 | 2;

/**
 * What the underlay needs from a node's kernel. The iproute2 backend
 * implements it over `ip -json`; plan logic only sees data.
 */
export interface RoutingBackend {
  readonly netns?: string;
  listLinks(): Promise<LinkState[]>;
  link(name: string): Promise<LinkState | undefined>;
  listRules(family: Family): Promise<IpRule[]>;
  listRoutes(family: Family, table: string | number): Promise<IpRoute[]>;
  addAddress(dev: string, address: string, prefixLength: number): Promise<void>;
  deleteAddress(dev: string, address: string, prefixLength: number): Promise<void>;
  setLinkUp(dev: string, up: boolean): Promise<void>;
  setMtu(dev: string, mtu: number): Promise<void>;
  /** Adds `rule` with protocol MVTEP_PROTO (any `protocol` in it is ignored). */
  addRule(rule: IpRule): Promise<void>;
  /** Deletes a rule; refuses unless it carries MVTEP_PROTO. */
  deleteRule(rule: IpRule): Promise<void>;
  addRoute(route: IpRoute): Promise<void>;
  deleteRoute(route: IpRoute): Promise<void>;
  routeGet(dst: string, from?: string): Promise<RouteLookup>;
  /** The effective value for `dev`: max(conf.all, conf.<dev>), as the kernel applies it. */
  readRpFilter(dev: string): Promise<{ readonly all: RpFilter; readonly dev: RpFilter; readonly effective: RpFilter }>;
  writeRpFilter(dev: string, value: RpFilter): Promise<void>;
}
