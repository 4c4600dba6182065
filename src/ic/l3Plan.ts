import { fromBigInt, toBigInt, type IpPrefix } from '../config/nodeSpecIp.ts';
import { firstIpv4OfAddresses } from '../ovn/index.ts';
import type { IcZoneNorthbound, IcZoneSouthbound, NbRouter, NbSwitch } from '../observe/index.ts';
import type { PendingPort, PodHome } from './l2Plan.ts';

/**
 * Steering of L3 (routed, OVN-Kubernetes' default network) cross-zone
 * traffic, as pure data. Upstream, each node's router reaches every other
 * node through ONE transit port, bound to the remote chassis without an
 * Encap, so traffic arrives on an arbitrary VTEP. Per zone N and per VTEP
 * index k, mvtep adds one router port `mvtep-ts-N-k` (an address in the k-th
 * steering subnet, gateway chassis = N's node) and its transit-switch peer
 * `mvtep-tstor-N-k`; ovn-ic publishes that peer to every other zone as a
 * remote port, which L2 steering pins to N's k-th VTEP. Each router then
 * routes every remote pod's /32 through the port of that pod's VTEP index.
 * The k-th VTEP of a node is the k-th of its VTEP IPs in address order.
 */

/** external_ids key on every NB row L3 steering creates (value `l3`), and on no other row. */
export const L3_MARKER_KEY = 'mvtep-ic-steer';
export const L3_MARKER_VALUE = 'l3';
/** On a steering route: the pod it routes and that pod's home zone. */
export const ROUTE_POD_KEY = 'mvtep-ic-pod';
export const ROUTE_ZONE_KEY = 'mvtep-ic-zone';

export const steerRouterPort = (zone: string, k: number) => `mvtep-ts-${zone}-${k}`;
export const steerTransitPort = (zone: string, k: number) => `mvtep-tstor-${zone}-${k}`;

export interface L3Zone {
  readonly name: string;
  readonly nb: IcZoneNorthbound | undefined;
  readonly sb: IcZoneSouthbound | undefined;
}

/** One steering port pair of a zone, as it must be. */
export interface SteerPortSpec {
  readonly k: number;
  readonly routerPort: string;
  readonly transitPort: string;
  readonly mac: string;
  /** `ADDR/LEN` in the k-th steering subnet. */
  readonly network: string;
  readonly chassis: string;
}

export interface SteerRouteSpec {
  readonly pod: string;
  readonly podZone: string;
  readonly prefix: string;
  readonly nexthop: string;
  readonly outputPort: string;
}

/** The NB changes of one zone; rows are named by what they are, UUIDs only for removals. */
export interface NbZonePlan {
  readonly zone: string;
  readonly router: string | undefined;
  readonly transitSwitch: string | undefined;
  readonly addPorts: readonly SteerPortSpec[];
  /** Owned router ports (and their transit peers) to remove: renumbered or no longer wanted. */
  readonly removePorts: readonly { readonly routerPort: string; readonly lrpUuid?: string; readonly lspUuid?: string }[];
  readonly addRoutes: readonly SteerRouteSpec[];
  readonly removeRoutes: readonly { readonly uuid: string; readonly prefix: string }[];
  /** Steering routes already as they must be. */
  readonly routesOk: number;
  readonly pending: readonly PendingPort[];
}

export interface L3Plan {
  readonly zones: readonly NbZonePlan[];
  /** Homes of every zone's transit peers, for L2 steering to pin them in the other zones. */
  readonly transitHomes: readonly PodHome[];
  /** Remote transit peers ovn-ic (and northd's binding) have yet to make: `zone` lacks `lport` bound to its home chassis. */
  readonly awaitingSync: readonly { readonly zone: string; readonly lport: string }[];
}

const isOwned = (ids: Readonly<Record<string, string>>) => ids[L3_MARKER_KEY] === L3_MARKER_VALUE;

/** `0a:58` and the four address bytes: OVN-Kubernetes' rule for router-port MACs. */
export function macForIpv4(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

function hostIn(subnet: IpPrefix, n: number): string | undefined {
  const size = 2n ** BigInt(32 - subnet.prefixLength);
  if (BigInt(n) >= size - 1n) return undefined;
  return fromBigInt(toBigInt(subnet.network) + BigInt(n), 4);
}

/** The zone's node chassis: its one local (non-remote) chassis in its own SB. */
function localChassis(sb: IcZoneSouthbound): string[] {
  return [...sb.chassis.values()].filter((c) => !c.remote).map((c) => c.name).sort();
}

/** A chassis' VTEP IPs in address order (the index k of each). */
export function vtepOrder(sb: IcZoneSouthbound, chassis: string): string[] {
  const ips = new Set<string>();
  for (const u of sb.chassis.get(chassis)?.encaps ?? []) {
    const e = sb.encaps.get(u);
    if (e) ips.add(e.ip);
  }
  return [...ips].sort((a, b) => (toBigInt(a) < toBigInt(b) ? -1 : toBigInt(a) > toBigInt(b) ? 1 : 0));
}

interface ZoneL3 {
  readonly zone: L3Zone & { nb: IcZoneNorthbound; sb: IcZoneSouthbound };
  readonly index: number;
  readonly chassis: string;
  readonly vteps: readonly string[];
  readonly ts: NbSwitch;
  readonly router: NbRouter;
}

/** The zone's transit switch and the router attached to it by a port not ours; or why there is none. */
function findL3(z: L3Zone & { nb: IcZoneNorthbound; sb: IcZoneSouthbound }, index: number): ZoneL3 | string | undefined {
  const ts = z.nb.switches.filter((s) => s.transit);
  if (ts.length === 0) return undefined; // no L3 network in this zone: nothing to steer
  if (ts.length > 1) return `several transit switches (${ts.map((s) => s.name).sort().join(', ')}): L3 steering handles one`;
  const transit = ts[0]!;
  const peerNames = new Set(transit.ports.filter((p) => p.type === 'router' && !isOwned(p.externalIds)).map((p) => p.options['router-port']));
  const routers = z.nb.routers.filter((r) => r.ports.some((p) => peerNames.has(p.name)));
  if (routers.length !== 1) return routers.length === 0 ? undefined : `several routers on ${transit.name}: L3 steering handles one`;
  const chassis = localChassis(z.sb);
  if (chassis.length !== 1) return `${chassis.length} local chassis in this zone: L3 steering needs exactly one (one zone per node)`;
  return { zone: z, index, chassis: chassis[0]!, vteps: vtepOrder(z.sb, chassis[0]!), ts: transit, router: routers[0]! };
}

/** Pods on the router's switches (other than the transit switch), with their home VTEP index. */
function routedPods(l3: ZoneL3, pending: PendingPort[]): { lport: string; ip: string; k: number }[] {
  const { nb, sb } = l3.zone;
  const lrpNames = new Set(l3.router.ports.map((p) => p.name));
  const out: { lport: string; ip: string; k: number }[] = [];
  for (const s of nb.switches) {
    if (s.transit || !s.ports.some((p) => p.type === 'router' && lrpNames.has(p.options['router-port'] ?? ''))) continue;
    for (const p of s.ports) {
      if (p.type !== '') continue;
      const ip = firstIpv4OfAddresses(p.addresses[0]);
      if (!ip) continue;
      const pb = sb.portBindings.find((b) => b.logicalPort === p.name && b.type === '');
      if (!pb || pb.chassis !== l3.chassis) continue; // not bound on the node yet: nothing arrives for it
      const vtep = pb.encap !== undefined ? sb.encaps.get(pb.encap)?.ip : l3.vteps.length === 1 ? l3.vteps[0] : undefined;
      const k = vtep === undefined ? -1 : l3.vteps.indexOf(vtep);
      if (k < 0) {
        pending.push({ lport: p.name, reason: 'no VTEP known for it in its home zone (no Port_Binding.encap on a multi-VTEP chassis)' });
        continue;
      }
      out.push({ lport: p.name, ip, k });
    }
  }
  return out;
}

/**
 * The NB writes that give every readable zone its steering ports and routes,
 * and the homes of the transit peers. `subnets[k]` holds every zone's k-th
 * steering port; zone number i (1-based, zones-file order) takes host i.
 */
export function planL3(zones: readonly L3Zone[], subnets: readonly IpPrefix[]): L3Plan {
  const found = new Map<string, ZoneL3>();
  const problems = new Map<string, string>();
  zones.forEach((z, i) => {
    if (!z.nb || !z.sb) return;
    const r = findL3(z as ZoneL3['zone'], i + 1);
    if (typeof r === 'string') problems.set(z.name, r);
    else if (r) found.set(z.name, r);
  });
  const pendingOf = new Map<string, PendingPort[]>();
  const pods = new Map<string, { lport: string; ip: string; k: number }[]>();
  for (const [name, l3] of found) {
    const pending: PendingPort[] = [];
    if (l3.vteps.length > subnets.length) {
      pending.push({ lport: l3.router.name, reason: `${l3.chassis} has ${l3.vteps.length} VTEPs but --l3-subnets gives ${subnets.length}` });
    }
    pods.set(name, routedPods(l3, pending).filter((p) => p.k < subnets.length));
    pendingOf.set(name, pending);
  }
  const specFor = (l3: ZoneL3, k: number): SteerPortSpec | undefined => {
    const ip = hostIn(subnets[k]!, l3.index);
    if (!ip) return undefined;
    return { k, routerPort: steerRouterPort(l3.zone.name, k), transitPort: steerTransitPort(l3.zone.name, k), mac: macForIpv4(ip), network: `${ip}/${subnets[k]!.prefixLength}`, chassis: l3.chassis };
  };
  const plans: NbZonePlan[] = [];
  const transitHomes: PodHome[] = [];
  const awaitingSync: { zone: string; lport: string }[] = [];
  for (const z of zones) {
    if (!z.nb || !z.sb) continue;
    const l3 = found.get(z.name);
    if (!l3) {
      const problem = problems.get(z.name);
      plans.push({ zone: z.name, router: undefined, transitSwitch: undefined, addPorts: [], removePorts: [], addRoutes: [], removeRoutes: [], routesOk: 0,
        pending: problem ? [{ lport: '(zone)', reason: problem }] : [] });
      continue;
    }
    const pending = pendingOf.get(z.name)!;
    const want: SteerPortSpec[] = [];
    subnets.forEach((_, k) => {
      const s = specFor(l3, k);
      if (s) want.push(s);
      else pending.push({ lport: steerRouterPort(z.name, k), reason: `steering subnet ${k} is too small for zone number ${l3.index}` });
    });
    const lrps = new Map(l3.router.ports.filter((p) => isOwned(p.externalIds)).map((p) => [p.name, p]));
    const lsps = new Map(l3.ts.ports.filter((p) => isOwned(p.externalIds)).map((p) => [p.options['router-port'] ?? p.name, p]));
    const addPorts: SteerPortSpec[] = [];
    const removePorts: NbZonePlan['removePorts'][number][] = [];
    for (const w of want) {
      const lrp = lrps.get(w.routerPort);
      const lsp = lsps.get(w.routerPort);
      const ok = lrp && lsp && lrp.mac === w.mac && lrp.networks.length === 1 && lrp.networks[0] === w.network
        && lrp.gatewayChassis.length === 1 && lrp.gatewayChassis[0] === w.chassis && lsp.name === w.transitPort;
      if (ok) continue;
      // A port to renumber goes in this pass and comes back in the next (one name, one row per commit).
      if (lrp || lsp) removePorts.push({ routerPort: w.routerPort, ...(lrp ? { lrpUuid: lrp.uuid } : {}), ...(lsp ? { lspUuid: lsp.uuid } : {}) });
      else addPorts.push(w);
    }
    const wanted = new Set(want.map((w) => w.routerPort));
    for (const name of new Set([...lrps.keys(), ...lsps.keys()])) {
      if (wanted.has(name)) continue;
      const lrp = lrps.get(name);
      const lsp = lsps.get(name);
      removePorts.push({ routerPort: name, ...(lrp ? { lrpUuid: lrp.uuid } : {}), ...(lsp ? { lspUuid: lsp.uuid } : {}) });
    }
    // This zone's transit peers, pinned elsewhere to the VTEP of the same index.
    want.filter((w) => w.k < l3.vteps.length && lsps.get(w.routerPort)?.name === w.transitPort && !addPorts.includes(w))
      .forEach((w) => transitHomes.push({ lport: w.transitPort, zone: z.name, chassis: l3.chassis, vtep: l3.vteps[w.k] }));

    // Routes: every routed pod of every other readable zone through the port of its VTEP index.
    const routes: SteerRouteSpec[] = [];
    for (const [other, otherL3] of found) {
      if (other === z.name) continue;
      for (const p of pods.get(other)!) {
        const hop = specFor(otherL3, p.k);
        const out = want.find((w) => w.k === p.k);
        if (!hop || !out) continue;
        routes.push({ pod: p.lport, podZone: other, prefix: `${p.ip}/32`, nexthop: hop.network.split('/')[0]!, outputPort: out.routerPort });
      }
    }
    const readable = new Set(zones.filter((x) => x.nb && x.sb).map((x) => x.name));
    const key = (r: { prefix: string; nexthop: string; outputPort: string | undefined }) => `${r.prefix}|${r.nexthop}|${r.outputPort ?? ''}`;
    const have = new Map<string, string>();
    const removeRoutes: { uuid: string; prefix: string }[] = [];
    for (const r of l3.router.staticRoutes) {
      if (!isOwned(r.externalIds)) continue;
      const k = key({ prefix: r.ipPrefix, nexthop: r.nexthop, outputPort: r.outputPort });
      const wantedRoute = routes.some((w) => key(w) === k);
      // A route for a pod whose home zone cannot be read now is kept: its truth is unknown, not changed.
      const podZone = r.externalIds[ROUTE_ZONE_KEY];
      if (wantedRoute && !have.has(k)) have.set(k, r.uuid);
      else if (wantedRoute || podZone === undefined || readable.has(podZone)) removeRoutes.push({ uuid: r.uuid, prefix: r.ipPrefix });
    }
    const addRoutes = routes.filter((w) => !have.has(key(w)));
    plans.push({ zone: z.name, router: l3.router.name, transitSwitch: l3.ts.name, addPorts, removePorts, addRoutes, removeRoutes, routesOk: routes.length - addRoutes.length, pending });
  }
  // Every zone with L3 must see every other zone's transit peers before their pins can be written.
  for (const home of transitHomes) {
    for (const z of zones) {
      if (z.name === home.zone || !z.sb || !found.has(z.name)) continue;
      // Published means bound too: northd binds the remote port to its requested chassis a moment after ovn-ic creates it.
      if (!z.sb.portBindings.some((b) => b.logicalPort === home.lport && b.type === 'remote' && b.chassis === home.chassis)) awaitingSync.push({ zone: z.name, lport: home.lport });
    }
  }
  return { zones: plans, transitHomes, awaitingSync };
}

/** The NB changes that take back everything L3 steering created in each readable zone. */
export function planL3Uninstall(zones: readonly L3Zone[]): NbZonePlan[] {
  return zones.filter((z) => z.nb).map((z) => {
    const removePorts: { routerPort: string; lrpUuid?: string; lspUuid?: string }[] = [];
    const removeRoutes: { uuid: string; prefix: string }[] = [];
    for (const r of z.nb!.routers) {
      for (const p of r.ports) if (isOwned(p.externalIds)) removePorts.push({ routerPort: p.name, lrpUuid: p.uuid });
      for (const s of r.staticRoutes) if (isOwned(s.externalIds)) removeRoutes.push({ uuid: s.uuid, prefix: s.ipPrefix });
    }
    for (const s of z.nb!.switches) for (const p of s.ports) if (isOwned(p.externalIds)) removePorts.push({ routerPort: p.options['router-port'] ?? p.name, lspUuid: p.uuid });
    return { zone: z.name, router: undefined, transitSwitch: undefined, addPorts: [], removePorts, addRoutes: [], removeRoutes, routesOk: 0, pending: [] };
  });
}

/** Number of NB changes a zone plan makes. */
export function nbChangeCount(p: NbZonePlan): number {
  return p.addPorts.length + p.removePorts.length + p.addRoutes.length + p.removeRoutes.length;
}
