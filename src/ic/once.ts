import { readRows } from '../observe/index.ts';
import { IC_ZONE_NB_COLUMNS, IC_ZONE_SB_COLUMNS, icZoneFromRows, icZoneNbFromRows } from '../observe/index.ts';
import type { IcZoneNorthbound } from '../observe/index.ts';
import { OvsdbClient } from '../ovsdb/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import type { IpPrefix } from '../config/nodeSpecIp.ts';
import type { ZonesFile } from '../config/index.ts';
import { Deadline } from '../util/deadline.ts';
import type { EncapWrite, PendingPort, ZonePlan } from './l2Plan.ts';
import { nbChangeCount, type L3Zone } from './l3Plan.ts';
import { planSteering } from './steerPlan.ts';
import { writeL3Plan } from './nbWriter.ts';
import { STEER_MARKER_KEY, writeRemoteEncaps } from './sbWriter.ts';
import { addNbChanges, buildReport, type SteerReport, type ZoneNbReport } from './report.ts';

export interface SteerOnceOptions {
  /** Connect and per-transaction deadline (default 10 s). */
  readonly timeoutMs?: number;
  readonly dryRun?: boolean;
  readonly uninstall?: boolean;
  /** Enables L3 steering: one subnet per VTEP index (config parseL3Subnets). */
  readonly l3Subnets?: readonly IpPrefix[];
  /** How long to wait for ovn-ic to publish new transit ports to the other zones (default 30 s). */
  readonly syncTimeoutMs?: number;
}

/** What the marker says: this zone's remote-port encaps are steered by mvtep through the SB. */
export const SB_MODE_MARKER = 'sb';

const MAX_WRITE_PASSES = 6;
const SYNC_POLL_MS = 100;

interface Observed extends L3Zone {
  readonly name: string;
}

type NbMode = 'no' | 'required' | 'best-effort';

async function observe(zones: ZonesFile, nbMode: NbMode, timeoutMs: number, errors: Map<string, string>,
  only?: ReadonlySet<string>, last?: readonly Observed[]): Promise<Observed[]> {
  return Promise.all(zones.zones.map(async (z, i): Promise<Observed> => {
    // A zone known to be as planned is not read again.
    if (only && !only.has(z.name) && last) return last[i]!;
    const [sbRead, nbRead] = await Promise.allSettled([
      readRows<OvnSouthboundTables>(z.sb, 'OVN_Southbound', IC_ZONE_SB_COLUMNS, { timeoutMs }),
      nbMode === 'no' ? Promise.resolve(undefined) : readRows<OvnNorthboundTables>(z.nb, 'OVN_Northbound', IC_ZONE_NB_COLUMNS, { timeoutMs }),
    ]);
    errors.delete(z.name);
    if (sbRead.status === 'rejected') {
      errors.set(z.name, `${z.sb}: ${(sbRead.reason as Error).message}`);
      return { name: z.name, sb: undefined, nb: undefined };
    }
    if (nbRead.status === 'rejected') {
      errors.set(z.name, `${z.nb}: ${(nbRead.reason as Error).message}${nbMode === 'best-effort' ? ' (its NB rows, if any, were not removed)' : ''}`);
      if (nbMode === 'required') return { name: z.name, sb: undefined, nb: undefined };
    }
    const nb: IcZoneNorthbound | undefined = nbRead.status === 'fulfilled' && nbRead.value ? icZoneNbFromRows(nbRead.value) : undefined;
    return { name: z.name, sb: icZoneFromRows(sbRead.value), nb };
  }));
}

async function withClient<T>(remote: string, timeoutMs: number, fn: (c: OvsdbClient) => Promise<T>): Promise<T> {
  const client = await OvsdbClient.connect(remote, { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, reconnect: false, probeIntervalMs: 0 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * One steering run over every zone: read all SBs (and NBs for L3), write
 * what is missing, read again until a pass writes nothing and ovn-ic has
 * published every new transit port (bounded by `syncTimeoutMs`).
 * Unreachable zones are reported and left alone; ports and routes of pods
 * homed in them are not touched anywhere.
 */
export async function steerOnce(zones: ZonesFile, opts: SteerOnceOptions = {}): Promise<SteerReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const sync = new Deadline(opts.syncTimeoutMs ?? 30_000);
  const mode = opts.uninstall ? 'uninstall' : 'steer';
  const l3 = opts.l3Subnets !== undefined && opts.l3Subnets.length > 0;
  // Uninstall clears the SB pins even where the NB cannot be read (reported: its L3 rows stay until a rerun).
  const nbMode: NbMode = l3 ? 'required' : opts.uninstall ? 'best-effort' : 'no';
  const errors = new Map<string, string>();
  const written = new Map<string, EncapWrite[]>();
  const nbReports = new Map<string, ZoneNbReport>();
  let plans = new Map<string, ZonePlan>();
  let awaiting = new Map<string, readonly PendingPort[]>();
  const steeredNow = new Map<string, number>();
  let observed: Observed[] = [];
  // Zones to read in the next pass (all in the first).
  let reread: Set<string> | undefined;
  for (let pass = 0; pass < MAX_WRITE_PASSES; pass++) {
    observed = await observe(zones, nbMode, timeoutMs, errors, reread, observed);
    const plan = planSteering(observed, opts);
    plans = new Map(plan.sb);
    awaiting = new Map(plan.awaiting);
    const nbPlans = plan.nb;
    for (const p of plans.values()) steeredNow.set(p.zone, p.steered);
    const nbTodo = nbPlans.filter((p) => nbChangeCount(p) > 0);
    const sbTodo = observed.filter((z) => {
      if (!z.sb) return false;
      const marked = z.sb.globalExternalIds[STEER_MARKER_KEY] !== undefined;
      return plans.get(z.name)!.writes.length > 0 || (opts.uninstall ? marked : !marked);
    });
    if (opts.dryRun) {
      for (const p of plans.values()) written.set(p.zone, [...p.writes]);
      for (const p of nbPlans) nbReports.set(p.zone, addNbChanges(undefined, p));
      break;
    }
    if (nbTodo.length === 0 && sbTodo.length === 0) {
      if (awaiting.size === 0 || sync.remainingMs() <= 0) break;
      reread = undefined;
      await new Promise((r) => setTimeout(r, Math.min(SYNC_POLL_MS, sync.remainingMs())));
      pass--; // waiting for ovn-ic is not a write pass
      continue;
    }
    // Zones whose transaction did not apply exactly as planned (a row gone meanwhile, an error) are read again.
    const stale = new Set<string>();
    for (const p of nbPlans) if (!nbReports.has(p.zone)) nbReports.set(p.zone, addNbChanges(undefined, { ...p, addPorts: [], removePorts: [], addRoutes: [], removeRoutes: [] }));
    await Promise.all([
      ...nbTodo.map(async (plan) => {
        const spec = zones.zones.find((s) => s.name === plan.zone)!;
        try {
          await withClient(spec.nb, timeoutMs, (c) => writeL3Plan(c, plan, timeoutMs));
          nbReports.set(plan.zone, addNbChanges(nbReports.get(plan.zone), plan));
        } catch (err) {
          errors.set(plan.zone, `${spec.nb}: ${(err as Error).message}`);
        }
      }),
      ...sbTodo.map(async (z) => {
        const plan = plans.get(z.name)!;
        const spec = zones.zones.find((s) => s.name === z.name)!;
        try {
          const missed = await withClient(spec.sb, timeoutMs, (c) => writeRemoteEncaps(c, plan.writes, { timeoutMs, marker: opts.uninstall ? null : SB_MODE_MARKER }));
          written.set(z.name, [...(written.get(z.name) ?? []), ...plan.writes.filter((w) => !missed.has(w.row))]);
          if (missed.size > 0) stale.add(z.name);
          if (!opts.uninstall) steeredNow.set(z.name, plan.steered + plan.writes.length);
        } catch (err) {
          errors.set(z.name, `${spec.sb}: ${(err as Error).message}`);
          stale.add(z.name);
        }
      }),
    ]);
    // Each zone's transaction is atomic and its row counts say what it changed: a zone written exactly
    // as planned needs no second read. L3 steering writes NB rows whose effect (ovn-ic's
    // publication) shows only in a new read, so every zone is read again then.
    if (nbTodo.length > 0 || awaiting.size > 0) reread = undefined;
    else if (stale.size === 0) break;
    else reread = stale;
  }
  return buildReport(mode, opts.dryRun ?? false, zones.zones.map((z) => z.name), plans, written, errors, steeredNow, nbReports, awaiting);
}
