import { contains, parsePrefix } from '../config/nodeSpecIp.ts';

/**
 * The part of a zone's logical routing that decides which transit port a
 * routed packet crosses: its routers' static routes and every transit-switch
 * port with its addresses (structurally observe's ZoneRouting).
 */
export interface LogicalRouting {
  readonly routes: readonly { readonly router: string; readonly prefix: string; readonly nexthop: string; readonly outputPort?: string; readonly steering: boolean }[];
  readonly transitPorts: readonly { readonly lport: string; readonly ips: readonly string[] }[];
  /**
   * Per VIF port of a switch with one router attached: that router port's
   * MAC, the Ethernet destination of the pod's routed frames (absent in
   * snapshots older than this field).
   */
  readonly gateways?: readonly { readonly lport: string; readonly mac: string }[];
}

/** How a routed packet for the destination pod's IP reaches the transit switch in the source zone. */
export interface RoutedHop {
  readonly router: string;
  readonly prefix: string;
  readonly nexthop: string;
  readonly outputPort?: string;
  /** The route is one `mvtep ic steer` wrote. */
  readonly steering: boolean;
}

/**
 * The transit port a routed packet for `ip` crosses, as OVN's router decides
 * it for static routes: the longest prefix holding `ip`, then the transit
 * port whose address is that route's nexthop. Undefined when the zone's
 * routes do not lead to a transit port (or its NB was not read).
 */
export function routedTransitPort(routing: LogicalRouting, ip: string): { lport: string; hop: RoutedHop } | undefined {
  let best: (LogicalRouting['routes'][number] & { len: number }) | undefined;
  for (const r of routing.routes) {
    const p = parsePrefix(r.prefix, false);
    if (!p.ok || !contains(p.value, ip)) continue;
    if (!best || p.value.prefixLength > best.len) best = { ...r, len: p.value.prefixLength };
  }
  if (!best) return undefined;
  const port = routing.transitPorts.find((t) => t.ips.includes(best!.nexthop));
  if (!port) return undefined;
  const { len: _len, ...hop } = best;
  return { lport: port.lport, hop };
}


/** The first IPv4 address of an OVN address entry ("MAC IP[/LEN] ...", as in LSP addresses and Port_Binding.mac). */
export function firstIpv4OfAddresses(entry: string | undefined): string | undefined {
  return entry?.split(/\s+/).slice(1).map((a) => a.split('/')[0]!).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
}
