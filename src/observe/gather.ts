import { Deadline } from '../util/deadline.ts';
import { chassisEncapIps, chassisConfigFromExternalIds } from '../ovn/index.ts';
import { readNodeState } from './openVswitch.ts';
import { readRouting } from './routing.ts';
import { withOvsRouter } from './ovsRouter.ts';
import { deriveAppctlTarget } from '../ovsdb/index.ts';
import { readSouthbound } from './southbound.ts';
import { readSpec } from './nodeSpec.ts';
import { readSriov } from './sriov.ts';
import { readZones, type ZoneSource } from './zones.ts';
import { STATE_FORMAT, type GatheredState, type NodeState, type SouthboundState, type ZoneState } from './state.ts';

export interface GatherOptions {
  /** The node's Open_vSwitch database. */
  readonly ovsdb?: string;
  readonly sb?: string;
  /** Interconnect zones (a zones file): every zone's SB is read, in parallel. */
  readonly zones?: { readonly file: string; readonly zones: readonly ZoneSource[] };
  /** sysfs root for SR-IOV discovery (needs --ovsdb). */
  readonly sysfs?: string;
  /** Network namespace of the node's underlay (routing checks; needs --ovsdb). */
  readonly netns?: string;
  /** Read routing from the current netns even without --netns. */
  readonly routing?: boolean;
  readonly spec?: string;
  readonly ovnVersion?: string;
  readonly timeoutMs?: number;
  /** How many remote VTEPs to probe with `ip route get` per local VTEP. */
  readonly routeProbes?: number;
  /** Keep Port_Binding.mac (trace builds packets from it). */
  readonly withMacs?: boolean;
  /** With zones: also read each zone's NB routing (routers' static routes, transit ports). */
  readonly withRouting?: boolean;
  /** vswitchd's control socket, for OVS's own router on a netdev node (default: next to a unix: --ovsdb). */
  readonly appctlTarget?: string;
}

/**
 * Remote VTEPs to probe with `ip route get` from each local VTEP: one per
 * remote chassis first (so every local VTEP is checked towards every
 * chassis), up to `max`. Each probe is a process.
 */
export function remoteVteps(sb: SouthboundState | undefined, self: string | undefined, max: number): string[] {
  const byChassis = new Map<string, string[]>();
  for (const e of sb?.encaps ?? []) {
    if (e.chassisName === self) continue;
    const list = byChassis.get(e.chassisName) ?? [];
    if (!list.includes(e.ip)) list.push(e.ip);
    byChassis.set(e.chassisName, list);
  }
  const out: string[] = [];
  for (let round = 0; out.length < max; round++) {
    const picked = [...byChassis.values()].map((l) => l[round]).filter((ip): ip is string => ip !== undefined);
    if (picked.length === 0) break;
    out.push(...picked.slice(0, max - out.length));
  }
  return out;
}

/** Adds routing as seen from `netns` (undefined: the current one) for the node's VTEPs. */
export async function withRouting(node: NodeState, sb: SouthboundState | undefined, netns: string | undefined, probes = 4): Promise<NodeState> {
  const ids = node.openVswitch.externalIds;
  const remotes = remoteVteps(sb, chassisConfigFromExternalIds(ids).name, probes);
  return { ...node, routing: await readRouting({ ...(netns ? { netns } : {}), vteps: chassisEncapIps(ids), remotes }) };
}

/** Reads every source it is given into one state; absent sources are simply absent. */
export async function gatherState(opts: GatherOptions): Promise<GatheredState> {
  const sources: Record<string, string> = {};
  // One budget for every read: --timeout bounds the whole gather, not each source.
  const deadline = opts.timeoutMs === undefined ? undefined : new Deadline(opts.timeoutMs);
  const timeout = (): { timeoutMs?: number } => (deadline ? { timeoutMs: deadline.remainingMs() } : {});
  let southbound: SouthboundState | undefined;
  let ovnVersion = opts.ovnVersion;
  if (opts.sb) {
    const g = await readSouthbound(opts.sb, { ...timeout(), ...(opts.withMacs ? { withMacs: true } : {}) });
    southbound = g.southbound;
    ovnVersion ??= g.ovnVersion;
    sources['southbound'] = opts.sb;
  }
  let zones: ZoneState[] | undefined;
  if (opts.zones) {
    zones = await readZones(opts.zones.zones, { ...timeout(), ...(opts.withMacs ? { withMacs: true } : {}), ...(opts.withRouting ? { withRouting: true } : {}) });
    ovnVersion ??= zones.find((z) => z.ovnVersion)?.ovnVersion;
    sources['zones'] = opts.zones.file;
  }
  const nodes: NodeState[] = [];
  if (opts.ovsdb) {
    let node = await readNodeState(opts.ovsdb, timeout());
    sources['ovsdb'] = opts.ovsdb;
    if (opts.sysfs) {
      node = { ...node, sriov: readSriov(opts.sysfs) };
      sources['sysfs'] = opts.sysfs;
    }
    if (opts.netns !== undefined || opts.routing) {
      node = await withRouting(node, southbound, opts.netns, opts.routeProbes);
      sources['routing'] = opts.netns ? `netns ${opts.netns}` : 'current netns';
    }
    const target = opts.appctlTarget ?? await deriveAppctlTarget(opts.ovsdb);
    node = await withOvsRouter(node, target, timeout().timeoutMs);
    if (node.ovsRouter) sources['ovsRouter'] = node.ovsRouter.target;
    if (opts.spec) {
      node = { ...node, spec: await readSpec(opts.spec) };
      sources['spec'] = opts.spec;
    }
    nodes.push(node);
  }
  return {
    format: STATE_FORMAT, gatheredAt: new Date().toISOString(),
    ...(ovnVersion ? { ovnVersion } : {}), nodes, ...(southbound ? { southbound } : {}),
    ...(zones ? { zones } : {}), sources,
  };
}
