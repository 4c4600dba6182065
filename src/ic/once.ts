import { readRows } from '../observe/index.ts';
import { IC_ZONE_SB_COLUMNS, icZoneFromRows } from '../observe/index.ts';
import { OvsdbClient } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import type { ZonesFile } from '../config/index.ts';
import { planL2, planL2Uninstall, type EncapWrite, type ObservedZone, type ZonePlan } from './l2Plan.ts';
import { STEER_MARKER_KEY, writeRemoteEncaps } from './sbWriter.ts';
import { buildReport, type SteerReport } from './report.ts';

export interface SteerOnceOptions {
  readonly timeoutMs?: number;
  readonly dryRun?: boolean;
  readonly uninstall?: boolean;
}

/** What the marker says: this zone's remote-port encaps are steered by mvtep through the SB. */
export const SB_MODE_MARKER = 'sb';

const MAX_PASSES = 3;

async function observe(zones: ZonesFile, timeoutMs: number, errors: Map<string, string>): Promise<ObservedZone[]> {
  return Promise.all(zones.zones.map(async (z): Promise<ObservedZone> => {
    try {
      const rows = await readRows<OvnSouthboundTables>(z.sb, 'OVN_Southbound', IC_ZONE_SB_COLUMNS, { timeoutMs });
      errors.delete(z.name);
      return { name: z.name, sb: icZoneFromRows(rows) };
    } catch (err) {
      errors.set(z.name, `${z.sb}: ${(err as Error).message}`);
      return { name: z.name, sb: undefined };
    }
  }));
}

/**
 * One steering run over every zone: read all SBs, write what is missing,
 * read again until a pass writes nothing (a pod moved in between is picked
 * up), at most three passes. Unreachable zones are reported and left alone;
 * ports homed in them are not touched anywhere.
 */
export async function steerOnce(zones: ZonesFile, opts: SteerOnceOptions = {}): Promise<SteerReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const mode = opts.uninstall ? 'uninstall' : 'steer';
  const errors = new Map<string, string>();
  const written = new Map<string, EncapWrite[]>();
  let plans = new Map<string, ZonePlan>();
  const steeredNow = new Map<string, number>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const observed = await observe(zones, timeoutMs, errors);
    const managed = observed.filter((z) => !opts.uninstall || z.sb?.globalExternalIds[STEER_MARKER_KEY] !== undefined);
    plans = new Map((opts.uninstall ? planL2Uninstall(managed) : planL2(observed)).map((p) => [p.zone, p]));
    // Zones unmanaged at uninstall are still reachable: report them with nothing to do.
    for (const z of observed) if (z.sb && !plans.has(z.name)) plans.set(z.name, { zone: z.name, writes: [], pending: [], steered: 0 });
    const todo = observed.filter((z) => {
      if (!z.sb) return false;
      const marked = z.sb.globalExternalIds[STEER_MARKER_KEY] !== undefined;
      return plans.get(z.name)!.writes.length > 0 || (opts.uninstall ? marked : !marked);
    });
    for (const p of plans.values()) steeredNow.set(p.zone, p.steered);
    if (todo.length === 0 || opts.dryRun) {
      if (opts.dryRun) for (const p of plans.values()) written.set(p.zone, [...p.writes]);
      break;
    }
    await Promise.all(todo.map(async (z) => {
      const plan = plans.get(z.name)!;
      const spec = zones.zones.find((s) => s.name === z.name)!;
      let client: OvsdbClient | undefined;
      try {
        client = await OvsdbClient.connect(spec.sb, { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, reconnect: false, probeIntervalMs: 0 });
        await writeRemoteEncaps(client, plan.writes, { timeoutMs, marker: opts.uninstall ? null : SB_MODE_MARKER });
        written.set(z.name, [...(written.get(z.name) ?? []), ...plan.writes]);
        if (!opts.uninstall) steeredNow.set(z.name, plan.steered + plan.writes.length);
      } catch (err) {
        errors.set(z.name, `${spec.sb}: ${(err as Error).message}`);
      } finally {
        client?.close();
      }
    }));
  }
  return buildReport(mode, opts.dryRun ?? false, zones.zones.map((z) => z.name), plans, written, errors, steeredNow);
}
