/**
 * The dashboard's wire evidence on a netdev lab: every traced cross-node path
 * of the view pinged while tcpdump captures on the PFs (src/probe
 * `runProbes`, the same capture set as the demo's wire step), each judged
 * against the path's expected VTEPs (its pods' NICs) and the fabric VLAN.
 * Probing costs a few seconds and a tcpdump per PF, so the prober hands back
 * the last results until they are `maxAgeMs` old or the paths changed
 * (a pod moved NIC, a break made a path wrong): then it probes again.
 */
import type { Lab, PodHandle } from '../lab/index.ts';
import { runProbes, type ProbePair } from '../probe/index.ts';
import type { WireInput } from '../web/inputs.ts';
import { wireKey, type WireProber } from '../web/live.ts';
import type { DashboardView } from '../web/view.ts';
import { probeNode, wirePath, type WireReport } from './wire.ts';

export interface WireProberOptions {
  /** Re-probe once the last results are this old (default 30 s). */
  readonly maxAgeMs?: number;
  /** Echo requests per pair (default 3). */
  readonly count?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** One judged path as the dashboard shows it. */
function wireInputOf(p: WireReport['paths'][number], probedAt: string): WireInput {
  return {
    verdict: p.verdict, text: p.text, expected: p.expected, sent: p.sent, replies: p.replies,
    left: p.left, arrived: p.arrived, differences: p.differences, probedAt,
  };
}

/** The wire of a demo's wire report, keyed as the dashboard keys paths. */
function wireInputs(report: WireReport): Map<string, WireInput> {
  return new Map(report.paths.map((p) => [wireKey(p.from, p.to), wireInputOf(p, report.probedAt)]));
}

/** What the probe must judge: each traced cross-node path with a pod netns at its source, and what it should look like. */
function pathsToProbe(lab: Lab, view: DashboardView): { key: string; a: PodHandle; b: PodHandle; pair: ProbePair }[] {
  const byLport = new Map(Object.values(lab.pods).map((p) => [p.lport, p]));
  const vlan = lab.scenario?.datapath === 'netdev' ? lab.scenario.fabric.vlan ?? null : null;
  const out: { key: string; a: PodHandle; b: PodHandle; pair: ProbePair }[] = [];
  for (const row of view.steering) {
    for (const p of row.paths) {
      const a = byLport.get(row.pod);
      const b = byLport.get(p.peer);
      if (!a?.netns || !b || a.chassis === b.chassis) continue;
      out.push({
        key: wireKey(row.pod, p.peer), a, b,
        pair: {
          from: { name: a.name, ip: a.ip, node: probeNode(lab, a.chassis), netns: a.netns },
          to: { name: b.name, ip: b.ip, node: probeNode(lab, b.chassis) },
          expect: { source: 'dashboard', localIp: p.expectedLocalIp, remoteIp: p.expectedRemoteIp, vlan },
        },
      });
    }
  }
  return out;
}

/** What makes earlier results stale besides age: the set of paths and what each should look like. */
function signature(view: DashboardView): string {
  return view.steering.flatMap((r) => r.paths.map((p) => `${r.pod}>${p.peer}:${p.expectedLocalIp}>${p.expectedRemoteIp}:${p.localIp}>${p.remoteIp}:${p.egressDevice}:${p.status}`)).join('|');
}

/** A WireProber for a netdev lab; `seed` is a probe already run (the demo's wire step), so the first view needs none. */
export function labWireProber(lab: Lab, opts: WireProberOptions = {}, seed?: WireReport): WireProber {
  const maxAgeMs = opts.maxAgeMs ?? 30_000;
  let last: { at: number; sig: string | undefined; wire: Map<string, WireInput> } | undefined = seed
    ? { at: Date.parse(seed.probedAt), sig: undefined, wire: wireInputs(seed) } : undefined;
  const prober = async (view: DashboardView): Promise<ReadonlyMap<string, WireInput>> => {
    const sig = signature(view);
    // A seed is adopted by the first view that asks (its signature is that view's).
    if (last && last.sig === undefined) last.sig = sig;
    if (last && last.sig === sig && Date.now() - last.at < maxAgeMs) return last.wire;
    const todo = pathsToProbe(lab, view);
    if (todo.length === 0) return new Map();
    const t = Date.now();
    const results = await runProbes({ pairs: todo.map((x) => x.pair), count: opts.count ?? 3, timeoutMs: opts.timeoutMs ?? 10_000 });
    const probedAt = new Date(t).toISOString();
    const wire = new Map(todo.map((x, i) => [x.key, wireInputOf(wirePath(x.a, x.b, results[i]!), probedAt)] as const));
    opts.log?.(`dashboard: probed ${todo.length} paths on the wire in ${((Date.now() - t) / 1000).toFixed(1)} s, ${[...wire.values()].filter((w) => w.verdict === 'wire').length} on their own NICs`);
    last = { at: t, sig, wire };
    return wire;
  };
  return prober;
}
