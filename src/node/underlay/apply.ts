import { notYet, pollUntil, ready } from '../../util/wait.ts';
import { MVTEP_PROTO, type IpRule, type RoutingBackend } from '../../routing/index.ts';
import type { OvsRouteRule } from '../../ovn/index.ts';
import { describeChange, type Change, type Problem } from './changes.ts';
import { UnderlayError } from './errors.ts';
import type { OvsBackend } from './ovsBackend.ts';
import type { UnderlayPlan } from './plan.ts';

export interface UnderlayBackends {
  readonly ovs: OvsBackend;
  readonly net: RoutingBackend;
  /** OVS's own rule table (`ovs/route/rule/show`, both families): where a userspace datapath's tunnels are routed. */
  readonly ovsRules?: () => Promise<readonly OvsRouteRule[]>;
}

export interface ApplyOptions {
  readonly dryRun?: boolean;
  /** Deadline for vswitchd to create a VTEP device or apply its MTU (default 30 s). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Fault injection for tests: fail instead of running change `index`. */
  readonly failBefore?: (change: Change, index: number) => boolean;
}

export interface ApplyOutcome {
  /** What was (or, with dryRun, would be) changed, in order. */
  readonly changes: readonly Change[];
  readonly problems: readonly Problem[];
  readonly dryRun: boolean;
  /** The VTEP rules found in OVS's own rule table after apply (userspace datapath, OVS >= 3.7). */
  readonly ovsImported?: readonly string[];
}

type Undo = () => Promise<void>;

/** Polls `check` until it returns true; throws UnderlayError at the deadline. */
export function awaitCondition(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  return pollUntil(async () => ((await check()) ? ready(undefined) : notYet(what)), timeoutMs, {
    minIntervalMs: 20,
    onTimeout: () => new UnderlayError('underlay-timeout', `timed out after ${timeoutMs} ms waiting for ${what}`, what),
  });
}

const isOvs = (c: Change): boolean => c.kind.startsWith('ovs-');

/** A device that will never come: vswitchd already said why (read from OVSDB, not guessed). */
async function failOnVswitchdVerdict(ovs: UnderlayBackends['ovs'], bridges: readonly string[]): Promise<void> {
  const verdict = await ovs.datapathVerdict?.(bridges);
  if (verdict === undefined) return;
  throw new UnderlayError('underlay-datapath-failed',
    `${verdict}. datapath_type system needs the kernel's openvswitch module; without it, set datapathType: netdev in the node spec`,
    { bridges, verdict });
}

/**
 * Runs the plan step by step, recording an undo per step. When a step fails,
 * the recorded undos run in reverse and the node is back where it started;
 * only what this run created or changed is touched.
 */
export async function applyPlan(plan: UnderlayPlan, b: UnderlayBackends, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const errors = plan.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new UnderlayError('underlay-check-failed',
      `pre-apply checks failed, nothing changed:\n  ${errors.map((e) => `${e.subject}: ${e.message}`).join('\n  ')}`, errors);
  }
  const outcome = { changes: plan.changes, problems: plan.problems, dryRun: options.dryRun ?? false };
  if (options.dryRun) return outcome;
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (plan.changes.length === 0) return { ...outcome, ...await importedByOvs(plan, b, timeoutMs) };
  const undos: { change: Change; undo: Undo }[] = [];
  let vtepsReady = false;
  // vswitchd applies mtu_request asynchronously; only those devices must reach it before Linux steps.
  const mtuByOvs = new Set(plan.changes.flatMap((c) =>
    (c.kind === 'ovs-port-add' && c.ifaceType === 'internal') ? [c.port] : c.kind === 'ovs-iface-mtu' ? [c.iface] : []));
  // Bridges this run creates or moves to another datapath: vswitchd may refuse them (no kernel datapath).
  const newBridges = plan.changes.flatMap((c) => (c.kind === 'ovs-bridge-add' || c.kind === 'ovs-bridge-datapath' ? [c.bridge] : []));
  const ensureVteps = async () => {
    if (vtepsReady) return;
    vtepsReady = true;
    for (const v of plan.vteps) {
      const wantMtu = mtuByOvs.has(v.dev);
      await awaitCondition(`device ${v.dev}${wantMtu ? ` with MTU ${v.mtu}` : ''}${b.net.netns ? ` in netns ${b.net.netns}` : ''}`, async () => {
        const link = await b.net.link(v.dev);
        if (link === undefined && newBridges.length > 0) await failOnVswitchdVerdict(b.ovs, newBridges);
        return link !== undefined && (!wantMtu || link.mtu === v.mtu);
      }, timeoutMs);
    }
  };
  for (const [i, change] of plan.changes.entries()) {
    try {
      if (!isOvs(change)) await ensureVteps();
      if (options.failBefore?.(change, i)) throw new UnderlayError('underlay-injected-failure', `injected failure before "${describeChange(change)}"`, change);
      options.log?.(describeChange(change));
      undos.push({ change, undo: await execute(change, b, timeoutMs) });
    } catch (err) {
      const failures = await rollback(undos, options.log);
      const head = `step ${i + 1}/${plan.changes.length} "${describeChange(change)}" failed: ${(err as Error).message}`;
      if (failures.length > 0) {
        throw new UnderlayError('underlay-rollback-failed', `${head}; rollback incomplete:\n  ${failures.join('\n  ')}`, { step: i, change, failures }, { cause: err });
      }
      throw new UnderlayError('underlay-step-failed', `${head}; rolled back ${undos.length} applied step(s), the node is as before`, { step: i, change }, { cause: err });
    }
  }
  if (plan.changes.some(isOvs)) await ensureVteps();
  try {
    return { ...outcome, ...await importedByOvs(plan, b, timeoutMs) };
  } catch (err) {
    const failures = await rollback(undos, options.log);
    if (failures.length > 0) {
      throw new UnderlayError('underlay-rollback-failed', `${(err as Error).message}; rollback incomplete:\n  ${failures.join('\n  ')}`, { failures }, { cause: err });
    }
    throw new UnderlayError('underlay-rules-not-imported', `${(err as Error).message}; rolled back ${undos.length} applied step(s), the node is as before`, plan.ovsImport, { cause: err });
  }
}

const ruleText = (r: IpRule): string => `${r.priority}: from ${r.src ?? 'all'} lookup ${r.table}`;

/**
 * On a userspace-datapath node OVS routes the tunnels with the rules it
 * imported from the kernel (asynchronously, from netlink): wait until its
 * table holds every VTEP rule of the plan. Without a way to ask OVS the
 * outcome says so instead.
 */
async function importedByOvs(plan: UnderlayPlan, b: UnderlayBackends, timeoutMs: number): Promise<Partial<Pick<ApplyOutcome, 'ovsImported' | 'problems'>>> {
  const want = plan.ovsImport;
  if (!want) return {};
  if (!b.ovsRules) {
    return { problems: [...plan.problems, { severity: 'warning', code: 'ovs-import-unchecked', subject: 'ovs-vswitchd',
      message: 'OVS routes this node\'s tunnels (userspace datapath) with the ip rules it imports, but its control socket was not found: not checked that it imported them (--appctl-target)' }] };
  }
  const key = (priority: number, src: string | undefined, table: string) => `${priority} ${src?.replace(/\/(32|128)$/, '') ?? 'all'} ${table}`;
  let missing: IpRule[] = [...want];
  await pollUntil(async () => {
    const have = new Set((await b.ovsRules!()).filter((r) => !r.invert).map((r) => key(r.priority, r.src, r.table)));
    missing = want.filter((w) => !have.has(key(w.priority, w.src, w.table)));
    return missing.length === 0 ? ready(undefined) : notYet('');
  }, timeoutMs, {
    minIntervalMs: 20,
    onTimeout: () => new UnderlayError('underlay-rules-not-imported',
      `OVS routes this node's tunnels itself (userspace datapath) but after ${timeoutMs} ms its rule table (ovs/route/rule/show) still lacks ${missing.map(ruleText).join(', ')}: `
      + 'those VTEPs\' tunnels would ignore their rules', missing),
  });
  return { ovsImported: want.map(ruleText) };
}

async function rollback(undos: { change: Change; undo: Undo }[], log?: (line: string) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const { change, undo } of [...undos].reverse()) {
    try {
      log?.(`undo: ${describeChange(change)}`);
      await undo();
    } catch (err) {
      failures.push(`undo of "${describeChange(change)}": ${(err as Error).message}`);
    }
  }
  return failures;
}

/** Runs one change and hands back its undo. */
async function step(run: () => Promise<unknown>, undo: Undo): Promise<Undo> {
  await run();
  return undo;
}

async function execute(c: Change, { ovs, net }: UnderlayBackends, timeoutMs: number): Promise<Undo> {
  switch (c.kind) {
    case 'ovs-bridge-add':
      await ovs.addBridge(c.bridge, c.datapathType);
      return async () => {
        await ovs.deleteBridge(c.bridge);
        await awaitCondition(`bridge device ${c.bridge} to disappear`, async () => (await net.link(c.bridge)) === undefined, timeoutMs);
      };
    case 'ovs-bridge-datapath':
      await ovs.setBridgeDatapath(c.bridge, c.to);
      return () => ovs.setBridgeDatapath(c.bridge, c.from);
    case 'ovs-port-add':
      await ovs.addPort(c.bridge, {
        name: c.port, type: c.ifaceType === 'internal' ? 'internal' : '',
        ...(c.tag !== undefined ? { tag: c.tag } : {}), ...(c.mtuRequest !== undefined ? { mtuRequest: c.mtuRequest } : {}),
      });
      return async () => {
        await ovs.deletePort(c.bridge, c.port);
        if (c.ifaceType === 'internal') {
          await awaitCondition(`device ${c.port} to disappear`, async () => (await net.link(c.port)) === undefined, timeoutMs);
        }
      };
    case 'ovs-port-tag':
      await ovs.setPortTag(c.port, c.to);
      return () => ovs.setPortTag(c.port, c.from);
    case 'ovs-iface-mtu': {
      // Clearing mtu_request does not restore the device MTU by itself: remember it.
      const before = (await net.link(c.iface))?.mtu;
      await ovs.setMtuRequest(c.iface, c.to);
      return async () => {
        await ovs.setMtuRequest(c.iface, c.from);
        if (before !== undefined) {
          if (c.from === undefined) await net.setMtu(c.iface, before);
          await awaitCondition(`${c.iface} MTU back to ${before}`, async () => (await net.link(c.iface))?.mtu === before, timeoutMs);
        }
      };
    }
    case 'ovs-key':
      await ovs.setExternalId(c.key, c.to, c.from);
      return () => ovs.setExternalId(c.key, c.from, c.to);
    case 'link-mtu':
      await net.setMtu(c.dev, c.to);
      return () => net.setMtu(c.dev, c.from);
    case 'link-address':
      await net.addAddress(c.dev, c.address, c.prefixLength);
      return async () => {
        const link = await net.link(c.dev);
        if (link?.addresses.some((a) => a.address === c.address && a.prefixLength === c.prefixLength)) {
          await net.deleteAddress(c.dev, c.address, c.prefixLength);
        }
      };
    case 'link-up':
      await net.setLinkUp(c.dev, true);
      return () => net.setLinkUp(c.dev, false);
    case 'rp-filter':
      await net.writeRpFilter(c.dev, c.to);
      return () => net.writeRpFilter(c.dev, c.from);
    // Added rules and routes carry mvtep's protocol mark: the undo deletes exactly that one.
    case 'rule-add': return step(() => net.addRule(c.rule), () => net.deleteRule({ ...c.rule, protocol: String(MVTEP_PROTO) }));
    case 'rule-del': return step(() => net.deleteRule(c.rule), () => net.addRule(c.rule));
    case 'route-add': return step(() => net.addRoute(c.route), () => net.deleteRoute({ ...c.route, protocol: String(MVTEP_PROTO) }));
    case 'route-del': return step(() => net.deleteRoute(c.route), () => net.addRoute(c.route));
  }
}
