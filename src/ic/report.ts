import type { EncapWrite, PendingPort, ZonePlan } from './l2Plan.ts';
import type { NbZonePlan } from './l3Plan.ts';

/** What L3 steering changed (or, with dry run, would change) in one zone's NB. */
export interface ZoneNbReport {
  readonly router: string | undefined;
  readonly portsAdded: readonly string[];
  readonly portsRemoved: readonly string[];
  readonly routesAdded: readonly string[];
  readonly routesRemoved: readonly string[];
  /** Steering routes already right. */
  readonly routesOk: number;
}

/** One zone's steering state after a pass. */
export interface ZoneSteerReport {
  readonly zone: string;
  readonly reachable: boolean;
  readonly error?: string;
  /** Remote pod ports pointing at their pod's home VTEP. */
  readonly steered: number;
  /** Writes this run made (or, with dry run, would make). */
  readonly written: readonly EncapWrite[];
  readonly pending: readonly PendingPort[];
  /** Present when L3 steering ran (--l3-subnets, or --uninstall). */
  readonly nb?: ZoneNbReport;
}

export interface SteerReport {
  readonly mode: 'steer' | 'uninstall';
  readonly dryRun: boolean;
  readonly zones: readonly ZoneSteerReport[];
  readonly totals: {
    readonly zones: number; readonly unreachable: number; readonly steered: number; readonly written: number; readonly pending: number;
    /** NB rows L3 steering added or removed (0 without L3). */
    readonly nbWritten: number;
  };
}

/** Accumulates the NB changes of several passes into one zone report. */
export function addNbChanges(prev: ZoneNbReport | undefined, plan: NbZonePlan): ZoneNbReport {
  return {
    router: plan.router ?? prev?.router,
    portsAdded: [...(prev?.portsAdded ?? []), ...plan.addPorts.map((p) => p.routerPort)],
    portsRemoved: [...(prev?.portsRemoved ?? []), ...plan.removePorts.map((p) => p.routerPort)],
    routesAdded: [...(prev?.routesAdded ?? []), ...plan.addRoutes.map((r) => `${r.prefix} via ${r.nexthop} (${r.outputPort})`)],
    routesRemoved: [...(prev?.routesRemoved ?? []), ...plan.removeRoutes.map((r) => r.prefix)],
    routesOk: plan.routesOk,
  };
}

const nbCount = (n: ZoneNbReport | undefined) => n ? n.portsAdded.length + n.portsRemoved.length + n.routesAdded.length + n.routesRemoved.length : 0;

export function buildReport(mode: SteerReport['mode'], dryRun: boolean, names: readonly string[],
  plans: ReadonlyMap<string, ZonePlan>, written: ReadonlyMap<string, readonly EncapWrite[]>,
  errors: ReadonlyMap<string, string>, steeredNow: ReadonlyMap<string, number>,
  nb: ReadonlyMap<string, ZoneNbReport> = new Map(), extraPending: ReadonlyMap<string, readonly PendingPort[]> = new Map()): SteerReport {
  const zones = names.map((zone): ZoneSteerReport => {
    const plan = plans.get(zone);
    const w = written.get(zone) ?? [];
    const error = errors.get(zone);
    const n = nb.get(zone);
    return {
      zone, reachable: plan !== undefined, ...(error ? { error } : {}),
      steered: steeredNow.get(zone) ?? 0,
      written: w, pending: [...(plan?.pending ?? []), ...(extraPending.get(zone) ?? [])],
      ...(n ? { nb: n } : {}),
    };
  });
  return {
    mode, dryRun, zones,
    totals: {
      zones: zones.length, unreachable: zones.filter((z) => !z.reachable).length,
      steered: zones.reduce((n, z) => n + z.steered, 0), written: zones.reduce((n, z) => n + z.written.length, 0),
      pending: zones.reduce((n, z) => n + z.pending.length, 0),
      nbWritten: zones.reduce((n, z) => n + nbCount(z.nb), 0),
    },
  };
}

export function formatReport(r: SteerReport): string {
  const lines: string[] = [];
  const verb = r.dryRun ? 'would write' : 'wrote';
  for (const z of r.zones) {
    if (!z.reachable) {
      lines.push(`zone ${z.zone}: UNREACHABLE (${z.error ?? 'no reply'}): left as it is`);
      continue;
    }
    lines.push(`zone ${z.zone}: ${z.steered} remote ports steered, ${verb} ${z.written.length}, ${z.pending.length} pending`);
    for (const w of z.written) lines.push(`  ${w.lport}: ${w.was ?? '(unpinned)'} -> ${w.ip ?? '(cleared)'}`);
    if (z.nb && (nbCount(z.nb) > 0 || z.nb.routesOk > 0)) {
      lines.push(`  L3${z.nb.router ? ` (${z.nb.router})` : ''}: ${z.nb.routesOk} steering routes in place`);
      for (const p of z.nb.portsAdded) lines.push(`  + port ${p}`);
      for (const p of z.nb.portsRemoved) lines.push(`  - port ${p}`);
      for (const p of z.nb.routesAdded) lines.push(`  + route ${p}`);
      for (const p of z.nb.routesRemoved) lines.push(`  - route ${p}`);
    }
    for (const p of z.pending) lines.push(`  pending ${p.lport}: ${p.reason}`);
  }
  const t = r.totals;
  const nb = t.nbWritten > 0 ? `, ${t.nbWritten} NB rows ${r.dryRun ? 'to change' : 'changed'}` : '';
  lines.push(`${t.zones} zones (${t.unreachable} unreachable): ${t.steered} steered, ${verb} ${t.written}${nb}, ${t.pending} pending`);
  return lines.join('\n');
}
