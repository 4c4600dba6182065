import type { PodHome } from '../ovn/index.ts';
import type { IcZoneSouthbound } from '../observe/index.ts';
import { L2Planner } from './l2Planner.ts';

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

/** The writes that pin every remote pod port (and every port in `extraHomes`) of every readable zone to its home VTEP. */
export function planL2(zones: readonly ObservedZone[], extraHomes: readonly PodHome[] = []): ZonePlan[] {
  return new L2Planner().plan(zones, extraHomes);
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
