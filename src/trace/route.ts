/**
 * Who routes a tunnel: the kernel (`ip route get R from V`) on the kernel
 * datapath, OVS's own router (`ovs/route/lookup R src=V`) when the
 * integration bridge is on the userspace datapath. Every route trace shows
 * says which one answered.
 */
import { canonicalIp } from '../config/index.ts';
import { ovsRouterOf } from '../ovn/index.ts';
import { integrationDatapath, ovsLookup, USERSPACE_DATAPATHS, type NodeState, type OvsRouteLookupState, type RouteLookupState } from '../observe/index.ts';
import type { TraceRoute } from './types.ts';

/** The one conversion from an observed kernel route lookup to the trace's route. */
export function traceRoute(l: RouteLookupState): TraceRoute {
  return { from: l.from, to: l.to, table: l.table ?? null, device: l.dev ?? null, gateway: l.gateway ?? null, lookup: 'kernel', ...(l.error ? { error: l.error } : {}) };
}

/** The same for OVS's router (it has tables too, but its lookup does not say which one matched). */
export function ovsTraceRoute(l: OvsRouteLookupState): TraceRoute {
  return { from: l.from, to: l.to, table: null, device: l.dev ?? null, gateway: l.gateway ?? null, lookup: l.bySource ? 'ovs' : 'ovs-destination', ...(l.error ? { error: l.error } : {}) };
}

/** True when OVS, not the kernel, routes this node's tunnels. */
export function ovsRoutesTunnels(node: Pick<NodeState, 'openVswitch' | 'bridges'>): boolean {
  return USERSPACE_DATAPATHS.has(integrationDatapath(node));
}

/** The route of tunnel `from` -> `to` as gathered: OVS's lookup on a userspace datapath, else the kernel's; null when not gathered. */
export function gatheredRoute(node: NodeState | undefined, from: string, to: string): TraceRoute | null {
  if (!node) return null;
  const same = (x: { from: string; to: string }) => canonicalIp(x.from) === canonicalIp(from) && canonicalIp(x.to) === canonicalIp(to);
  if (ovsRoutesTunnels(node)) {
    const o = node.ovsRouter?.lookups.find(same);
    return o ? ovsTraceRoute(o) : null;
  }
  const l = node.routing?.lookups.find(same);
  return l ? traceRoute(l) : null;
}

/** A fresh lookup on OVS's router (by source when the node's OVS routes by source). */
export async function ovsRoute(target: string, node: Pick<NodeState, 'openVswitch'>, from: string, to: string): Promise<TraceRoute> {
  return ovsTraceRoute(await ovsLookup(target, from, to, ovsRouterOf(node.openVswitch.ovsVersion).kind === 'rules'));
}

/** Who answered, for messages: "the kernel" or "OVS's router". */
export function routerName(r: TraceRoute): string {
  return r.lookup === 'kernel' || r.lookup === undefined ? 'the kernel' : 'OVS\'s router';
}

/** The command that gave the route, for steps and messages. */
export function routeCommand(r: TraceRoute): string {
  if (r.lookup === 'ovs') return `ovs/route/lookup ${r.to} src=${r.from}`;
  return r.lookup === 'ovs-destination' ? `ovs/route/lookup ${r.to} (by destination: OVS < 3.7)` : `ip route get ${r.to} from ${r.from}`;
}
