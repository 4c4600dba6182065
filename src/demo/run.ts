/**
 * The demo, end to end on a real OVN (docs/demo.md): lab -> underlay from
 * node specs -> an agent per chassis -> pods without encap-ip -> wait for the
 * agent and the bindings -> verify + trace (confirmed by ofproto/trace and
 * the kernel) -> steering table -> optional break -> dashboard -> teardown.
 */
import { startLab, type Lab } from '../lab/index.ts';
import { applyNodeSpec } from '../node/underlay/index.ts';
import { errorMessage } from '../util/errors.ts';
import { ViewHub } from '../web/hub.ts';
import { computeView, LiveView, type LiveViewOptions } from '../web/live.ts';
import { startDashboardServer } from '../web/server.ts';
import type { ListenAddress } from '../web/listen.ts';
import type { DashboardView } from '../web/view.ts';
import { startDemoAgents, type DemoAgents } from './agents.ts';
import { injectBreak, judgeBreak, type BreakCheck, type BreakVerdict, type Injected } from './break.ts';
import { labConfirmer } from './labSource.ts';
import { DemoError, planDemo, type DemoPlan } from './plan.ts';
import { makeTracer } from './trace.ts';

export interface DemoOptions {
  readonly seedFile: string;
  readonly nodes: number;
  /** Leave the lab (and agents) running after the demo. */
  readonly keep: boolean;
  readonly breakCheck?: BreakCheck;
  /** Serve the dashboard until `stop` resolves. */
  readonly ui: boolean;
  readonly listen: ListenAddress;
  readonly allowNonLoopback: boolean;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C); also aborts setup between steps. */
  readonly stop: Promise<unknown>;
  /** Called with the dashboard URL once it serves. */
  readonly onServing?: (url: string) => void;
  /** Called with the healthy view, before any break and before the dashboard. */
  readonly onReady?: (view: DashboardView) => void;
  readonly readyTimeoutMs?: number;
}

export interface DemoOutcome {
  readonly plan: DemoPlan;
  /** The view after setup (before any break). */
  readonly healthy: DashboardView;
  /** The view after the break, when one was injected. */
  readonly broken?: DashboardView;
  readonly injected?: Injected;
  readonly verdict?: BreakVerdict;
  /** Every path confirmed by ofproto/trace and the kernel, on its own NIC, and no error finding. */
  readonly allConfirmed: boolean;
  readonly timings: Readonly<Record<string, number>>;
  /** Work dir of a lab left running with --keep. */
  readonly keptLab?: string;
}

class Interrupted extends DemoError {}

/** Waits for `check` to hold, polling with backoff, up to `timeoutMs`; `what` names it in the error. */
export async function awaitDemo<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, aborted: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = 50;
  let last = '';
  for (;;) {
    if (aborted()) throw new Interrupted('demo-interrupted', `interrupted while waiting for ${what}`, what);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() > deadline) throw new DemoError('demo-timeout', `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`, what);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 500);
  }
}

/** Healthy = every pod's SB binding points at its PF's VTEP (the agent wrote encap-ip, ovn-controller bound it). */
function bindingsMissing(plan: DemoPlan, view: DashboardView): string[] {
  const out: string[] = [];
  for (const [pod, vtep] of plan.expectedVtep) {
    const row = view.steering.find((r) => r.pod === pod);
    if (!row) out.push(`${pod}: not on br-int`);
    else if (row.encapIp !== vtep) out.push(`${pod}: encap-ip ${row.encapIp ?? 'absent'}, want ${vtep}`);
    else if (row.bindingEncapIp !== vtep) out.push(`${pod}: Port_Binding.encap ${row.bindingEncapIp ?? 'empty'}, want ${vtep}`);
  }
  return out;
}

export function allConfirmed(view: DashboardView): boolean {
  return view.summary.paths > 0 && view.summary.pathsOk === view.summary.paths && view.summary.errors === 0;
}

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  let stopped = false;
  void opts.stop.then(() => {
    stopped = true;
  });
  const aborted = () => stopped;
  const step = async <T>(name: string, what: string, fn: () => Promise<T>): Promise<T> => {
    if (stopped) throw new Interrupted('demo-interrupted', `interrupted before: ${what}`, name);
    const t = Date.now();
    opts.log(`${what}...`);
    const v = await fn();
    timings[name] = Date.now() - t;
    opts.log(`${what}: done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    return v;
  };
  const timeout = opts.readyTimeoutMs ?? 120_000;

  const plan = await planDemo(opts.seedFile, opts.nodes);
  let lab: Lab | undefined;
  let agents: DemoAgents | undefined;
  let live: LiveView | undefined;
  let keep = false;
  try {
    lab = await step('lab', `starting the lab (${plan.scenario.chassis.length} chassis x ${plan.scenario.chassis[0]?.nics.length ?? 0} NICs)`,
      () => startLab(plan.scenario, { log: (l) => opts.log(`  lab: ${l}`), handleSignals: false, readyTimeoutMs: timeout }));
    const theLab = lab;
    await step('underlay', 'applying the underlay from node specs (VTEP ports, ovn-encap-ip, PF mapping, source routing)', async () => {
      await Promise.all(Object.values(theLab.chassis).map(async (c) => {
        const spec = plan.specs.get(c.name)!;
        const res = await applyNodeSpec(spec, { ovsdb: c.ovsdbRemote, netns: c.netns, timeoutMs: timeout });
        opts.log(`  ${c.name}: ${res.changes.length} changes`);
      }));
    });
    await step('register', 'waiting for chassis registration and the tunnel mesh', () => theLab.waitForBindings(timeout));
    agents = await step('agents', 'starting the node agent on every chassis', () => startDemoAgents(theLab, opts.log));
    await step('pods', `plugging ${plan.pods.length} pods on VFs (no encap-ip: the agent sets it)`, async () => {
      // One at a time: addPod records the lab state file.
      for (const p of plan.pods) await theLab.addPod(p, { wait: false });
      await theLab.waitForBindings(timeout);
    });

    const viewOpts: Omit<LiveViewOptions, 'hub'> = {
      source: { kind: 'demo', name: `${plan.scenario.name}: ${plan.scenario.chassis.length} nodes (lab ${theLab.id})` },
      sb: theLab.sb.remote,
      nodes: Object.values(theLab.chassis).map((c) => ({ ovsdb: c.ovsdbRemote, netns: c.netns, sysfs: c.sysfsRoot })),
      nics: plan.nics,
      tracer: makeTracer({ confirm: labConfirmer(theLab) }),
      log: opts.log,
    };
    await step('agent-bindings', 'waiting for the agent to set encap-ip and OVN to bind each pod to its VTEP', () =>
      awaitDemo('encap-ip and Port_Binding.encap of every pod', async () => {
        const { view } = await computeView({ ...viewOpts, tracer: undefined });
        return bindingsMissing(plan, view).length === 0 ? true : undefined;
      }, timeout, aborted));
    const healthy = await step('trace', 'running verify and trace (confirmed by ofproto/trace and ip route get)',
      async () => (await computeView(viewOpts)).view);
    opts.onReady?.(healthy);

    let broken: DashboardView | undefined;
    let injected: Injected | undefined;
    let verdict: BreakVerdict | undefined;
    if (opts.breakCheck) {
      const check = opts.breakCheck;
      injected = await step('break', `injecting the misconfiguration '${check}'`, () => injectBreak(check, {
        lab: theLab, specs: plan.specs, stopAgent: (c) => agents!.stop(c),
      }));
      opts.log(`  ${injected.description}`);
      const target = injected;
      broken = await step('break-verify', 'waiting for verify and trace to see it', () =>
        awaitDemo(`verify to report ${check}`, async () => {
          const { view } = await computeView(viewOpts);
          return judgeBreak(target, view).caught ? view : undefined;
        }, 30_000, aborted).catch(async (err) => {
          // Not caught in time: report the state as it is, the verdict says so.
          opts.log(`  ${errorMessage(err)}`);
          return (await computeView(viewOpts)).view;
        }));
      verdict = judgeBreak(injected, broken);
    }

    if (opts.ui) {
      const hub = new ViewHub(broken ?? healthy);
      live = await LiveView.start({ ...viewOpts, hub });
      const server = await startDashboardServer({ hub, listen: opts.listen, allowNonLoopback: opts.allowNonLoopback });
      opts.log(`dashboard on ${server.url} (Ctrl-C to stop and tear down)`);
      opts.onServing?.(server.url);
      await opts.stop;
      await server.close();
    }
    keep = opts.keep;
    return {
      plan, healthy, timings,
      ...(broken ? { broken } : {}), ...(injected ? { injected } : {}), ...(verdict ? { verdict } : {}),
      allConfirmed: allConfirmed(healthy),
      ...(keep && lab ? { keptLab: lab.workDir } : {}),
    };
  } finally {
    live?.close();
    if (!keep) {
      const t = Date.now();
      opts.log('tearing down (agents, lab daemons, network namespaces, temp dirs)...');
      await agents?.stopAll().catch((err) => opts.log(`  agent stop failed: ${errorMessage(err)}`));
      await lab?.down().catch((err) => opts.log(`  lab teardown failed: ${errorMessage(err)}`));
      timings['teardown'] = Date.now() - t;
      opts.log(`teardown: done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    } else if (lab) {
      opts.log(`--keep: lab ${lab.name} left running in ${lab.workDir} (mvtep lab down to remove it)`);
    }
    timings['total'] = Date.now() - t0;
  }
}

