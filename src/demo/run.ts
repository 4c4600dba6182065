/**
 * The demo, end to end on a real OVN (docs/demo.md): lab -> underlay from
 * node specs -> an agent per chassis -> pods without encap-ip -> wait for the
 * agent and the bindings -> verify + trace (confirmed by ofproto/trace and
 * the kernel) -> on a netdev lab, every cross-node pair pinged and seen on
 * the wire -> steering table -> optional break -> dashboard -> teardown.
 */
import { basename } from 'node:path';
import { errorMessage } from '../util/errors.ts';
import { ViewHub } from '../web/hub.ts';
import { LiveView } from '../web/live.ts';
import { startDashboardServer } from '../web/server.ts';
import type { ListenAddress } from '../config/index.ts';
import type { DashboardView } from '../web/view.ts';
import type { OvnRuntime } from '../lab/runtime.ts';
import { judgeBreak, wireOffNic, type BreakCheck, type BreakVerdict, type Injected } from './break.ts';
import type { DemoDatapath, DemoPlan } from './plan.ts';
import { awaitDemo, setupDemo, stepTimer, type DemoSession } from './session.ts';
import { probeWire, wirePairs, type WireReport } from './wire.ts';
import { labWireProber } from './wireWatch.ts';

export interface DemoOptions {
  readonly seedFile: string;
  readonly nodes: number;
  /** Leave the lab running after the demo (the in-process agents stop with the process). */
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
  readonly onServing?: (url: string) => void;
  /** Called with the healthy view (and, on a netdev lab, the wire), before any break and before the dashboard. */
  readonly onReady?: (view: DashboardView, wire?: WireReport) => void;
  readonly readyTimeoutMs?: number;
  /** br-int's datapath whatever the seed says (netdev: the wire check runs); default: the seed's. */
  readonly datapath?: DemoDatapath;
  readonly runtime?: OvnRuntime;
}

export interface DemoOutcome {
  readonly plan: DemoPlan;
  /** The view after setup (before any break). */
  readonly healthy: DashboardView;
  readonly broken?: DashboardView;
  readonly injected?: Injected;
  readonly verdict?: BreakVerdict;
  /** netdev: what the wire showed for every cross-node pair, healthy and after the break. */
  readonly wire?: { readonly healthy: WireReport; readonly broken?: WireReport };
  /** Every path confirmed by ofproto/trace and the kernel, on its own NIC, and no error finding; netdev: and seen so on the wire. */
  readonly allConfirmed: boolean;
  readonly timings: Readonly<Record<string, number>>;
  /** Work dir of a lab left running with --keep. */
  readonly keptLab?: string;
}

export function allConfirmed(view: DashboardView, wire?: WireReport): boolean {
  return view.summary.paths > 0 && view.summary.pathsOk === view.summary.paths && view.summary.errors === 0
    && (!wire || (wire.paths.length > 0 && wire.paths.every((p) => p.verdict === 'wire')));
}

/**
 * The wire after a break: OVN and OVS apply it a little after verify sees
 * it in OVSDB, so the pairs are probed again (bounded) until the injected
 * pod's packets show off its NIC; the last probe is returned either way.
 */
export async function wireAfterBreak(session: DemoSession, injected: Injected, timeoutMs = 15_000): Promise<WireReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const wire = await probeWire(session.lab, session.plan);
    if (wireOffNic(injected.pod, wire).length > 0 || Date.now() >= deadline) return wire;
  }
}

/** Injects `check`, then waits (bounded) until verify reports it; the verdict says whether it was caught. */
export async function breakAndJudge(session: DemoSession, check: BreakCheck, log: (l: string) => void, aborted: () => boolean) {
  const injected = await session.inject(check);
  log(`  ${injected.description}`);
  let broken: DashboardView;
  try {
    broken = await awaitDemo(`verify to report ${check}`, async () => {
      const view = await session.view();
      return judgeBreak(injected, view).caught ? view : undefined;
    }, 30_000, aborted);
  } catch (err) {
    // Not caught in time: show the state as it is; the verdict says so.
    log(`  ${errorMessage(err)}`);
    broken = await session.view();
  }
  return { injected, broken, verdict: judgeBreak(injected, broken) };
}

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const t0 = Date.now();
  let stopped = false;
  void opts.stop.then(() => {
    stopped = true;
  });
  const aborted = () => stopped;
  const session = await setupDemo({
    seedFile: opts.seedFile, nodes: opts.nodes, log: opts.log, aborted, keep: opts.keep,
    ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
    ...(opts.datapath ? { datapath: opts.datapath } : {}),
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
  });
  const timings = session.timings;
  const timed = stepTimer(timings, opts.log);
  let live: LiveView | undefined;
  let keep = false;
  try {
    const healthy = await timed('verify-trace', 'running verify and trace (confirmed by ofproto/trace and ip route get)', () => session.view());
    const netdev = session.plan.scenario.datapath === 'netdev';
    const wire = netdev
      ? await timed('wire', `pinging every cross-node pod pair (${wirePairs(session.lab).length}) while tcpdump captures on every PF`,
        () => probeWire(session.lab, session.plan))
      : undefined;
    opts.onReady?.(healthy, wire);
    let broke: Awaited<ReturnType<typeof breakAndJudge>> | undefined;
    let wireBroken: WireReport | undefined;
    if (opts.breakCheck) {
      const check = opts.breakCheck;
      broke = await timed('break', `injecting '${check}' and waiting for verify and trace to see it`,
        () => breakAndJudge(session, check, opts.log, aborted));
      if (netdev) {
        const b = broke;
        wireBroken = await timed('wire-break', 'pinging every pair again: where the broken pod\'s packets go on the wire',
          () => wireAfterBreak(session, b.injected));
        broke = { ...b, verdict: judgeBreak(b.injected, b.broken, wireBroken) };
      }
    }
    if (opts.ui && !stopped) {
      const hub = new ViewHub(broke?.broken ?? healthy);
      // netdev: the dashboard shows the wire too, starting from the probe just run.
      const latest = wireBroken ?? wire;
      live = await LiveView.start({ ...session.viewOptions, hub, ...(latest ? { wire: labWireProber(session.lab, { log: opts.log }, latest) } : {}) });
      const server = await startDashboardServer({ hub, listen: opts.listen, allowNonLoopback: opts.allowNonLoopback });
      opts.log(`dashboard on ${server.url} (Ctrl-C to stop and tear down)`);
      opts.onServing?.(server.url);
      await opts.stop;
      await server.close();
    }
    keep = opts.keep;
    return {
      plan: session.plan, healthy, timings,
      ...(broke ? { broken: broke.broken, injected: broke.injected, verdict: broke.verdict } : {}),
      ...(wire ? { wire: { healthy: wire, ...(wireBroken ? { broken: wireBroken } : {}) } } : {}),
      allConfirmed: allConfirmed(healthy, wire),
      ...(keep ? { keptLab: session.lab.workDir } : {}),
    };
  } finally {
    live?.close();
    if (keep) {
      // The agents live in this process: stop them so it can exit; the lab's daemons keep running.
      await session.agents.stopAll();
      opts.log(`--keep: lab ${session.lab.name} left running in ${session.lab.workDir} (remove it with 'mvtep lab down --name ${basename(session.lab.workDir)}')`);
    } else {
      await session.teardown();
    }
    timings['total'] = Date.now() - t0;
  }
}
