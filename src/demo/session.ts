/**
 * The demo's building blocks: `setupDemo` brings up lab, underlay, agents
 * and pods and waits until OVN has bound every pod to its NIC's VTEP; the
 * session then computes views, injects breaks and tears everything down.
 * `runDemo` (run.ts) and the browser test both use it.
 */
import { startLab, type Lab } from '../lab/index.ts';
import type { OvnRuntime } from '../lab/runtime.ts';
import { applyNodeSpec } from '../node/underlay/index.ts';
import { errorMessage } from '../util/errors.ts';
import { notYet, pollUntil, ready, type Probe } from '../util/wait.ts';
import { computeView, type LiveViewOptions } from '../web/live.ts';
import type { DashboardView } from '../web/view.ts';
import { startDemoAgents, type DemoAgents } from './agents.ts';
import { injectBreak, type BreakCheck, type Injected } from './break.ts';
import { labConfirmer } from './labSource.ts';
import { DemoError, planDemo, type DemoDatapath, type DemoPlan } from './plan.ts';
import { makeTracer } from './trace.ts';

export class DemoInterrupted extends DemoError {}

export interface SetupOptions {
  readonly seedFile: string;
  readonly nodes: number;
  readonly log: (line: string) => void;
  /** Checked between steps and while waiting: true aborts setup (and tears down). */
  readonly aborted?: () => boolean;
  readonly readyTimeoutMs?: number;
  /** Record the lab as detached (meant to outlive this process), for --keep. */
  readonly keep?: boolean;
  /** br-int's datapath, whatever the seed says; default: the seed's. */
  readonly datapath?: DemoDatapath;
  /** The OVN/OVS to run (default: the selected release, $MVTEP_OVN_RELEASE or 25.03). */
  readonly runtime?: OvnRuntime;
}

export interface DemoSession {
  readonly plan: DemoPlan;
  readonly lab: Lab;
  readonly agents: DemoAgents;
  /** Everything the dashboard needs to gather, verify and trace this demo. */
  readonly viewOptions: Omit<LiveViewOptions, 'hub'>;
  /** Step durations in ms. */
  readonly timings: Record<string, number>;
  /** Gathers, verifies and traces (confirmed) now. */
  view(): Promise<DashboardView>;
  inject(check: BreakCheck): Promise<Injected>;
  /** Stops the agents and removes the lab; safe to call twice. */
  teardown(): Promise<void>;
}

/**
 * Polls `check` until it returns a value, up to `timeoutMs`. A check that
 * throws counts as "not yet" (a daemon may still be starting); its message
 * goes into the timeout error.
 */
export function awaitDemo<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number,
  aborted: () => boolean = () => false): Promise<T> {
  const probe = async (): Promise<Probe<T>> => {
    try {
      const v = await check();
      return v === undefined ? notYet('') : ready(v);
    } catch (err) {
      return notYet(errorMessage(err));
    }
  };
  return pollUntil(probe, timeoutMs, {
    minIntervalMs: 50,
    maxIntervalMs: 500,
    abort: () => (aborted() ? new DemoInterrupted('demo-interrupted', `interrupted while waiting for ${what}`, what) : undefined),
    onTimeout: (last) => new DemoError('demo-timeout', `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`, what),
  });
}

/** What still keeps a pod off its NIC's VTEP: the agent's encap-ip, then OVN's Port_Binding.encap. */
export function bindingsMissing(plan: DemoPlan, view: DashboardView): string[] {
  const out: string[] = [];
  for (const [pod, vtep] of plan.expectedVtep) {
    const row = view.steering.find((r) => r.pod === pod);
    if (!row) out.push(`${pod}: not on br-int`);
    else if (row.encapIp !== vtep) out.push(`${pod}: encap-ip ${row.encapIp ?? 'absent'}, want ${vtep}`);
    else if (row.bindingEncapIp !== vtep) out.push(`${pod}: Port_Binding.encap ${row.bindingEncapIp ?? 'empty'}, want ${vtep}`);
  }
  return out;
}

/**
 * Runs a named demo step: logs its start and duration, records the time in
 * `timings`, and refuses to start once the demo was interrupted.
 */
export function stepTimer(timings: Record<string, number>, log: (line: string) => void, aborted: () => boolean = () => false) {
  return async <T>(name: string, what: string, fn: () => Promise<T>): Promise<T> => {
    if (aborted()) throw new DemoInterrupted('demo-interrupted', `interrupted before: ${what}`, name);
    const t = Date.now();
    log(`${what}...`);
    const v = await fn();
    timings[name] = Date.now() - t;
    log(`${what}: done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    return v;
  };
}

export async function setupDemo(opts: SetupOptions): Promise<DemoSession> {
  const timings: Record<string, number> = {};
  const aborted = opts.aborted ?? (() => false);
  const timeout = opts.readyTimeoutMs ?? 120_000;
  const step = stepTimer(timings, opts.log, aborted);

  const plan = await planDemo(opts.seedFile, opts.nodes, opts.datapath);
  let lab: Lab | undefined;
  let agents: DemoAgents | undefined;
  let down = false;
  const teardown = async () => {
    if (down) return;
    down = true;
    const t = Date.now();
    opts.log('tearing down (agents, lab daemons, network namespaces, temp dirs)...');
    await agents?.stopAll().catch((err) => opts.log(`  agent stop failed: ${errorMessage(err)}`));
    await lab?.down().catch((err) => opts.log(`  lab teardown failed: ${errorMessage(err)}`));
    timings['teardown'] = Date.now() - t;
    opts.log(`teardown: done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  };
  try {
    const theLab = await step('lab', `starting the lab (${plan.scenario.chassis.length} chassis x ${plan.scenario.chassis[0]?.nics.length ?? 0} NICs, datapath ${plan.scenario.datapath})`,
      () => startLab(plan.scenario, {
        log: (l) => opts.log(`  lab: ${l}`), handleSignals: false, readyTimeoutMs: timeout, detached: opts.keep ?? false,
        ...(opts.runtime ? { runtime: opts.runtime } : {}),
      }));
    lab = theLab;
    await step('underlay', 'applying the underlay from node specs (VTEP ports, ovn-encap-ip, PF mapping, source routing)', async () => {
      await Promise.all(Object.values(theLab.chassis).map(async (c) => {
        const res = await applyNodeSpec(plan.specs.get(c.name)!, { ovsdb: c.ovsdbRemote, netns: c.netns, timeoutMs: timeout });
        opts.log(`  ${c.name}: ${res.changes.length} changes`);
      }));
    });
    await step('register', 'waiting for chassis registration and the tunnel mesh', () => theLab.waitForBindings(timeout));
    const theAgents = await step('agents', 'starting the node agent on every chassis', () => startDemoAgents(theLab, opts.log));
    agents = theAgents;
    await step('pods', `plugging ${plan.pods.length} pods on VFs (no encap-ip: the agent sets it)`, async () => {
      // One at a time: addPod records the lab's state file.
      for (const p of plan.pods) await theLab.addPod(p, { wait: false });
      await theLab.waitForBindings(timeout);
    });
    const viewOptions: Omit<LiveViewOptions, 'hub'> = {
      source: { kind: 'demo', name: `${plan.scenario.name}: ${plan.scenario.chassis.length} nodes (lab ${theLab.id})` },
      sb: theLab.sb.remote,
      nodes: Object.values(theLab.chassis).map((c) => ({ ovsdb: c.ovsdbRemote, netns: c.netns, sysfs: c.sysfsRoot, appctlTarget: c.vswitchdCtl })),
      nics: plan.nics,
      tracer: makeTracer({ confirm: labConfirmer(theLab) }),
      log: opts.log,
    };
    await step('agent-bindings', 'waiting for the agent to set encap-ip and OVN to bind each pod to its VTEP', () =>
      awaitDemo('encap-ip and Port_Binding.encap of every pod', async () => {
        const { view } = await computeView({ ...viewOptions, tracer: undefined });
        const why = bindingsMissing(plan, view);
        if (why.length > 0) throw new DemoError('demo-not-bound', why.slice(0, 3).join('; '), why);
        return true;
      }, timeout, aborted));
    return {
      plan, lab: theLab, agents: theAgents, viewOptions, timings,
      view: async () => (await computeView(viewOptions)).view,
      inject: (check) => injectBreak(check, { lab: theLab, specs: plan.specs, stopAgent: (c) => theAgents.stop(c) }),
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
