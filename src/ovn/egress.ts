import { encapIdOf, type ChassisModel, type EncapRow } from './encaps.ts';
import type { TunnelSpec } from './tunnels.ts';

export interface TunnelEndpoints {
  readonly localIp: string;
  readonly remoteIp: string;
}

/**
 * Why the candidate set is what it is:
 * - `pinned`: both ends known, exactly one tunnel;
 * - `remote-unpinned`: the destination port has no encap, OVN takes the first
 *   tunnel with the right local IP from a hash map (arbitrary remote IP);
 * - `no-local-tunnel`: no tunnel matches the local IP (and remote IP), OVN
 *   falls back to any tunnel to the chassis;
 * - `broadcast`: BUM traffic, any one tunnel per remote chassis;
 * - `local`: destination on the same chassis, no tunnel;
 * - `no-tunnel`: the chassis has no tunnel to the destination chassis.
 */
export type EgressReason = 'pinned' | 'remote-unpinned' | 'no-local-tunnel' | 'broadcast' | 'local' | 'no-tunnel';

export interface EgressPrediction {
  readonly reason: EgressReason;
  /** reg13[16..31] of the packet: the index of the source binding's encap IP. */
  readonly encapId: number;
  /** encapIps[encapId]: the local VTEP OVN intends to use. */
  readonly intendedLocalIp: string | undefined;
  readonly remoteChassis: string;
  /** Tunnels the packet may leave on; exactly one when `determined`. */
  readonly candidates: readonly TunnelEndpoints[];
  readonly determined: boolean;
}

/** Where a port is and what its Port_Binding.encap is. */
export interface BoundPort {
  readonly chassis: string;
  readonly encap: Pick<EncapRow, 'ip'> | undefined;
}

function endpoints(t: TunnelSpec): TunnelEndpoints {
  return { localIp: t.localIp, remoteIp: t.remoteIp };
}

function uniq(list: readonly TunnelEndpoints[]): TunnelEndpoints[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.localIp}\u0000${e.remoteIp}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function prediction(reason: EgressReason, encapId: number, intended: string | undefined, remote: string,
  candidates: readonly TunnelEndpoints[]): EgressPrediction {
  const c = uniq(candidates);
  return { reason, encapId, intendedLocalIp: intended, remoteChassis: remote, candidates: c, determined: c.length === 1 };
}

/**
 * The tunnel of a unicast packet from a VIF bound on `srcChassis` to a port
 * bound on another chassis (spec §5.3). `tunnels` are the source chassis'
 * tunnel ports (model or observed).
 */
export function unicastEgress(
  srcChassis: Pick<ChassisModel, 'name' | 'encapIps'>,
  src: BoundPort,
  dst: BoundPort,
  tunnels: readonly TunnelSpec[],
): EgressPrediction {
  const encapId = encapIdOf(srcChassis, src.encap?.ip);
  const localIp = srcChassis.encapIps[encapId];
  if (dst.chassis === srcChassis.name) return prediction('local', encapId, localIp, dst.chassis, []);
  const toChassis = tunnels.filter((t) => t.chassis === dst.chassis);
  if (toChassis.length === 0) return prediction('no-tunnel', encapId, localIp, dst.chassis, []);
  const remoteIp = dst.encap?.ip;
  const exact = toChassis.filter((t) => t.localIp === localIp && (remoteIp === undefined || t.remoteIp === remoteIp));
  if (exact.length > 0) {
    return prediction(remoteIp === undefined ? 'remote-unpinned' : 'pinned', encapId, localIp, dst.chassis, exact.map(endpoints));
  }
  return prediction('no-local-tunnel', encapId, localIp, dst.chassis, toChassis.map(endpoints));
}

/** Broadcast, unknown unicast, multicast: any one tunnel per remote chassis (spec §5.4). */
export function floodEgress(
  srcChassis: Pick<ChassisModel, 'name' | 'encapIps'>,
  src: BoundPort,
  tunnels: readonly TunnelSpec[],
): EgressPrediction[] {
  const encapId = encapIdOf(srcChassis, src.encap?.ip);
  const byChassis = new Map<string, TunnelEndpoints[]>();
  for (const t of tunnels) {
    const list = byChassis.get(t.chassis) ?? [];
    list.push(endpoints(t));
    byChassis.set(t.chassis, list);
  }
  return [...byChassis.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([chassis, list]) => prediction('broadcast', encapId, srcChassis.encapIps[encapId], chassis, list));
}
