import type { NodeSpec } from '../../config/nodeSpec.ts';
import { deriveAppctlTarget, OvsdbClient, unixctl } from '../../ovsdb/index.ts';
import { readOvsRules } from '../../observe/index.ts';
import { Iproute2 } from '../../routing/index.ts';
import { applyPlan, type ApplyOptions, type ApplyOutcome, type UnderlayBackends } from './apply.ts';
import { observeUnderlay, type ObservedUnderlay } from './observe.ts';
import { OvsdbUnderlay } from './ovsBackend.ts';
import { planUnderlay, type PlanOptions, type UnderlayPlan } from './plan.ts';
import type { Compat } from '../../config/index.ts';

export { applyPlan, awaitCondition, type ApplyOptions, type ApplyOutcome, type UnderlayBackends } from './apply.ts';
export { describeChange, describeDrift, type Change, type ChangeKind, type Problem, type Severity } from './changes.ts';
export { planUnderlay, type PlanOptions, type UnderlayPlan } from './plan.ts';
export { observeUnderlay, type ObservedUnderlay } from './observe.ts';
export { OvsdbUnderlay, OWNER_KEY, OWNER_VALUE, type OvsBackend } from './ovsBackend.ts';
export type { OvsState, OvsBridge, OvsPort, OvsInterface } from './ovsState.ts';
export { vtepRule, vtepRoutes, desiredKeys } from './desired.ts';
export { UnderlayError, type UnderlayErrorCode } from './errors.ts';
export { nodeSpecFromChassis, labChassisUnderlay, type ChassisUnderlay, type LabChassisLike, type LabFabricLike } from './fromChassis.ts';
export { exportNmstate, exportNetworkManager, type ExportFile } from './export.ts';

export interface UnderlayTarget {
  /** OVSDB remote (`unix:/run/openvswitch/db.sock`), or a connected client (left open). */
  readonly ovsdb: string | OvsdbClient;
  /** Network namespace holding the VTEP devices; the current one when absent. */
  readonly netns?: string;
  /** argv prefix for iproute2 (default ['ip']). */
  readonly ip?: readonly string[];
  /** Deadline of the connection and of each OVSDB request of a session opened here (default 30 s). */
  readonly timeoutMs?: number;
  /** ovs-vswitchd's control socket (default: next to a unix: ovsdb remote): OVS's rule table on userspace-datapath nodes. */
  readonly appctlTarget?: string;
}

export interface UnderlayRunOptions extends UnderlayTarget, Omit<ApplyOptions, 'dryRun'> {
  readonly dryRun?: boolean;
  /** Set rp_filter loose (2) where it is strict instead of refusing. */
  readonly fixRpFilter?: boolean;
  /** See PlanOptions: whose reading of the keys must hold, and --force. */
  readonly compat?: Compat;
  readonly force?: boolean;
}

export interface UnderlayResult extends ApplyOutcome {
  /** True when the node already matched the spec. */
  readonly noop: boolean;
}

/** Opens the backends for a target; `close` ends an OVSDB session opened here. */
export async function openUnderlay(target: UnderlayTarget): Promise<UnderlayBackends & { vswitchdVersion?: () => Promise<string | undefined>; close: () => void }> {
  const client = typeof target.ovsdb === 'string' ? await OvsdbClient.connect(target.ovsdb, {
    reconnect: false, connectTimeoutMs: target.timeoutMs ?? 30_000, requestTimeoutMs: target.timeoutMs ?? 30_000,
  }) : undefined;
  const ctl = target.appctlTarget ?? (typeof target.ovsdb === 'string' ? await deriveAppctlTarget(target.ovsdb) : undefined);
  return {
    ...(ctl !== undefined ? { vswitchdVersion: async () => /\(Open vSwitch\) (\S+)/.exec(await unixctl(ctl, 'version', []))?.[1] } : {}),
    ...(ctl !== undefined ? { ovsRules: () => readOvsRules(ctl) } : {}),
    ovs: new OvsdbUnderlay(client ?? (target.ovsdb as OvsdbClient)),
    net: new Iproute2({ ...(target.netns !== undefined ? { netns: target.netns } : {}), ...(target.ip ? { ip: target.ip } : {}) }),
    close: () => client?.close(),
  };
}

function planOptions(o: UnderlayRunOptions): PlanOptions {
  return { fixRpFilter: o.fixRpFilter ?? false, ...(o.compat ? { compat: o.compat } : {}), ...(o.force ? { force: true } : {}) };
}

/** The node as the planner sees it; OVS's version from vswitchd itself when the database does not hold it. */
async function observe(spec: NodeSpec, u: Awaited<ReturnType<typeof openUnderlay>>): Promise<ObservedUnderlay> {
  const seen = await observeUnderlay(spec, u.ovs, u.net);
  if (seen.ovs.ovsVersion !== undefined || !u.vswitchdVersion) return seen;
  const version = await u.vswitchdVersion().catch(() => undefined);
  return version === undefined ? seen : { ...seen, ovs: { ...seen.ovs, ovsVersion: version } };
}

/** Observes the node and plans; changes nothing. */
export async function planNodeSpec(spec: NodeSpec, options: UnderlayRunOptions): Promise<UnderlayPlan> {
  const u = await openUnderlay(options);
  try {
    return planUnderlay(spec, await observe(spec, u), planOptions(options));
  } finally {
    u.close();
  }
}

/**
 * Brings the node to the spec: OVS bridges/ports/keys, then addresses,
 * rules and routes. Returns the change list (empty: nothing to do). On a
 * failing step everything applied is rolled back and UnderlayError is thrown.
 */
export async function applyNodeSpec(spec: NodeSpec, options: UnderlayRunOptions): Promise<UnderlayResult> {
  const u = await openUnderlay(options);
  try {
    const plan = planUnderlay(spec, await observe(spec, u), planOptions(options));
    const out = await applyPlan(plan, u, options);
    return { ...out, noop: out.changes.length === 0 };
  } finally {
    u.close();
  }
}

