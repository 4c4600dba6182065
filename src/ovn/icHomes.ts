/**
 * Where things live across interconnect zones: each pod's home zone and
 * VTEP, each chassis' home zone and own VTEPs. Pure; the callers turn one
 * zone's Southbound into a ZoneBindings.
 */

/** One zone's Southbound as the cluster model needs it. */
export interface ZoneBindings {
  readonly zone: string;
  /** Every chassis this SB has: remote = other_config:is-remote=true; ips = its Encap IPs here. */
  readonly chassis: ReadonlyMap<string, { readonly remote: boolean; readonly ips: readonly string[] }>;
  readonly ports: readonly {
    readonly lport: string;
    readonly type: string;
    readonly chassis: string | undefined;
    /** IP of the Encap row Port_Binding.encap references, if any. */
    readonly encapIp: string | undefined;
  }[];
}

/** Where a pod lives: the zone whose SB binds its VIF port to a local chassis. */
export interface PodHome {
  readonly lport: string;
  readonly zone: string;
  readonly chassis: string;
  /**
   * The VTEP its traffic must arrive on: its Port_Binding.encap IP in its
   * home zone, else its chassis' only VTEP; undefined when neither says.
   */
  readonly vtep: string | undefined;
}

export interface PodHomes {
  readonly homes: ReadonlyMap<string, PodHome>;
  /** Ports bound to a local chassis in several zones at once (mid-move): zone names. */
  readonly conflicts: ReadonlyMap<string, readonly string[]>;
}

const distinct = (ips: readonly string[]): string[] => [...new Set(ips)];

export function podHomes(zones: readonly ZoneBindings[]): PodHomes {
  const homes = new Map<string, PodHome>();
  const conflicts = new Map<string, string[]>();
  for (const z of zones) {
    for (const p of z.ports) {
      if (p.type !== '' || p.chassis === undefined) continue;
      const ch = z.chassis.get(p.chassis);
      if (!ch || ch.remote) continue;
      const prev = homes.get(p.lport);
      if (prev || conflicts.has(p.lport)) {
        conflicts.set(p.lport, [...(conflicts.get(p.lport) ?? [prev!.zone]), z.zone]);
        homes.delete(p.lport);
        continue;
      }
      const ips = distinct(ch.ips);
      const vtep = p.encapIp ?? (ips.length === 1 ? ips[0] : undefined);
      homes.set(p.lport, { lport: p.lport, zone: z.zone, chassis: p.chassis, vtep });
    }
  }
  return { homes, conflicts };
}

/** A chassis in the zone where it is local (not is-remote), with its own VTEPs there. */
export interface ChassisHome {
  readonly chassis: string;
  readonly zone: string;
  readonly ips: readonly string[];
}

/** Each chassis' home; a chassis local in two zones has no single home and is left out. */
export function chassisHomes(zones: readonly ZoneBindings[]): Map<string, ChassisHome> {
  const out = new Map<string, ChassisHome>();
  const twice = new Set<string>();
  for (const z of zones) {
    for (const [name, c] of z.chassis) {
      if (c.remote) continue;
      if (out.has(name)) twice.add(name);
      out.set(name, { chassis: name, zone: z.zone, ips: distinct(c.ips) });
    }
  }
  for (const name of twice) out.delete(name);
  return out;
}
