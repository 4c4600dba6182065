/**
 * `mvtep demo --ic` (docs/demo.md): the interconnect story on a real IC lab.
 * Every cross-zone pod pair of both topologies is traced with ofproto/trace
 * on its source chassis BEFORE steering (upstream: the destination VTEP is
 * arbitrary, and verify says so), then `ic steer` runs as a controller and
 * every pair is traced again: it must leave on the source pod's VTEP and
 * target the destination pod's, on each NIC.
 */
import { loadZonesFile, parseL3Subnets, type ZonesFile } from '../config/index.ts';
import { SteerController, type SteerReport } from '../ic/index.ts';
import { loadScenario, startLab, type Lab, type PodHandle } from '../lab/index.ts';
import { gatherState } from '../observe/index.ts';
import { runChecks } from '../verify/index.ts';

/** The steering subnets the IC demo uses (one per NIC index; documentation range, unused by the seed). */
export const DEMO_L3_SUBNETS = '203.0.113.128/28,203.0.113.144/28,203.0.113.160/28';

export interface IcPathEnds {
  /** VTEP the packet leaves from (tunnel local_ip), as ofproto/trace shows it. */
  readonly local: string | undefined;
  /** VTEP it targets (tunnel remote_ip); undefined when it did not leave on a tunnel. */
  readonly remote: string | undefined;
  /** Leaves on the source pod's VTEP and targets the destination pod's. */
  readonly ok: boolean;
}

export interface IcPathRow {
  readonly topology: 'L2' | 'L3';
  readonly from: string;
  readonly to: string;
  /** Traffic class (NIC purpose) of each end. */
  readonly fromClass: string;
  readonly toClass: string;
  readonly want: { readonly local: string; readonly remote: string };
  readonly before: IcPathEnds;
  readonly after: IcPathEnds;
}

export interface IcVerifySummary {
  readonly errors: number;
  readonly warnings: number;
  readonly checks: readonly string[];
}

export interface IcDemoOutcome {
  readonly rows: readonly IcPathRow[];
  readonly verifyBefore: IcVerifySummary;
  readonly verifyAfter: IcVerifySummary;
  readonly steer: SteerReport;
  /** Before: at least one pair off its destination VTEP (the problem shown); after: every pair right. */
  readonly problemShown: boolean;
  readonly allConfirmed: boolean;
  readonly timings: Readonly<Record<string, number>>;
  readonly keptLab?: string;
  readonly zonesFile: string;
}

export interface IcDemoOptions {
  readonly seedFile: string;
  readonly keep: boolean;
  readonly log: (line: string) => void;
  /** Resolves when the user asks to stop. */
  readonly stop: Promise<unknown>;
  /** Called with the outcome while the lab still runs (the CLI serves the dashboard from it). */
  readonly whileRunning?: (out: IcDemoOutcome, zones: ZonesFile) => Promise<void>;
  readonly l3Subnets?: string;
}

class IcDemoInterrupted extends Error {}

function classOf(lab: Lab, pod: PodHandle): string {
  const nic = lab.scenario?.chassis.find((c) => c.name === pod.chassis)?.nics.find((n) => n.pf === pod.pf);
  return nic?.purpose ?? pod.pf;
}

async function traceEnds(lab: Lab, a: PodHandle, b: PodHandle): Promise<IcPathEnds> {
  const e = await lab.traceEgress(a.name, b.name);
  if (e.kind !== 'tunnel') return { local: undefined, remote: undefined, ok: false };
  return { local: e.localIp, remote: e.remoteIp, ok: e.localIp === a.encapIp && e.remoteIp === b.encapIp };
}

/** One at a time: each trace is an ovs-appctl run on the source chassis, and they share two cores. */
async function traceAll(lab: Lab, pairs: readonly [PodHandle, PodHandle, unknown][]): Promise<IcPathEnds[]> {
  const out: IcPathEnds[] = [];
  for (const [a, b] of pairs) out.push(await traceEnds(lab, a, b));
  return out;
}

/** Every cross-zone pair of pods on the same kind of network (L2: the stretched switch; L3: node switches). */
function crossZonePairs(lab: Lab): [PodHandle, PodHandle, 'L2' | 'L3'][] {
  const scenario = lab.scenario!;
  const l3 = new Set(scenario.switches.filter((s) => s.node).map((s) => s.name));
  const pods = Object.values(lab.pods);
  const out: [PodHandle, PodHandle, 'L2' | 'L3'][] = [];
  for (const a of pods) for (const b of pods) {
    if (a.chassis === b.chassis || l3.has(a.switch) !== l3.has(b.switch)) continue;
    if (!l3.has(a.switch) && a.switch !== b.switch) continue;
    out.push([a, b, l3.has(a.switch) ? 'L3' : 'L2']);
  }
  return out;
}

async function verifyZones(zones: ZonesFile): Promise<IcVerifySummary> {
  const findings = runChecks(await gatherState({ zones, withMacs: true, withRouting: true }));
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    checks: [...new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.check))].sort(),
  };
}

export async function runIcDemo(opts: IcDemoOptions): Promise<IcDemoOutcome> {
  const timings: Record<string, number> = {};
  let stopped = false;
  void opts.stop.then(() => { stopped = true; });
  const step = async <T>(name: string, what: string, fn: () => Promise<T>): Promise<T> => {
    if (stopped) throw new IcDemoInterrupted(`interrupted before: ${what}`);
    opts.log(what);
    const t = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - t;
    }
  };
  const t0 = Date.now();
  const scenario = await loadScenario(opts.seedFile);
  const lab = await step('lab', `starting an interconnect lab: ${scenario.chassis.length} zones (a zone per node, real ovn-ic), ${scenario.pods.length} pods`,
    () => startLab(scenario, { log: (l) => opts.log(`  lab: ${l}`), handleSignals: false, detached: opts.keep }));
  let controller: SteerController | undefined;
  let keep = false;
  try {
    const zones = await loadZonesFile((await lab.status()).zonesFile!);
    const subnets = parseL3Subnets(opts.l3Subnets ?? DEMO_L3_SUBNETS, zones.zones.length);
    const pairs = crossZonePairs(lab);
    const before = await step('before', `tracing ${pairs.length} cross-zone pod pairs with ofproto/trace (upstream OVN, no steering)`,
      () => traceAll(lab, pairs));
    const verifyBefore = await step('verify-before', 'verify --zones (upstream)', () => verifyZones(zones));
    controller = new SteerController(zones, { l3Subnets: subnets });
    const c = controller;
    const steer = await step('steer', 'starting mvtep ic steer (controller, L2 pins and L3 per-VTEP transit ports) and waiting for it to converge',
      () => c.start().converged(30_000, { requireNoPending: true }));
    const after = await step('after', `tracing the ${pairs.length} pairs again`, () => traceAll(lab, pairs));
    const verifyAfter = await step('verify-after', 'verify --zones (steered)', () => verifyZones(zones));
    const rows = pairs.map(([a, b, topology], i): IcPathRow => ({
      topology, from: a.name, to: b.name, fromClass: classOf(lab, a), toClass: classOf(lab, b),
      want: { local: a.encapIp ?? '', remote: b.encapIp ?? '' }, before: before[i]!, after: after[i]!,
    }));
    const out: IcDemoOutcome = {
      rows, verifyBefore, verifyAfter, steer, timings, zonesFile: zones.file,
      problemShown: rows.some((r) => !r.before.ok), allConfirmed: rows.length > 0 && rows.every((r) => r.after.ok),
      ...(opts.keep ? { keptLab: lab.workDir } : {}),
    };
    if (opts.whileRunning && !stopped) await opts.whileRunning(out, zones);
    keep = opts.keep;
    return out;
  } finally {
    controller?.close();
    if (!keep) await lab.down();
    timings['total'] = Date.now() - t0;
  }
}

export { IcDemoInterrupted };
