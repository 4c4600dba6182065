import { chassisHomes } from '../../ovn/index.ts';
import type { CheckContext } from '../context.ts';
import { judgeInterconnect, type ReadableZone, type RemotePortJudgement } from '../icJudge.ts';
import type { Finding } from '../findings.ts';
import { finding, sample } from './util.ts';

/**
 * Interconnect checks (verify --zones): each zone's remote ports and remote
 * chassis judged against the zone where the pod or chassis lives. A pod's
 * home is the zone whose SB binds its VIF port to a local chassis; its home
 * VTEP is that Port_Binding's encap IP (or the chassis' only VTEP).
 */

const STEER_HINT = 'run `mvtep ic steer --zones FILE` (once with --once, or as a controller): it pins every remote pod port to its pod\'s home VTEP in every zone';

/**
 * Remote ports grouped by the chassis they are bound to (the pods' node): one
 * finding per node and cause, with counts of ports, pods and zones, not one
 * per zone and node (a 50-node cluster would list 2450 of the same cause).
 */
class Groups {
  private readonly m = new Map<string, { chassis: string; ports: { zone: string; lport: string; item: string }[] }>();
  add(p: RemotePortJudgement, item = p.lport): void {
    const g = this.m.get(p.chassis) ?? { chassis: p.chassis, ports: [] };
    g.ports.push({ zone: p.zone, lport: p.lport, item: `${item} in ${p.zone}` });
    this.m.set(p.chassis, g);
  }
  /** Sorted: stable messages whatever the SB row order. */
  *[Symbol.iterator]() {
    for (const g of this.m.values()) {
      yield {
        chassis: g.chassis, count: g.ports.length,
        pods: new Set(g.ports.map((p) => p.lport)).size,
        zones: [...new Set(g.ports.map((p) => p.zone))].sort(),
        items: g.ports.map((p) => p.item).sort(),
      };
    }
  }
}

function remotePortChecks(zones: readonly ReadableZone[], ports: readonly RemotePortJudgement[], transitInUse: ReadonlyMap<string, ReadonlySet<string>>): Finding[] {
  const out: Finding[] = [];
  let idle = 0;
  const arbitrary = new Groups();
  const unreachableVtep = new Groups();
  const unknownHome = new Groups();
  const drift = new Groups();
  for (const p of ports) {
    if (p.written !== undefined) {
      if (p.verdict === 'wrong') drift.add(p, `${p.lport} (${p.written}, home ${p.home!.vtep})`);
    } else if (p.verdict === 'arbitrary') arbitrary.add(p);
    else if (p.verdict === 'wrong') unreachableVtep.add(p, `${p.lport} (home ${p.home!.vtep})`);
    else if (p.verdict === 'no-home-vtep' && p.candidates.length >= 2) {
      // A transit port no routed pod's traffic uses (every pod has a steering route past it) cannot misdirect anything.
      if (p.home === undefined && transitInUse.get(p.zone)?.has(p.lport) === false) idle++;
      else unknownHome.add(p);
    }
  }
  if (idle > 0) {
    out.push(finding('ic-destination-arbitrary', 'info', 'transit ports',
      `${idle} unpinned transit port(s) carry no pod's traffic: the zones route every remote pod past them (steering routes of mvtep ic steer --l3-subnets); only traffic to other addresses of those nodes uses them`,
      'nothing to do for pods; see docs/interconnect.md'));
  }
  // The chassis' VTEPs as the zones know them (a zone lacking one is ic-remote-encaps-differ).
  const ipsOf = (chassis: string) => [...new Set(zones.flatMap((z) => z.model.remote.get(chassis)?.ips ?? []))].sort().join(', ');
  const inZones = (zs: readonly string[]) => `${zs.length} zone(s) (${sample(zs)})`;
  for (const g of arbitrary) {
    out.push(finding('ic-destination-arbitrary', 'error', `chassis ${g.chassis}`,
      `${g.count} remote port(s) of ${g.pods} pod(s) homed on ${g.chassis} have no Port_Binding.encap in ${inZones(g.zones)}: `
      + `traffic to them arrives on an arbitrary one of ${ipsOf(g.chassis)}, not necessarily the pod's own VTEP; e.g. ${sample(g.items, 3)}`, STEER_HINT));
  }
  for (const g of unreachableVtep) {
    out.push(finding('ic-destination-arbitrary', 'error', `chassis ${g.chassis}`,
      `${g.count} remote port(s) of ${g.pods} pod(s) homed on ${g.chassis} have no Port_Binding.encap in ${inZones(g.zones)}, and their home VTEP is not `
      + `among the ones those zones know for ${g.chassis}: ${sample(g.items, 3)}; their traffic arrives on another VTEP`,
      'the zone\'s copy of the remote chassis lacks the VTEP (see ic-remote-encaps-differ): once it is synced, run `mvtep ic steer --zones FILE`'));
  }
  for (const g of unknownHome) {
    out.push(finding('ic-destination-arbitrary', 'warning', `chassis ${g.chassis}`,
      `${g.count} remote port(s) bound to ${g.chassis} have no Port_Binding.encap in ${inZones(g.zones)} and no known home VTEP `
      + `(transit ports, or pods whose home zone is unreachable or gives them no encap; e.g. ${sample(g.items, 3)}): traffic to them arrives on any of ${ipsOf(g.chassis)}`,
      'for pods: make their home zone readable and pin their VIF (encap-ip), then steer; transit ports of L3 networks are steered by per-VTEP transit ports (docs/interconnect.md)'));
  }
  for (const g of drift) {
    out.push(finding('ic-steering-drift', 'error', `chassis ${g.chassis}`,
      `${g.count} remote port(s) of ${g.pods} pod(s) homed on ${g.chassis} point at a VTEP other than their pod's home VTEP in ${inZones(g.zones)}: `
      + `${sample(g.items, 3)}; their traffic arrives on the wrong NIC`,
      `${STEER_HINT}; if it comes back, something else writes Port_Binding.encap (a second controller, or a stale one)`));
  }
  return out;
}

function remoteEncapChecks(zones: readonly ReadableZone[]): Finding[] {
  const out: Finding[] = [];
  const homes = chassisHomes(zones.map((z) => z.bindings));
  for (const z of zones) {
    for (const [name, c] of z.bindings.chassis) {
      const home = homes.get(name);
      if (!c.remote || !home || home.zone === z.name) continue;
      const here = new Set(c.ips);
      const own = new Set(home.ips);
      const missing = home.ips.filter((ip) => !here.has(ip));
      const extra = c.ips.filter((ip) => !own.has(ip));
      if (missing.length === 0 && extra.length === 0) continue;
      const diff = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
      out.push(finding('ic-remote-encaps-differ', 'warning', `zone ${z.name}: chassis ${name}`,
        `zone ${z.name} holds VTEPs ${c.ips.join(', ') || 'none'} for remote chassis ${name}, but its home zone ${home.zone} has ${home.ips.join(', ') || 'none'} (${diff}): `
        + 'tunnels from this zone miss or target VTEPs the chassis does not have',
        `the sync lags or is split: check that ovn-ic runs in both zones and reaches the IC-SB (or OVN-Kubernetes' zone chassis handler, which writes remote chassis itself); a copy that stays stale needs the syncer restarted`));
    }
  }
  return out;
}

function duplicateVtepChecks(zones: readonly ReadableZone[]): Finding[] {
  const owners = new Map<string, Map<string, Set<string>>>();
  for (const z of zones) {
    for (const e of z.sb.encapByUuid.values()) {
      const byChassis = owners.get(e.ip) ?? new Map<string, Set<string>>();
      const seenIn = byChassis.get(e.chassisName) ?? new Set<string>();
      seenIn.add(z.name);
      byChassis.set(e.chassisName, seenIn);
      owners.set(e.ip, byChassis);
    }
  }
  const out: Finding[] = [];
  for (const [ip, byChassis] of owners) {
    if (byChassis.size < 2) continue;
    const who = [...byChassis].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, zs]) => `${c} (in zone${zs.size > 1 ? 's' : ''} ${[...zs].sort().join(', ')})`);
    out.push(finding('ic-duplicate-vtep', 'error', `vtep ${ip}`,
      `VTEP IP ${ip} belongs to several chassis: ${who.join(', ')}: tunnels to it reach either node`,
      'give every VTEP in the cluster a unique IP: fix ovn-encap-ip (or node-encap-ips) of the node that should not have it'));
  }
  return out;
}

export function interconnectChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const zc of ctx.zones) {
    if (zc.sb && zc.bindings) continue;
    const name = zc.zone.name;
    out.push(finding('ic-zone-unreachable', 'error', `zone ${name}`,
      `cannot read the Southbound of zone ${name}: ${zc.zone.error ?? 'no state'}; its remote ports and the ports of its pods elsewhere are not checked`,
      'check that the zone\'s SB ovsdb-server runs and that the zones file names its remote (sb:)'));
  }
  for (const zc of ctx.zones) {
    if (zc.zone.nbError === undefined || !zc.sb) continue;
    const name = zc.zone.name;
    out.push(finding('ic-zone-nb-unreadable', 'warning', `zone ${name}`,
      `cannot read the Northbound of zone ${name}: ${zc.zone.nbError}; its routers' routes are unknown, so which of its transit ports carry pods' traffic is unknown too: each unpinned one is reported as if it might`,
      'check that the zone\'s NB ovsdb-server runs and that the zones file names its remote (nb:), or drop nb: for a zone without L3 networks'));
  }
  if (ctx.zones.length === 0) return out;
  const j = judgeInterconnect(ctx);
  out.push(...remotePortChecks(j.zones, j.ports, j.transitInUse), ...remoteEncapChecks(j.zones), ...duplicateVtepChecks(j.zones));
  return out;
}
