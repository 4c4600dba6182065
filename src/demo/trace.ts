/**
 * Pod-to-pod paths for the dashboard and the demo's steering table, from
 * src/trace over the state the dashboard already gathered: `explainPath`
 * (OVN's choice by the model, spec §5, with the tunnel's route from the
 * gathered `ip route get`, or OVS's own lookup on a userspace datapath), then, with a confirmer, the real datapath's
 * choice from `ofproto/trace`, compared by `compareWithObserved`. A refresh
 * costs one ofproto/trace per path and no other process.
 */
import { compareWithObserved, explainPath, gatheredRoute, kernelRoute, ovsRoute, ovsRoutesTunnels, traceFlow, type TraceResult, type TraceRoute } from '../trace/index.ts';
import { Iproute2 } from '../routing/index.ts';
import type { GatheredState, NodeState } from '../verify/index.ts';
import type { PathInput, ViewInputs } from '../web/inputs.ts';
import type { Tracer } from '../web/live.ts';
import { errorMessage } from '../util/errors.ts';

/** Runs `ofproto/trace br-int FLOW` on a chassis and returns its raw output. */
export type Confirmer = (chassis: string, flow: string) => Promise<string>;

export interface TracerOptions {
  readonly confirm?: Confirmer;
  /** Peers traced per pod (the same class on other chassis); bounds the work on big clusters. */
  readonly maxPeers?: number;
  readonly concurrency?: number;
}

/**
 * Peers of each pod: the pods of the same class (or, without classes, on the
 * same PF name) on other chassis; a pod with neither is paired with pods on
 * other chassis. At most `maxPeers` each, which bounds the work on big clusters.
 */
export function choosePairs(inputs: ViewInputs, maxPeers = 8): [string, string][] {
  const classOf = new Map<string, string | null>();
  for (const p of inputs.pods) {
    const nic = inputs.chassis.find((c) => c.name === p.chassis)?.nics?.find((n) => n.pf === p.pf);
    classOf.set(p.name, nic?.class ?? p.pf ?? null);
  }
  const pairs: [string, string][] = [];
  for (const p of inputs.pods) {
    const key = classOf.get(p.name) ?? null;
    const peers = inputs.pods.filter((q) => q.chassis !== p.chassis && (key === null || classOf.get(q.name) === key)).slice(0, maxPeers);
    for (const q of peers) pairs.push([p.name, q.name]);
  }
  return pairs;
}

function nodeOf(state: GatheredState, chassis: string): NodeState | undefined {
  return state.nodes.find((n) => (n.openVswitch.externalIds['system-id'] ?? n.label) === chassis);
}

/** Tunnel routes per chassis (`ip route get`, or OVS's lookup on a userspace datapath), shared by the paths of one trace run. */
export type RouteCache = Map<string, Promise<TraceRoute | null>>;

/**
 * The route of a tunnel: from the gathered lookups when the gatherer probed
 * that pair, else one lookup (cached for the run): OVS's router on a
 * userspace datapath, the kernel in the node's netns otherwise. Null when
 * neither was read.
 */
function routeFor(node: NodeState | undefined, from: string, to: string, cache: RouteCache): Promise<TraceRoute | null> {
  if (!node) return Promise.resolve(null);
  const gathered = gatheredRoute(node, from, to);
  if (gathered) return Promise.resolve(gathered);
  const ovs = ovsRoutesTunnels(node) ? node.ovsRouter?.target : undefined;
  const routing = node.routing;
  if (ovs === undefined && !routing) return Promise.resolve(null);
  const key = `${node.label}|${from}|${to}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = ovs !== undefined ? ovsRoute(ovs, node, from, to) : kernelRoute(new Iproute2(routing!.netns ? { netns: routing!.netns } : {}), from, to);
    cache.set(key, hit);
  }
  return hit;
}

/** One path: explained, then (with a confirmer) checked against ofproto/trace and the kernel. */
export async function tracePair(state: GatheredState, from: string, to: string, confirm: Confirmer | undefined,
  routes: RouteCache = new Map()): Promise<PathInput> {
  let result: TraceResult;
  try {
    result = explainPath(state, from, to);
  } catch (err) {
    return { from, to, localIp: null, remoteIp: null, confirmed: null, detail: `trace: ${errorMessage(err)}` };
  }
  const notes = [`${result.reason}, encap id ${result.encap_id}`, ...result.warnings];
  const base: PathInput = {
    from, to,
    localIp: result.local_ip,
    remoteIp: result.remote_ip,
    candidates: result.candidates.map((c) => ({ localIp: c.local_ip, remoteIp: c.remote_ip })),
    tunnel: result.tunnel?.name ?? null,
    egressDevice: result.egress_device,
    confirmed: null,
  };
  if (!confirm) return { ...base, detail: notes.join('; ') };
  const node = nodeOf(state, result.source_chassis);
  if (!node || result.source.ofport === null) {
    return { ...base, detail: [...notes, `cannot confirm: ${from} has no ofport on ${result.source_chassis}`].join('; ') };
  }
  let text: string;
  try {
    text = await confirm(result.source_chassis, traceFlow(result));
  } catch (err) {
    return { ...base, detail: [...notes, `ofproto/trace failed: ${errorMessage(err)}`].join('; ') };
  }
  // The kernel route that matters is the one of the tunnel ofproto/trace really used.
  const first = compareWithObserved(result, { trace: text, node, route: null, expectedDevice: null });
  const obs = first.observed;
  const route = obs ? await routeFor(node, obs.local_ip, obs.remote_ip, routes) : null;
  // Wrong-device egress is judged by the view against the NIC's VTEP device, so no expectedDevice here.
  const c = obs ? compareWithObserved(result, { trace: text, node, route, expectedDevice: null }) : first;
  const routeKnown = route !== null && route.error === undefined && route.device !== null;
  const routable = node.routing !== undefined || (ovsRoutesTunnels(node) && node.ovsRouter !== undefined);
  const agrees = c.agrees && (routeKnown || !routable);
  const who = route?.lookup === 'kernel' || route?.lookup === undefined ? 'kernel' : 'OVS router';
  const confirmNotes = c.differences.length > 0 ? c.differences
    : [`ofproto/trace agrees (${obs?.tunnel ?? '?'})`, ...(routeKnown ? [`${who}: dev ${route!.device}`] : routable ? ['tunnel route not gathered'] : [])];
  return {
    ...base,
    localIp: obs?.local_ip ?? base.localIp,
    remoteIp: obs?.remote_ip ?? base.remoteIp,
    tunnel: obs?.tunnel ?? base.tunnel ?? null,
    egressDevice: route?.device ?? base.egressDevice ?? null,
    // Confirmed needs both halves: the datapath's tunnel, and the kernel's egress when routing is readable.
    confirmed: c.agrees ? (agrees ? true : null) : false,
    detail: [...notes, ...confirmNotes].join('; '),
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function makeTracer(opts: TracerOptions = {}): Tracer {
  return async (state, inputs) => {
    const pairs = choosePairs(inputs, opts.maxPeers ?? 8);
    const routes: RouteCache = new Map();
    return mapLimited(pairs, opts.concurrency ?? 3, ([from, to]) => tracePair(state, from, to, opts.confirm, routes));
  };
}
