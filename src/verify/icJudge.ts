import {
  destinationCandidates, destinationVerdict, firstIpv4OfAddresses, modelZone, podHomes, routedTransitPort,
  type CrossZoneVerdict, type PodHome, type ZoneBindings, type ZoneModel,
} from '../ovn/index.ts';
import type { CheckContext, SbIndex, ZoneContext } from './context.ts';

/**
 * Every remote port of every readable zone judged against its pod's home
 * VTEP: the one reading of the interconnect state that verify's ic-* checks
 * and the dashboard's zone rows share.
 */

export interface ReadableZone {
  readonly name: string;
  readonly sb: SbIndex;
  readonly bindings: ZoneBindings;
  readonly model: ZoneModel;
}

export interface RemotePortJudgement {
  /** The zone whose SB holds the remote port (where the traffic is sent from). */
  readonly zone: string;
  readonly lport: string;
  /** The remote chassis it is bound to. */
  readonly chassis: string;
  /** The pod's home; undefined for ports that are no pod (transit ports) or whose home is unreadable. */
  readonly home: PodHome | undefined;
  /** IP of the Encap row its Port_Binding.encap references (whichever chassis owns it). */
  readonly written: string | undefined;
  /** VTEPs the traffic may arrive on. */
  readonly candidates: readonly string[];
  readonly verdict: CrossZoneVerdict;
}

export interface IcJudgement {
  readonly zones: readonly ReadableZone[];
  readonly homes: ReadonlyMap<string, PodHome>;
  readonly ports: readonly RemotePortJudgement[];
  /**
   * Per zone whose NB routing was read: the transit ports some remote pod's
   * traffic is routed through (longest-prefix static route, its nexthop's
   * port). A transit port outside this set carries no pod's traffic.
   */
  readonly transitInUse: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A pod's IPv4 address from its home Port_Binding's mac column ("MAC IP ..."), when the state kept it. */
function podIps(ctx: CheckContext, homes: ReadonlyMap<string, PodHome>): Map<string, string> {
  const out = new Map<string, string>();
  for (const zc of ctx.zones) {
    for (const pb of zc.zone.southbound?.portBindings ?? []) {
      if (pb.type !== '' || homes.get(pb.logicalPort)?.zone !== zc.zone.name) continue;
      const ip = firstIpv4OfAddresses(pb.mac?.[0]);
      if (ip) out.set(pb.logicalPort, ip);
    }
  }
  return out;
}

function transitUse(ctx: CheckContext, homes: ReadonlyMap<string, PodHome>): Map<string, Set<string>> {
  const ips = podIps(ctx, homes);
  const out = new Map<string, Set<string>>();
  for (const zc of ctx.zones) {
    const routing = zc.zone.routing;
    if (!routing) continue;
    const used = new Set<string>();
    for (const [lport, ip] of ips) {
      if (homes.get(lport)?.zone === zc.zone.name) continue;
      const r = routedTransitPort(routing, ip);
      if (r) used.add(r.lport);
    }
    out.set(zc.zone.name, used);
  }
  return out;
}

/** The zone through the IC model: its remote chassis and remote ports as its ovn-controllers see them. */
function zoneModel(zc: ZoneContext, b: ZoneBindings, sb: SbIndex): ZoneModel {
  const remoteChassis = [...b.chassis].filter(([, c]) => c.remote).map(([n]) => ({ name: n, encaps: sb.models.get(n)?.encaps ?? [] }));
  const remotePorts = b.ports
    .filter((p) => p.type === 'remote' && p.chassis !== undefined)
    .map((p) => ({ lport: p.lport, chassis: p.chassis!, encapIp: p.encapIp }));
  return modelZone({ name: zc.zone.name, features: zc.features, localChassis: [], remoteChassis, vifs: [], remotePorts });
}

export function judgeInterconnect(ctx: CheckContext): IcJudgement {
  const zones: ReadableZone[] = [];
  for (const zc of ctx.zones) {
    if (zc.sb && zc.bindings) zones.push({ name: zc.zone.name, sb: zc.sb, bindings: zc.bindings, model: zoneModel(zc, zc.bindings, zc.sb) });
  }
  const { homes } = podHomes(zones.map((z) => z.bindings));
  const ports: RemotePortJudgement[] = [];
  for (const z of zones) {
    const written = new Map(z.bindings.ports.filter((p) => p.type === 'remote').map((p) => [p.lport, p.encapIp] as const));
    for (const rp of z.model.remotePorts.values()) {
      const home = homes.get(rp.lport);
      const w = written.get(rp.lport);
      // A written encap is followed as is (even one of another chassis): only its IP matters.
      const candidates = w !== undefined ? [w] : destinationCandidates(rp, z.model.remote.get(rp.chassis));
      const verdict: CrossZoneVerdict = w === undefined ? destinationVerdict(rp, z.model.remote.get(rp.chassis), home?.vtep)
        : home?.vtep === undefined ? 'no-home-vtep' : w === home.vtep ? 'steered' : 'wrong';
      ports.push({ zone: z.name, lport: rp.lport, chassis: rp.chassis, home, written: w, candidates, verdict });
    }
  }
  return { zones, homes, ports, transitInUse: transitUse(ctx, homes) };
}
