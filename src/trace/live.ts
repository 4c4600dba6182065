import { Deadline } from '../util/deadline.ts';
import { Iproute2 } from '../routing/index.ts';
import { readNodeState, readRouting, readSouthbound, readSpec, readSriov, STATE_FORMAT, withOvsRouter, type GatheredState, type NodeState } from '../observe/index.ts';
import { chassisEncapIps, tracedTunnel } from '../ovn/index.ts';
import { compareWithObserved, kernelRoute, traceFlow } from './confirm.ts';
import { explainPath, TraceError } from './explain.ts';
import { ovsRoute, ovsRoutesTunnels } from './route.ts';
import { deriveAppctlTarget, unixctl } from '../ovsdb/index.ts';
import type { TraceResult, TraceRoute } from './types.ts';

export interface LiveTraceOptions {
  readonly from: string;
  readonly to: string;
  readonly sb: string;
  /** Open_vSwitch DB of the source chassis. */
  readonly ovsdb?: string;
  readonly netns?: string;
  readonly sysfs?: string;
  readonly spec?: string;
  readonly ovnVersion?: string;
  readonly confirm?: boolean;
  /**
   * The Ethernet/IP destination of the frame --confirm injects, when it is not
   * `to` itself: on a routed path the pod sends to its router port's MAC and
   * the destination pod's IP, while `to` is the transit port the model follows.
   */
  readonly flowTo?: { readonly mac: string; readonly ip: string };
  /** vswitchd unixctl socket of the source chassis (derived from --ovsdb when absent). */
  readonly appctlTarget?: string;
  readonly timeoutMs?: number;
}

async function readNodeView(opts: LiveTraceOptions, deadline: Deadline): Promise<NodeState | undefined> {
  if (!opts.ovsdb) return undefined;
  let node = await readNodeState(opts.ovsdb, { timeoutMs: deadline.remainingMs() });
  if (opts.sysfs) node = { ...node, sriov: readSriov(opts.sysfs) };
  if (opts.spec) node = { ...node, spec: await readSpec(opts.spec) };
  return node;
}

/** Gathers, explains, adds kernel routes for the candidates and optionally confirms against OVS. */
export async function traceLive(opts: LiveTraceOptions): Promise<{ result: TraceResult; state: GatheredState }> {
  // One budget for every read (default as readRows'), so a silent server cannot hang a trace.
  const deadline = new Deadline(opts.timeoutMs ?? 30_000);
  const sb = await readSouthbound(opts.sb, { withMacs: true, timeoutMs: deadline.remainingMs() });
  let node = await readNodeView(opts, deadline);
  const base: GatheredState = {
    format: STATE_FORMAT, gatheredAt: new Date().toISOString(), southbound: sb.southbound,
    ...(opts.ovnVersion ?? sb.ovnVersion ? { ovnVersion: opts.ovnVersion ?? sb.ovnVersion! } : {}),
    nodes: node ? [node] : [],
  };
  let state = base;
  if (node && opts.netns !== undefined) {
    // Every local VTEP towards every VTEP of the destination chassis: the candidates are among these
    // pairs, so the explanation is computed once, with the routes already in the state.
    const dstChassis = sb.southbound.portBindings.find((p) => p.logicalPort === opts.to)?.chassis;
    const remotes = [...new Set(sb.southbound.encaps.filter((e) => e.chassisName === dstChassis).map((e) => e.ip))];
    const vteps = chassisEncapIps(node.openVswitch.externalIds);
    node = { ...node, routing: await readRouting({ netns: opts.netns, vteps, remotes, backend: new Iproute2({ netns: opts.netns }) }) };
    state = { ...base, nodes: [node] };
  }
  // On a userspace datapath OVS routes the tunnels: its lookups, not the kernel's, explain the egress.
  const target = node && opts.ovsdb ? opts.appctlTarget ?? await deriveAppctlTarget(opts.ovsdb) : undefined;
  if (node && target !== undefined && ovsRoutesTunnels(node)) {
    node = await withOvsRouter(node, target, deadline.remainingMs());
    state = { ...base, nodes: [node] };
  }
  let result = explainPath(state, opts.from, opts.to);
  if (opts.confirm) {
    if (!node || !opts.ovsdb) throw new TraceError('trace-confirm-needs-ovsdb', '--confirm needs --ovsdb of the source chassis');
    if (node.openVswitch.externalIds['system-id'] !== result.source_chassis) {
      throw new TraceError('trace-wrong-chassis', `--ovsdb is chassis ${node.openVswitch.externalIds['system-id'] ?? '?'}, but ${opts.from} is bound on ${result.source_chassis}`, opts.ovsdb);
    }
    if (!target) throw new TraceError('trace-no-appctl-target', `cannot find the ovs-vswitchd control socket next to ${opts.ovsdb}; give --appctl-target`, opts.ovsdb);
    const flowOf = opts.flowTo ? { ...result, destination: { ...result.destination, ...opts.flowTo } } : result;
    const trace = await unixctl(target, 'ofproto/trace', ['br-int', traceFlow(flowOf)]);
    const fresh = await readNodeState(opts.ovsdb, { timeoutMs: deadline.remainingMs() });
    let route: TraceRoute | null = null;
    let expectedDevice: string | null = result.underlay?.device ?? null;
    const observedPort = tracedTunnel(trace, fresh.tunnels);
    if (observedPort?.localIp && observedPort.remoteIp && (opts.netns !== undefined || ovsRoutesTunnels(fresh))) {
      route = ovsRoutesTunnels(fresh)
        ? await ovsRoute(target, fresh, observedPort.localIp, observedPort.remoteIp)
        : await kernelRoute(new Iproute2({ netns: opts.netns! }), observedPort.localIp, observedPort.remoteIp);
      expectedDevice ??= node.routing?.addresses.find((a) => a.ip === observedPort.localIp)?.dev ?? null;
    }
    result = { ...result, confirm: compareWithObserved(result, { trace, node: fresh, route, expectedDevice }) };
  }
  return { result, state };
}
