import type { NodeSpec } from '../../config/nodeSpec.ts';
import { MVTEP_PROTO, type IpRoute, type IpRule, type LinkState, type RoutingBackend, type RpFilter } from '../../routing/index.ts';
import type { OvsBackend } from './ovsBackend.ts';
import type { OvsState } from './ovsState.ts';

export interface RpFilterState {
  readonly all: RpFilter;
  readonly dev: RpFilter;
  readonly effective: RpFilter;
}

/** Everything the planner looks at, gathered once. */
export interface ObservedUnderlay {
  /** Bridges, ports, interfaces and external_ids (ovsStateFromRows). */
  readonly ovs: OvsState;
  readonly links: readonly LinkState[];
  readonly rules: readonly IpRule[];
  /** Routes of the spec's tables and of every table an mvtep rule points to. */
  readonly routes: readonly IpRoute[];
  /** IPv4 rp_filter per existing VTEP device, plus `default` (what a new device starts with). */
  readonly rpFilter: ReadonlyMap<string, RpFilterState>;
}

export async function observeUnderlay(spec: NodeSpec, ovs: OvsBackend, net: RoutingBackend): Promise<ObservedUnderlay> {
  const [state, links, rules4, rules6] = await Promise.all([ovs.read(), net.listLinks(), net.listRules(4), net.listRules(6)]);
  const rules = [...rules4, ...rules6];
  const tables = new Set(spec.nics.map((n) => String(n.table)));
  for (const r of rules) if (r.protocol === String(MVTEP_PROTO)) tables.add(r.table);
  const routes: IpRoute[] = [];
  for (const t of [...tables].sort()) {
    routes.push(...(await net.listRoutes(4, t)), ...(await net.listRoutes(6, t)));
  }
  const rpFilter = new Map<string, RpFilterState>();
  const names = new Set(links.map((l) => l.name));
  if (spec.nics.some((n) => n.ip.family === 4)) {
    rpFilter.set('default', await net.readRpFilter('default'));
    for (const n of spec.nics) {
      if (n.ip.family === 4 && names.has(n.vtep)) rpFilter.set(n.vtep, await net.readRpFilter(n.vtep));
    }
  }
  return { ovs: state, links, rules, routes, rpFilter };
}
