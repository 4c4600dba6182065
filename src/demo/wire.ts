/**
 * The netdev demo's wire evidence (docs/demo.md): every cross-node pod pair
 * pings at once while tcpdump captures on every PF (src/probe `runProbes`,
 * one capture set for all pairs), and each pair's frames are judged against
 * what the node specs intend: outer source = the source pod's VTEP, outer
 * destination = the destination pod's VTEP, left on the source pod's PF and
 * arrived on the destination pod's PF, with the spec's VLAN tag. Not
 * against trace: the point is to check trace's answer, not to repeat it.
 */
import type { Lab, PodHandle } from '../lab/index.ts';
import { runProbes, type ProbeNode, type ProbePair, type ProbeResult, type WireObservation } from '../probe/index.ts';
import { DemoError, type DemoPlan } from './plan.ts';

/**
 * `wire`: seen on the right NIC at both ends with the right outer addresses;
 * `wrong-nic`: left or arrived on another PF; `differs`: right PFs, but other
 * outer addresses or VLAN; `unreachable`: nothing arrived (nothing wrong left).
 */
export type WireVerdict = 'wire' | 'wrong-nic' | 'differs' | 'unreachable';

/** The probe's own figures, carried as they are (names, types and meaning from ProbeResult). */
type ProbeFigures = Pick<ProbeResult, 'sent' | 'replies' | 'left' | 'arrived' | 'flooded' | 'differences'>;

export interface WirePath extends ProbeFigures {
  /** Logical ports (the steering table's POD and peer). */
  readonly from: string;
  readonly to: string;
  readonly fromNode: string;
  readonly toNode: string;
  readonly verdict: WireVerdict;
  /** What the steering table's CONFIRMED column says for this path. */
  readonly text: string;
  readonly expected: Pick<ProbeResult['expected'], 'localIp' | 'remoteIp' | 'sourcePf' | 'destinationPf'> & {
    /** null also for "not checked": the JSON output has no undefined. */
    readonly vlan: number | null;
  };
}

export interface WireReport {
  readonly paths: readonly WirePath[];
  /** Echo requests per pair. */
  readonly count: number;
  /** tcpdump processes of the one capture set (one per PF and direction). */
  readonly captures: number;
  readonly durationMs: number;
  /** ISO time the probe started. */
  readonly probedAt: string;
}

export interface WireOptions {
  /** Echo requests per pair (default 3: the first may be lost while OVS resolves the tunnel's next hop). */
  readonly count?: number;
  /** The whole batch (default 10 s: one tcpdump per PF and direction takes a while to start on a busy machine). */
  readonly timeoutMs?: number;
}

/** Every pair of pods that can reach each other across nodes: same logical switch, different chassis. */
export function wirePairs(lab: Lab): [PodHandle, PodHandle][] {
  const pods = Object.values(lab.pods);
  return pods.flatMap((a) => pods.filter((b) => b.chassis !== a.chassis && b.switch === a.switch).map((b): [PodHandle, PodHandle] => [a, b]));
}

export function probeNode(lab: Lab, chassis: string): ProbeNode {
  const c = lab.chassis[chassis]!;
  return { name: c.name, netns: c.netns, pfs: c.nics.map((n) => ({ pf: n.pf, vtep: n.vtep ?? null })) };
}

/** The pair as the node specs intend it: the pods' own VTEPs and the source NIC's VLAN. */
function intendedPair(lab: Lab, plan: DemoPlan, a: PodHandle, b: PodHandle): ProbePair {
  if (!a.netns) throw new DemoError('demo-wire-no-netns', `pod ${a.name} has no netns: the wire check needs a datapath: netdev lab`, a.name);
  const nic = plan.specs.get(a.chassis)?.nics.find((n) => n.pf === a.pf);
  return {
    from: { name: a.name, ip: a.ip, node: probeNode(lab, a.chassis), netns: a.netns },
    to: { name: b.name, ip: b.ip, node: probeNode(lab, b.chassis) },
    expect: {
      source: 'node spec', localIp: plan.expectedVtep.get(a.lport) ?? null, remoteIp: plan.expectedVtep.get(b.lport) ?? null,
      vlan: nic?.vlan ?? null,
    },
  };
}

export function wireVerdict(r: ProbeResult): WireVerdict {
  if (r.verdict === 'agrees') return 'wire';
  if (r.verdict === 'unreachable') return 'unreachable';
  const e = r.expected;
  const offNic = r.left.some((o) => e.sourcePf !== null && o.pf !== e.sourcePf) || r.arrived.some((o) => e.destinationPf !== null && o.pf !== e.destinationPf);
  return offNic ? 'wrong-nic' : 'differs';
}

const LABEL: Record<Exclude<WireVerdict, 'wire'>, string> = {
  'wrong-nic': 'WRONG NIC on the wire',
  differs: 'DIFFERS on the wire',
  unreachable: 'NOT SEEN on the wire',
};

function seen(os: readonly WireObservation[]): string {
  return os.map((o) => `${o.node}/${o.pf} (${o.outerSrc} -> ${o.outerDst}${o.vlan === null ? '' : `, vlan ${o.vlan}`})`).join(', ');
}

/** `wire`, or what the wire showed instead, with the NICs it should have used. */
export function wireText(r: ProbeResult): string {
  const v = wireVerdict(r);
  if (v === 'wire') return 'wire';
  const e = r.expected;
  const left = r.left.length > 0 ? `left ${seen(r.left)}` : 'left on no PF';
  const arrived = r.arrived.length > 0 ? `arrived ${seen(r.arrived)}` : 'arrived nowhere';
  const want = `[expected ${r.from.node}/${e.sourcePf ?? '?'} -> ${r.to.node}/${e.destinationPf ?? '?'}, ${e.localIp ?? '*'} -> ${e.remoteIp ?? '*'}]`;
  return `${LABEL[v]}: ${left}, ${arrived} ${want}`;
}

type PodEnd = Pick<PodHandle, 'lport' | 'chassis'>;

/** One pair's probe result as the demo reports it. */
export function wirePath(a: PodEnd, b: PodEnd, r: ProbeResult): WirePath {
  const { expected: e, sent, replies, left, arrived, flooded, differences } = r;
  return {
    from: a.lport, to: b.lport, fromNode: a.chassis, toNode: b.chassis, verdict: wireVerdict(r), text: wireText(r),
    expected: { localIp: e.localIp, remoteIp: e.remoteIp, vlan: e.vlan ?? null, sourcePf: e.sourcePf, destinationPf: e.destinationPf },
    sent, replies, left, arrived, flooded, differences,
  };
}

/** Pings every cross-node pair of a netdev lab once, over one capture set, and judges each on the wire. */
export async function probeWire(lab: Lab, plan: DemoPlan, opts: WireOptions = {}): Promise<WireReport> {
  const pairs = wirePairs(lab);
  const count = opts.count ?? 3;
  const t = Date.now();
  const results = await runProbes({ pairs: pairs.map(([a, b]) => intendedPair(lab, plan, a, b)), count, timeoutMs: opts.timeoutMs ?? 10_000 });
  const nodes = (side: 0 | 1) => new Set(pairs.map((p) => p[side].chassis));
  const pfsOf = (chassis: string) => lab.chassis[chassis]!.nics.length;
  const captures = [...nodes(0)].reduce((n, c) => n + pfsOf(c), 0) + [...nodes(1)].reduce((n, c) => n + pfsOf(c), 0);
  return { paths: pairs.map(([a, b], i) => wirePath(a, b, results[i]!)), count, captures, durationMs: Date.now() - t, probedAt: new Date(t).toISOString() };
}

/** `wire: 18/18 paths seen on their own NICs at both ends (...)`. */
export function wireSummary(w: WireReport): string {
  const ok = w.paths.filter((p) => p.verdict === 'wire').length;
  const bad = w.paths.filter((p) => p.verdict !== 'wire').map((p) => `${p.from} -> ${p.to}`);
  return `wire: ${ok}/${w.paths.length} paths seen on their own NICs at both ends (ping, ${w.count} echo requests per pair, `
    + `${w.captures} tcpdumps on the PFs, ${(w.durationMs / 1000).toFixed(1)} s)${bad.length > 0 ? `; not: ${bad.join(', ')}` : ''}`;
}
