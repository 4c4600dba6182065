import type { IpPrefix } from '../config/nodeSpecIp.ts';
import { L2Planner } from './l2Planner.ts';
import { planL2Uninstall, type ObservedZone, type PendingPort, type ZonePlan } from './l2Plan.ts';
import { planL3, planL3Uninstall, type L3Zone, type NbZonePlan } from './l3Plan.ts';
import { STEER_MARKER_KEY } from './sbWriter.ts';

/** Everything one steering pass would write, in every readable zone. */
export interface SteerPlan {
  /** SB (remote Port_Binding.encap) plans by zone, L3 pending findings included. */
  readonly sb: ReadonlyMap<string, ZonePlan>;
  /** NB (L3 steering ports and routes) plans; empty without L3. */
  readonly nb: readonly NbZonePlan[];
  /** Transit peers ovn-ic has yet to publish, by the zone that lacks them. */
  readonly awaiting: ReadonlyMap<string, readonly PendingPort[]>;
}

export interface SteerPlanOptions {
  readonly uninstall?: boolean;
  readonly l3Subnets?: readonly IpPrefix[];
  /** Kept across passes by a long-lived caller (the controller) to plan incrementally; a fresh one otherwise. */
  readonly l2Planner?: L2Planner;
}

/** The one planning step `steerOnce` and the controller share. */
export function planSteering(observed: readonly L3Zone[], opts: SteerPlanOptions): SteerPlan {
  const sb = new Map<string, ZonePlan>();
  const awaiting = new Map<string, PendingPort[]>();
  let nb: NbZonePlan[] = [];
  if (opts.uninstall) {
    nb = planL3Uninstall(observed);
    const managed: ObservedZone[] = observed.filter((z) => z.sb?.globalExternalIds[STEER_MARKER_KEY] !== undefined);
    for (const p of planL2Uninstall(managed)) sb.set(p.zone, p);
  } else {
    const l3 = opts.l3Subnets && opts.l3Subnets.length > 0 ? planL3(observed, opts.l3Subnets) : undefined;
    nb = l3 ? [...l3.zones] : [];
    for (const a of l3?.awaitingSync ?? []) {
      awaiting.set(a.zone, [...(awaiting.get(a.zone) ?? []), { lport: a.lport, reason: 'ovn-ic has not published this transit port to the zone yet' }]);
    }
    for (const p of (opts.l2Planner ?? new L2Planner()).plan(observed, l3?.transitHomes ?? [])) sb.set(p.zone, p);
    for (const p of nb) {
      const s = sb.get(p.zone);
      if (s && p.pending.length > 0) sb.set(p.zone, { ...s, pending: [...s.pending, ...p.pending] });
    }
  }
  // Zones unmanaged at uninstall are still reachable: reported with nothing to do.
  for (const z of observed) if (z.sb && !sb.has(z.name)) sb.set(z.name, { zone: z.name, writes: [], pending: [], steered: 0 });
  return { sb, nb, awaiting };
}
