// What the real OVN did, read through src/observe, compared with the model.
import { unixctl } from '../../../src/ovsdb/index.ts';
import { outputOfports } from '../../../src/ovn/index.ts';
import { readNodeState, readSouthbound } from '../../../src/observe/index.ts';
import type { NodeState, SouthboundState } from '../../../src/verify/index.ts';
import type { TopologyModel } from '../../../src/ovn/index.ts';
import { CHASSIS, PODS, type PropertyLab } from './propertyLab.ts';
import type { Topology } from './random.ts';
import type { TunnelRecoverer } from './tunnelRecovery.ts';

export interface LiveView {
  readonly sb: SouthboundState;
  readonly nodes: ReadonlyMap<string, NodeState>;
}

export async function readLive(pl: PropertyLab): Promise<LiveView> {
  const [sb, ...nodes] = await Promise.all([
    readSouthbound(pl.lab.sb.remote),
    ...CHASSIS.map((c) => readNodeState(pl.lab.chassis[c]!.ovsdbRemote)),
  ]);
  return { sb: sb.southbound, nodes: new Map(CHASSIS.map((c, i) => [c, nodes[i]!])) };
}

function setDiff(what: string, actual: Iterable<string>, expected: Iterable<string>): string[] {
  const a = new Set(actual);
  const e = new Set(expected);
  const out: string[] = [];
  for (const x of e) if (!a.has(x)) out.push(`${what}: missing ${x}`);
  for (const x of a) if (!e.has(x)) out.push(`${what}: unexpected ${x}`);
  return out;
}

/** Differences between the live SB/OVS state and the model (empty: equal). */
export function compareState(live: LiveView, model: TopologyModel): string[] {
  const diffs: string[] = [];
  const rows = live.sb.encaps.map((e) => `${e.chassisName}|${e.type}|${e.ip}|${e.options['is_default'] === 'true' ? 'default' : '-'}`);
  const want = [...model.sb.chassis.values()].flatMap((c) => c.encaps.map((e) => `${e.chassisName}|${e.type}|${e.ip}|${e.isDefault ? 'default' : '-'}`));
  diffs.push(...setDiff('Encap', rows, want));
  const encapIp = new Map(live.sb.encaps.map((e) => [e.uuid, e.ip]));
  for (const b of model.bindings.values()) {
    const pb = live.sb.portBindings.find((p) => p.logicalPort === b.lport);
    const actual = pb?.encap === undefined ? 'none' : encapIp.get(pb.encap) ?? `dangling ${pb.encap}`;
    const expected = b.encap?.ip ?? 'none';
    if (pb?.chassis !== b.chassis) diffs.push(`Port_Binding ${b.lport}: chassis ${pb?.chassis ?? 'none'}, expected ${b.chassis}`);
    if (actual !== expected) diffs.push(`Port_Binding ${b.lport}: encap ${actual}, expected ${expected} (${b.reason})`);
  }
  for (const [name, node] of live.nodes) {
    const tunnels = model.tunnels.get(name) ?? [];
    diffs.push(...setDiff(`tunnels on ${name}`, node.tunnels.map((t) => `${t.chassisId} ${t.type}`), tunnels.map((t) => `${t.chassisId} ${t.type}`)));
    for (const t of node.tunnels) {
      if (t.ofport === null) {
        const err = node.interfaces.find((i) => i.name === t.port)?.error;
        diffs.push(`tunnel ${t.chassisId} on ${name} has no ofport yet${err ? ` (${err})` : ''}`);
      }
      if (t.localIp === undefined || !t.chassisId.endsWith(`%${t.localIp}`) || !t.chassisId.includes(`@${t.remoteIp}%`)) {
        diffs.push(`tunnel ${t.port} on ${name}: options local_ip=${t.localIp} remote_ip=${t.remoteIp} disagree with ${t.chassisId}`);
      }
    }
  }
  return diffs;
}

/**
 * Polls until the live state equals the model, or returns the last
 * differences at the deadline. With a `recoverer`, a tunnel stuck on the
 * vswitchd "File exists" bug (see tunnelRecovery.ts) gets its reconfiguration
 * nudge while polling; the comparison itself is unchanged.
 */
export async function awaitModel(pl: PropertyLab, model: TopologyModel, timeoutMs: number, recoverer?: TunnelRecoverer): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let diffs: string[] = [];
  for (;;) {
    const live = await readLive(pl);
    diffs = compareState(live, model);
    if (diffs.length === 0 || Date.now() > deadline) return diffs;
    await recoverer?.poll(live.nodes);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface PairResult {
  readonly from: string;
  readonly to: string;
  readonly observed: string;
  readonly candidates: readonly string[];
  readonly determined: boolean;
  readonly ok: boolean;
}

/** ofproto/trace for every pair of pods on different active chassis, checked against the model. */
export async function tracePairs(pl: PropertyLab, topo: Topology, model: TopologyModel, live: LiveView): Promise<PairResult[]> {
  const active = new Set(topo.chassis.filter((c) => c.active).map((c) => c.name));
  const pods = PODS.filter((p) => active.has(p.chassis));
  const out: PairResult[] = [];
  for (const a of pods) {
    const node = live.nodes.get(a.chassis)!;
    const from = pl.lab.pods[a.name]!;
    const inPort = node.interfaces.find((i) => i.name === from.representor)?.ofport;
    for (const b of pods) {
      if (b.chassis === a.chassis) continue;
      const to = pl.lab.pods[b.name]!;
      const flow = `in_port=${inPort},dl_src=${from.mac},dl_dst=${to.mac},icmp,nw_src=${from.ip},nw_dst=${to.ip},nw_ttl=64,icmp_type=8,icmp_code=0`;
      const trace = await unixctl(pl.lab.chassis[a.chassis]!.vswitchdCtl, 'ofproto/trace', ['br-int', flow]);
      const ports = outputOfports(trace);
      const tunnels = ports.map((p) => node.tunnels.find((t) => t.ofport === p));
      const observed = ports.length === 1 && tunnels[0] ? `${tunnels[0].localIp}->${tunnels[0].remoteIp}` : `outputs [${ports.join(',')}]`;
      const e = model.egress(a.name, b.name);
      const candidates = e.candidates.map((c) => `${c.localIp}->${c.remoteIp}`);
      out.push({ from: a.name, to: b.name, observed, candidates, determined: e.determined, ok: candidates.includes(observed) });
    }
  }
  return out;
}

export interface FloodResult {
  readonly from: string;
  /** Remote chassis the broadcast reached, each by exactly one tunnel. */
  readonly reached: readonly string[];
  readonly problems: readonly string[];
}

/**
 * A broadcast from every pod on an active chassis: ofproto/trace must send it
 * over exactly one tunnel per other active chassis, and that tunnel must be
 * among the model's flood candidates for that chassis (spec §5.4).
 */
export async function traceFloods(pl: PropertyLab, topo: Topology, model: TopologyModel, live: LiveView): Promise<FloodResult[]> {
  const { floodEgress } = await import('../../../src/ovn/index.ts');
  const active = new Set(topo.chassis.filter((c) => c.active).map((c) => c.name));
  const out: FloodResult[] = [];
  for (const a of PODS.filter((p) => active.has(p.chassis))) {
    const node = live.nodes.get(a.chassis)!;
    const from = pl.lab.pods[a.name]!;
    const inPort = node.interfaces.find((i) => i.name === from.representor)?.ofport;
    const flow = `in_port=${inPort},dl_src=${from.mac},dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,arp_spa=${from.ip},arp_tpa=203.0.113.62`;
    const trace = await unixctl(pl.lab.chassis[a.chassis]!.vswitchdCtl, 'ofproto/trace', ['br-int', flow]);
    const tunnels = outputOfports(trace).map((p) => node.tunnels.find((t) => t.ofport === p)).filter((t) => t !== undefined);
    const chassisModel = model.sb.chassis.get(a.chassis)!;
    const binding = model.bindings.get(a.name)!;
    const predicted = floodEgress(chassisModel, binding, model.tunnels.get(a.chassis) ?? []);
    const problems: string[] = [];
    const reached = tunnels.map((t) => t.chassisId.split('@')[0]!);
    const expected = [...active].filter((c) => c !== a.chassis).sort();
    if ([...reached].sort().join() !== expected.join()) problems.push(`reached [${[...reached].sort().join()}] by tunnel, expected one tunnel each to [${expected.join()}]`);
    for (const t of tunnels) {
      const p = predicted.find((x) => x.remoteChassis === t.chassisId.split('@')[0]);
      if (!p?.candidates.some((c) => c.localIp === t.localIp && c.remoteIp === t.remoteIp)) problems.push(`tunnel ${t.chassisId} is not a flood candidate`);
    }
    out.push({ from: a.name, reached, problems });
  }
  return out;
}
