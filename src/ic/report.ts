import type { EncapWrite, PendingPort, ZonePlan } from './l2Plan.ts';

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
}

export interface SteerReport {
  readonly mode: 'steer' | 'uninstall';
  readonly dryRun: boolean;
  readonly zones: readonly ZoneSteerReport[];
  readonly totals: { readonly zones: number; readonly unreachable: number; readonly steered: number; readonly written: number; readonly pending: number };
}

export function buildReport(mode: SteerReport['mode'], dryRun: boolean, names: readonly string[],
  plans: ReadonlyMap<string, ZonePlan>, written: ReadonlyMap<string, readonly EncapWrite[]>,
  errors: ReadonlyMap<string, string>, steeredNow: ReadonlyMap<string, number>): SteerReport {
  const zones = names.map((zone): ZoneSteerReport => {
    const plan = plans.get(zone);
    const w = written.get(zone) ?? [];
    const error = errors.get(zone);
    return {
      zone, reachable: plan !== undefined, ...(error ? { error } : {}),
      steered: steeredNow.get(zone) ?? 0,
      written: w, pending: plan?.pending ?? [],
    };
  });
  return {
    mode, dryRun, zones,
    totals: {
      zones: zones.length, unreachable: zones.filter((z) => !z.reachable).length,
      steered: zones.reduce((n, z) => n + z.steered, 0), written: zones.reduce((n, z) => n + z.written.length, 0),
      pending: zones.reduce((n, z) => n + z.pending.length, 0),
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
    lines.push(`zone ${z.zone}: ${z.steered} remote pod ports steered, ${verb} ${z.written.length}, ${z.pending.length} pending`);
    for (const w of z.written) lines.push(`  ${w.lport}: ${w.was ?? '(unpinned)'} -> ${w.ip ?? '(cleared)'}`);
    for (const p of z.pending) lines.push(`  pending ${p.lport}: ${p.reason}`);
  }
  const t = r.totals;
  lines.push(`${t.zones} zones (${t.unreachable} unreachable): ${t.steered} steered, ${verb} ${t.written}, ${t.pending} pending`);
  return lines.join('\n');
}
