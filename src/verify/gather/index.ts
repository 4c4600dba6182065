import { chassisConfigFromExternalIds, ovnTokenSet } from '../../ovn/index.ts';
import { STATE_FORMAT, type GatheredState, type NodeState, type SouthboundState } from '../state.ts';
import { gatherNode, gatherSouthbound } from './ovsdb.ts';
import { gatherRouting } from './routing.ts';
import { gatherSpec } from './spec.ts';
import { gatherSriov } from './sysfs.ts';

export { gatherNode, gatherSouthbound } from './ovsdb.ts';
export { gatherRouting } from './routing.ts';
export { gatherSriov } from './sysfs.ts';
export { gatherSpec, specState } from './spec.ts';

export interface GatherOptions {
  /** The node's Open_vSwitch database. */
  readonly ovsdb?: string;
  readonly sb?: string;
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
}

function remoteSample(sb: SouthboundState | undefined, self: string | undefined, max: number): string[] {
  if (!sb) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of sb.encaps) {
    if (e.chassisName === self || seen.has(e.ip)) continue;
    seen.add(e.ip);
    out.push(e.ip);
    if (out.length >= max) break;
  }
  return out;
}

/** Reads every source it is given into one state; absent sources are simply absent. */
export async function gatherState(opts: GatherOptions): Promise<GatheredState> {
  const sources: Record<string, string> = {};
  let southbound: SouthboundState | undefined;
  let ovnVersion = opts.ovnVersion;
  if (opts.sb) {
    const g = await gatherSouthbound(opts.sb, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
    southbound = g.southbound;
    ovnVersion ??= g.ovnVersion;
    sources['southbound'] = opts.sb;
  }
  const nodes: NodeState[] = [];
  if (opts.ovsdb) {
    let node = await gatherNode(opts.ovsdb, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
    sources['ovsdb'] = opts.ovsdb;
    if (opts.sysfs) {
      node = { ...node, sriov: gatherSriov(opts.sysfs) };
      sources['sysfs'] = opts.sysfs;
    }
    if (opts.netns !== undefined || opts.routing) {
      const cfg = chassisConfigFromExternalIds(node.openVswitch.externalIds);
      const vteps = cfg.encapIp === undefined ? [] : ovnTokenSet(cfg.encapIp);
      const remotes = remoteSample(southbound, cfg.name, opts.routeProbes ?? 4);
      node = { ...node, routing: await gatherRouting({ ...(opts.netns ? { netns: opts.netns } : {}), vteps, remotes }) };
      sources['routing'] = opts.netns ? `netns ${opts.netns}` : 'current netns';
    }
    if (opts.spec) {
      node = { ...node, spec: await gatherSpec(opts.spec) };
      sources['spec'] = opts.spec;
    }
    nodes.push(node);
  }
  return {
    format: STATE_FORMAT, gatheredAt: new Date().toISOString(),
    ...(ovnVersion ? { ovnVersion } : {}), nodes, ...(southbound ? { southbound } : {}), sources,
  };
}
