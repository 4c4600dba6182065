import { encapTypeRank, type ChassisModel, type EncapRow } from './encaps.ts';

/** One br-int tunnel port, identified the way OVN identifies it. */
export interface TunnelSpec {
  /** The remote chassis name. */
  readonly chassis: string;
  readonly type: string;
  readonly localIp: string;
  readonly remoteIp: string;
  /** external_ids:ovn-chassis-id = "<chassis>@<remote_ip>%<local_ip>". */
  readonly chassisId: string;
}

export function tunnelChassisId(chassis: string, remoteIp: string, localIp: string): string {
  return `${chassis}@${remoteIp}%${localIp}`;
}

/** Splits an ovn-chassis-id; the pre-multi-encap form "<chassis>@<ip>" has no local IP. */
export function parseTunnelChassisId(id: string): { chassis: string; remoteIp: string; localIp: string | undefined } | undefined {
  const at = id.indexOf('@');
  if (at <= 0) return undefined;
  const rest = id.slice(at + 1);
  const pct = rest.indexOf('%');
  if (pct < 0) return rest ? { chassis: id.slice(0, at), remoteIp: rest, localIp: undefined } : undefined;
  const remoteIp = rest.slice(0, pct);
  if (!remoteIp) return undefined;
  return { chassis: id.slice(0, at), remoteIp, localIp: rest.slice(pct + 1) };
}

function hasRank(encaps: readonly EncapRow[], rank: number): boolean {
  return encaps.some((e) => encapTypeRank(e.type) === rank);
}

/** The best tunnel type both chassis have (geneve over stt over vxlan), or undefined. */
export function preferredType(local: readonly EncapRow[], remote: readonly EncapRow[]): string | undefined {
  let best: EncapRow | undefined;
  let bestRank = 0;
  for (const e of remote) {
    const r = encapTypeRank(e.type);
    if (r > bestRank && hasRank(local, r)) {
      bestRank = r;
      best = e;
    }
  }
  return best?.type;
}

function zonesOverlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 && b.length === 0) return true;
  return b.some((z) => a.includes(z));
}

/** Tunnels `local` builds to one remote chassis: |local IPs| x |remote IPs| of the preferred type. */
export function tunnelsTo(local: ChassisModel, remote: ChassisModel): TunnelSpec[] {
  if (remote.name === local.name || !zonesOverlap(local.transportZones, remote.transportZones)) return [];
  const type = preferredType(local.encaps, remote.encaps);
  if (type === undefined) return [];
  const rank = encapTypeRank(type);
  const out: TunnelSpec[] = [];
  for (const r of remote.encaps) {
    if (encapTypeRank(r.type) !== rank) continue;
    for (const l of local.encaps) {
      if (encapTypeRank(l.type) !== rank) continue;
      out.push({ chassis: remote.name, type: r.type, localIp: l.ip, remoteIp: r.ip, chassisId: tunnelChassisId(remote.name, r.ip, l.ip) });
    }
  }
  return out;
}

/** Every tunnel port `local` has on br-int. */
export function tunnelMesh(local: ChassisModel, all: Iterable<ChassisModel>): TunnelSpec[] {
  const out: TunnelSpec[] = [];
  for (const remote of all) out.push(...tunnelsTo(local, remote));
  return out;
}

/**
 * The endpoints of an observed br-int tunnel port, one rule for every
 * reader: the Interface options when they hold addresses; else the port's
 * ovn-chassis-id; for the local side, else the chassis' only VTEP (OVN leaves
 * local_ip out when a chassis has a single encap IP, and the pre-multi-encap
 * chassis-id "<chassis>@<ip>" carries none). "flow" (flow-based tunnels)
 * is not an address.
 */
export function tunnelEndpoints(
  options: Readonly<Record<string, string>>, chassisId: string, ownEncapIps: readonly string[],
): { localIp: string | undefined; remoteIp: string | undefined } {
  const addr = (v: string | undefined): string | undefined => (v === undefined || v === '' || v === 'flow' ? undefined : v);
  const parsed = parseTunnelChassisId(chassisId);
  return {
    localIp: addr(options['local_ip']) ?? parsed?.localIp ?? (ownEncapIps.length === 1 ? ownEncapIps[0] : undefined),
    remoteIp: addr(options['remote_ip']) ?? parsed?.remoteIp,
  };
}

/**
 * Interface types ovn-controller makes tunnel ports of (get_tunnel_type()).
 * Anything else carrying an iface-id is a VIF to OVN, gre included.
 */
export function isOvnTunnelType(type: string): boolean {
  return encapTypeRank(type) > 0;
}
