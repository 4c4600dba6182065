/**
 * The interconnect part of the dashboard: one row per zone and the zone x
 * zone matrix of cross-zone verdicts, from verify's judgement of every
 * remote port (src/verify/icJudge.ts). Also the SB picture the rest of the
 * view draws: each zone's own chassis and pods, from their home zone only
 * (a zone's copies of remote chassis would draw every node once per zone).
 */
import type { ZonesFile } from '../config/index.ts';
import { gatherState, isRemoteChassis } from '../observe/index.ts';
import { errorMessage } from '../util/errors.ts';
import { buildContext, judgeInterconnect, runChecks, type GatheredState, type SouthboundState } from '../verify/index.ts';
import { buildDashboardView } from './buildView.ts';
import { inputsFromGathered } from './fromState.ts';
import type { ViewHub } from './hub.ts';
import type { CrossZoneCell, DashboardView, VerdictCounts, ZoneView } from './view.ts';

type Counts = { -readonly [K in keyof VerdictCounts]: number };
const zero = (): Counts => ({ steered: 0, arbitrary: 0, wrong: 0, noHomeVtep: 0 });
const KEY = { steered: 'steered', arbitrary: 'arbitrary', wrong: 'wrong', 'no-home-vtep': 'noHomeVtep' } as const;

export function zoneViews(state: GatheredState): { zones: ZoneView[]; crossZone: CrossZoneCell[] } {
  const ctx = buildContext(state);
  const j = judgeInterconnect(ctx);
  const remotePods = new Map<string, Counts>();
  const other = new Map<string, number>();
  const cells = new Map<string, { from: string; to: string; counts: Counts }>();
  for (const p of j.ports) {
    if (!p.home) {
      other.set(p.zone, (other.get(p.zone) ?? 0) + 1);
      continue;
    }
    const c = remotePods.get(p.zone) ?? zero();
    c[KEY[p.verdict]]++;
    remotePods.set(p.zone, c);
    const k = `${p.zone}\u0000${p.home.zone}`;
    const cell = cells.get(k) ?? { from: p.zone, to: p.home.zone, counts: zero() };
    cell.counts[KEY[p.verdict]]++;
    cells.set(k, cell);
  }
  const zones = ctx.zones.map((zc): ZoneView => {
    const b = zc.bindings;
    const local = b ? [...b.chassis].filter(([, c]) => !c.remote).map(([n]) => n).sort() : [];
    const localSet = new Set(local);
    return {
      name: zc.zone.name, reachable: b !== undefined, error: zc.zone.error ?? null, ovnVersion: zc.zone.ovnVersion ?? null,
      chassis: local, remoteChassis: b ? [...b.chassis.values()].filter((c) => c.remote).length : 0,
      pods: b ? b.ports.filter((p) => p.type === '' && p.chassis !== undefined && localSet.has(p.chassis)).length : 0,
      remotePods: remotePods.get(zc.zone.name) ?? zero(), otherRemotePorts: other.get(zc.zone.name) ?? 0,
    };
  });
  const crossZone: CrossZoneCell[] = [...cells.values()].map((c) => ({ from: c.from, to: c.to, ...c.counts }));
  return { zones, crossZone };
}

/** Every zone's own chassis, their Encap rows and VIF bindings, as one Southbound picture. */
export function homeSouthbound(state: GatheredState): SouthboundState {
  const out: { chassis: SouthboundState['chassis'][number][]; encaps: SouthboundState['encaps'][number][]; portBindings: SouthboundState['portBindings'][number][] } = { chassis: [], encaps: [], portBindings: [] };
  for (const z of state.zones ?? []) {
    const sb = z.southbound;
    if (!sb) continue;
    const local = sb.chassis.filter((c) => !isRemoteChassis(c));
    const names = new Set(local.map((c) => c.name));
    out.chassis.push(...local);
    out.encaps.push(...sb.encaps.filter((e) => names.has(e.chassisName)));
    out.portBindings.push(...sb.portBindings.filter((pb) => pb.type === '' && pb.chassis !== undefined && names.has(pb.chassis)));
  }
  return out;
}

/** The whole dashboard view of an interconnect state: the usual panels over every zone's own chassis, plus zones and the matrix. */
export function zonesDashboardView(state: GatheredState, name: string, now?: Date): DashboardView {
  // Checks run on the state as gathered; only the drawing uses the merged home picture.
  const findings = runChecks(state);
  const view = buildDashboardView(inputsFromGathered({ ...state, southbound: homeSouthbound(state) }, {
    source: { kind: 'cluster', name }, findings, ...(now ? { now } : {}),
  }));
  return { ...view, ...zoneViews(state) };
}

export interface ZonesPollOptions {
  readonly zones: ZonesFile;
  readonly hub: ViewHub;
  /** Re-read every zone this often (SBs of many zones: polling, not one monitor per zone). */
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export async function computeZonesView(zones: ZonesFile, timeoutMs?: number): Promise<DashboardView> {
  const state = await gatherState({ zones, withMacs: true, withRouting: true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  return zonesDashboardView(state, zones.file);
}

/** Keeps `hub` on a fresh zones view: a read of every zone each `pollMs`, published when anything but the time changed. */
export class ZonesPoller {
  readonly #opts: ZonesPollOptions;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #last = '';

  private constructor(opts: ZonesPollOptions) {
    this.#opts = opts;
  }

  static async start(opts: ZonesPollOptions): Promise<ZonesPoller> {
    const p = new ZonesPoller(opts);
    await p.#tick();
    return p;
  }

  async #tick(): Promise<void> {
    try {
      const view = await computeZonesView(this.#opts.zones, this.#opts.timeoutMs);
      const key = JSON.stringify({ ...view, generatedAt: '' });
      if (key !== this.#last) {
        this.#last = key;
        this.#opts.hub.publish(view);
      }
    } catch (err) {
      this.#opts.log?.(`zones: ${errorMessage(err)}`);
    }
    if (!this.#closed) this.#timer = setTimeout(() => void this.#tick(), this.#opts.pollMs ?? 2000);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
