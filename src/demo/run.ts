/**
 * The demo, end to end on a real OVN (docs/demo.md): lab -> underlay from
 * node specs -> an agent per chassis -> pods without encap-ip -> wait for the
 * agent and the bindings -> verify + trace (confirmed by ofproto/trace and
 * the kernel) -> steering table -> optional break -> dashboard -> teardown.
 */
import { basename } from 'node:path';
import { errorMessage } from '../util/errors.ts';
import { ViewHub } from '../web/hub.ts';
import { LiveView } from '../web/live.ts';
import { startDashboardServer } from '../web/server.ts';
import type { ListenAddress } from '../config/index.ts';
import type { DashboardView } from '../web/view.ts';
import { judgeBreak, type BreakCheck, type BreakVerdict, type Injected } from './break.ts';
import type { DemoPlan } from './plan.ts';
import { awaitDemo, setupDemo, stepTimer, type DemoSession } from './session.ts';

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
  /** Called with the healthy view, before any break and before the dashboard. */
  readonly onReady?: (view: DashboardView) => void;
  readonly readyTimeoutMs?: number;
}

export interface DemoOutcome {
  readonly plan: DemoPlan;
  /** The view after setup (before any break). */
  readonly healthy: DashboardView;
  readonly broken?: DashboardView;
  readonly injected?: Injected;
  readonly verdict?: BreakVerdict;
  /** Every path confirmed by ofproto/trace and the kernel, on its own NIC, and no error finding. */
  readonly allConfirmed: boolean;
  readonly timings: Readonly<Record<string, number>>;
  /** Work dir of a lab left running with --keep. */
  readonly keptLab?: string;
}

export function allConfirmed(view: DashboardView): boolean {
  return view.summary.paths > 0 && view.summary.pathsOk === view.summary.paths && view.summary.errors === 0;
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
  });
  const timings = session.timings;
  const timed = stepTimer(timings, opts.log);
  let live: LiveView | undefined;
  let keep = false;
  try {
    const healthy = await timed('verify-trace', 'running verify and trace (confirmed by ofproto/trace and ip route get)', () => session.view());
    opts.onReady?.(healthy);
    let broke: Awaited<ReturnType<typeof breakAndJudge>> | undefined;
    if (opts.breakCheck) {
      const check = opts.breakCheck;
      broke = await timed('break', `injecting '${check}' and waiting for verify and trace to see it`,
        () => breakAndJudge(session, check, opts.log, aborted));
    }
    if (opts.ui && !stopped) {
      const hub = new ViewHub(broke?.broken ?? healthy);
      live = await LiveView.start({ ...session.viewOptions, hub });
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
      allConfirmed: allConfirmed(healthy),
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
