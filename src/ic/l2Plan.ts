import { encapRowForIp, podHomes as modelPodHomes, type PodHome, type PodHomes, type ZoneBindings } from '../ovn/index.ts';
import type { IcEncap, IcZoneSouthbound } from '../observe/index.ts';

/**
 * Steering of L2 (stretched switch) remote ports, as pure data: every
 * `type=remote` Port_Binding of a pod gets, in each zone, the Encap row of
 * the pod's home VTEP (its Port_Binding.encap IP in its home zone), geneve
 * preferred. Nothing is written unless the right answer is known: a port
 * whose home zone is unreadable, or whose home has no VTEP yet, is left as it
 * is and reported pending with the reason.
 */

export interface ObservedZone {
  readonly name: string;
  /** Undefined while the zone's SB cannot be read. */
  readonly sb: IcZoneSouthbound | undefined;
}

export type { PodHome };

export interface EncapWrite {
  readonly lport: string;
  /** The remote Port_Binding's row UUID in the zone written. */
  readonly row: string;
  /** Encap row UUID to reference; undefined clears the column. */
  readonly encap: string | undefined;
  /** IP of that row (for reports). */
  readonly ip: string | undefined;
  /** IP the port pointed at before, if any. */
  readonly was: string | undefined;
}

export interface PendingPort {
  readonly lport: string;
  readonly reason: string;
}

export interface ZonePlan {
  readonly zone: string;
  readonly writes: readonly EncapWrite[];
  readonly pending: readonly PendingPort[];
  /** Remote pod ports already pointing at their home VTEP. */
  readonly steered: number;
}

function chassisEncaps(sb: IcZoneSouthbound, chassis: string): IcEncap[] {
  const c = sb.chassis.get(chassis);
  if (!c) return [];
  const out: IcEncap[] = [];
  for (const u of c.encaps) {
    const e = sb.encaps.get(u);
    if (e) out.push(e);
  }
  return out;
}

/**
 * The zone's local chassis and their VIF bindings, as the IC model takes
 * them (only what homes are made of: a zone's remote ports and remote
 * chassis are not, so a 5,390-port zone costs ~110 entries here).
 */
function localBindings(name: string, sb: IcZoneSouthbound): ZoneBindings {
  const chassis = new Map<string, { remote: boolean; ips: string[] }>();
  for (const c of sb.chassis.values()) if (!c.remote) chassis.set(c.name, { remote: false, ips: chassisEncaps(sb, c.name).map((e) => e.ip) });
  const ports: ZoneBindings['ports'][number][] = [];
  for (const pb of sb.portBindings) {
    if (pb.type !== '' || pb.chassis === undefined || !chassis.has(pb.chassis)) continue;
    ports.push({ lport: pb.logicalPort, type: pb.type, chassis: pb.chassis, encapIp: pb.encap === undefined ? undefined : sb.encaps.get(pb.encap)?.ip });
  }
  return { zone: name, chassis, ports };
}

/** Every pod's home (OVN's rule, src/ovn podHomes); a port bound locally in two zones at once (mid-move) is left out and reported. */
export function homesAcrossZones(zones: readonly ObservedZone[]): PodHomes {
  return modelPodHomes(zones.filter((z) => z.sb).map((z) => localBindings(z.name, z.sb!)));
}

/** The writes that pin every remote pod port (and every port in `extraHomes`) of every readable zone to its home VTEP. */
export function planL2(zones: readonly ObservedZone[], extraHomes: readonly PodHome[] = []): ZonePlan[] {
  const { homes: found, conflicts } = homesAcrossZones(zones);
  const homes = new Map(found);
  // L3 steering's transit peers: homed by their router port's gateway chassis, not by a local binding.
  for (const h of extraHomes) if (!homes.has(h.lport)) homes.set(h.lport, h);
  const plans: ZonePlan[] = [];
  for (const z of zones) {
    if (!z.sb) continue;
    const sb = z.sb;
    const writes: EncapWrite[] = [];
    const pending: PendingPort[] = [];
    let steered = 0;
    for (const pb of sb.portBindings) {
      if (pb.type !== 'remote') continue;
      const home = homes.get(pb.logicalPort);
      if (!home) {
        if (conflicts.has(pb.logicalPort)) pending.push({ lport: pb.logicalPort, reason: `bound in zones ${conflicts.get(pb.logicalPort)!.join(' and ')} at once` });
        continue; // not a pod of a readable zone (a transit port, or its zone is down): not ours to judge
      }
      if (home.vtep === undefined) {
        pending.push({ lport: pb.logicalPort, reason: `its home zone ${home.zone} gives it no VTEP (no Port_Binding.encap on a multi-VTEP chassis)` });
        continue;
      }
      if (pb.chassis !== home.chassis) {
        pending.push({ lport: pb.logicalPort, reason: `bound to ${pb.chassis ?? 'no chassis'} here, but the pod lives on ${home.chassis}` });
        continue;
      }
      const row = encapRowForIp(chassisEncaps(sb, home.chassis), home.vtep);
      if (!row) {
        pending.push({ lport: pb.logicalPort, reason: `remote chassis ${home.chassis} has no Encap ${home.vtep} in this zone yet` });
        continue;
      }
      if (pb.encap === row.uuid) {
        steered++;
        continue;
      }
      const was = pb.encap === undefined ? undefined : sb.encaps.get(pb.encap)?.ip;
      writes.push({ lport: pb.logicalPort, row: pb.uuid, encap: row.uuid, ip: row.ip, was });
    }
    plans.push({ zone: z.name, writes, pending, steered });
  }
  return plans;
}

/** The writes that take back what steering wrote: every remote port's encap cleared. */
export function planL2Uninstall(zones: readonly ObservedZone[]): ZonePlan[] {
  return zones.filter((z) => z.sb).map((z) => {
    const sb = z.sb!;
    const writes = sb.portBindings
      .filter((pb) => pb.type === 'remote' && pb.encap !== undefined)
      .map((pb) => ({ lport: pb.logicalPort, row: pb.uuid, encap: undefined, ip: undefined, was: sb.encaps.get(pb.encap!)?.ip }));
    return { zone: z.name, writes, pending: [], steered: 0 };
  });
}
