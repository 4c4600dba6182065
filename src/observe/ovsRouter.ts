import { isIP } from 'node:net';
import { unixctl } from '../ovsdb/index.ts';
import { ovsRouterOf, parseOvsLookup, parseOvsRules } from '../ovn/index.ts';
import { errorMessage } from '../util/errors.ts';
import type { NodeState, OvsRouteLookupState, OvsRouterState } from './state.ts';

/** Datapath types whose tunnels OVS routes itself (the kernel datapath and the lab's dummy bridges leave it to Linux). */
export const USERSPACE_DATAPATHS: ReadonlySet<string> = new Set(['netdev']);

/** The integration bridge's datapath type ('' when it is not on the node view). */
export function integrationDatapath(node: Pick<NodeState, 'openVswitch' | 'bridges'>): string {
  const name = node.openVswitch.externalIds['ovn-bridge'] ?? 'br-int';
  return node.bridges?.find((b) => b.name === name)?.datapathType ?? '';
}

/** `ovs/route/lookup TO [src=FROM]` on `target`: by source where OVS supports it. */
export async function ovsLookup(target: string, from: string, to: string, bySource: boolean, timeoutMs?: number): Promise<OvsRouteLookupState> {
  try {
    const out = await unixctl(target, 'ovs/route/lookup', bySource ? [to, `src=${from}`] : [to], timeoutMs);
    return { from, to, bySource, ...parseOvsLookup(out) };
  } catch (err) {
    return { from, to, bySource, error: errorMessage(err) };
  }
}

export interface OvsRouterReadOptions {
  /** vswitchd's control socket. */
  readonly target: string;
  /** Open_vSwitch:ovs_version: OVS >= 3.7 has rules and looks up by source. */
  readonly ovsVersion: string | undefined;
  /** The (local, remote) VTEP pairs to look up. */
  readonly pairs: readonly { readonly from: string; readonly to: string }[];
  readonly timeoutMs?: number;
}

/** OVS's routing rules, both families (ovs/route/rule/show, OVS >= 3.7). */
export async function readOvsRules(target: string, timeoutMs?: number): Promise<ReturnType<typeof parseOvsRules>> {
  const [v4, v6] = await Promise.all([unixctl(target, 'ovs/route/rule/show', [], timeoutMs), unixctl(target, 'ovs/route/rule/show', ['-6'], timeoutMs)]);
  return parseOvsRules(`${v4}\n${v6}`);
}

/** OVS's rule table and its lookups for the given pairs; a router that cannot be reached is recorded, not thrown. */
export async function readOvsRouter(opts: OvsRouterReadOptions): Promise<OvsRouterState> {
  const bySource = ovsRouterOf(opts.ovsVersion).kind === 'rules';
  try {
    const rules = bySource ? await readOvsRules(opts.target, opts.timeoutMs) : undefined;
    const lookups: OvsRouteLookupState[] = [];
    for (const p of opts.pairs) if (isIP(p.from) !== 0 && isIP(p.from) === isIP(p.to)) lookups.push(await ovsLookup(opts.target, p.from, p.to, bySource, opts.timeoutMs));
    return { target: opts.target, ...(rules ? { rules } : {}), lookups };
  } catch (err) {
    return { target: opts.target, lookups: [], error: errorMessage(err) };
  }
}

/**
 * Adds OVS's router to a node whose integration bridge is on the userspace
 * datapath, for the same VTEP pairs its kernel routing was looked up with;
 * other nodes are returned as they are.
 */
export async function withOvsRouter(node: NodeState, target: string | undefined, timeoutMs?: number): Promise<NodeState> {
  if (target === undefined || !USERSPACE_DATAPATHS.has(integrationDatapath(node))) return node;
  const pairs = (node.routing?.lookups ?? []).map((l) => ({ from: l.from, to: l.to }));
  return { ...node, ovsRouter: await readOvsRouter({ target, ovsVersion: node.openVswitch.ovsVersion, pairs, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }) };
}
