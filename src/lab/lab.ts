import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MvtepError, errorMessage } from '../util/errors.ts';
import { startCentral } from './central.ts';
import { chassisHandle, startChassis } from './chassis.ts';
import { allSettledOrThrow, LabContext } from './context.ts';
import { startLabFabric } from './fabric.ts';
import { createLogicalPorts, plugRepresentors, podHandle } from './pods.ts';
import { isAlive } from './process.ts';
import { awaitReady } from './readiness.ts';
import { requireRuntime, type OvnRuntime } from './runtime.ts';
import type { Scenario } from './scenario.ts';
import { defaultLabRoot, readState, teardownState, type ChassisHandle, type LabState, type PodHandle } from './state.ts';
import { checkNetdevRuntime, isNetdevLab, nextPodNetns } from './podNetns.ts';
import { Lab } from './labHandle.ts';
import { bringUpInterconnect } from './icBringUp.ts';

export class LabError extends MvtepError {}

export interface StartLabOptions {
  readonly runtime?: OvnRuntime;
  readonly log?: (line: string) => void;
  /** Parent of the lab's work dir (default $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab). */
  readonly workRoot?: string;
  /** Exact work dir (the CLI uses <root>/<name>); default <workRoot>/<name>-<id>. */
  readonly workDir?: string;
  /** Recorded in the state: the lab is meant to outlive this process (CLI `lab up`). */
  readonly detached?: boolean;
  /** Tear down and exit(130) on SIGINT/SIGTERM while `up` runs (default true). */
  readonly handleSignals?: boolean;
  /** Deadline for chassis registration, tunnels and bindings (default 90 s). */
  readonly readyTimeoutMs?: number;
}

/** The lab's random id: 5 base-36 chars, part of every netns name. */
function newLabId(): string {
  return [...randomBytes(5)].map((b) => (b % 36).toString(36)).join('');
}

/** Aborts `up` cleanly: the next setup step throws, and the catch tears everything down. */
class AbortFlag {
  signal: string | undefined;
  check(): void {
    if (this.signal) throw new LabError('lab-interrupted', `lab start interrupted by ${this.signal}`, this.signal);
  }
}

async function refuseLiveLab(workDir: string): Promise<void> {
  const old = await readState(workDir);
  if (!old) return;
  const live = [];
  for (const d of old.daemons) if (await isAlive(d)) live.push(d);
  if (live.length > 0) {
    throw new LabError('lab-running', `a lab is already running in ${workDir} (${live.length} daemons); run 'mvtep lab down' first`, workDir);
  }
  // A dead lab's leftovers (netns, files) would collide with the new one.
  await teardownState(old);
}

/**
 * Starts a real OVN deployment for `scenario` and returns once every chassis
 * is registered with its Encap rows, all tunnels exist and every pod's port
 * is bound and up. On any failure (or SIGINT/SIGTERM) everything created so
 * far is removed before the error is rethrown.
 */
export async function startLab(scenario: Scenario, options: StartLabOptions = {}): Promise<Lab> {
  const started = Date.now();
  const runtime = options.runtime ?? await requireRuntime();
  const log = options.log ?? (() => {});
  checkNetdevRuntime(scenario, runtime);
  const id = newLabId();
  const workDir = options.workDir ?? join(options.workRoot ?? defaultLabRoot(), `${scenario.name}-${id}`);
  await refuseLiveLab(workDir);
  await mkdir(workDir, { recursive: true });
  const state: LabState = {
    version: 1, id, name: scenario.name, scenarioFile: resolve(scenario.file), scenario, workDir, createdAt: new Date().toISOString(),
    release: runtime.release,
    detached: options.detached ?? false, phase: 'starting', netns: [], daemons: [], chassis: [], pods: [],
  };
  const abort = new AbortFlag();
  const ctx = new LabContext(state, runtime, log, () => abort.check());
  await ctx.save();

  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal) return;
    abort.signal = sig;
    log(`${sig}: tearing the lab down`);
    // Exit only after the failed start has torn everything down.
    // (Signals arrive from the event loop, so `whole` is always assigned by then.)
    void whole.catch(() => undefined).finally(() => process.exit(130));
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const whole = (async () => {
    try {
      const lab = await bringUp(ctx, scenario, options.readyTimeoutMs ?? 90_000, started);
      abort.check(); // a signal during the last step still means "tear down"
      return lab;
    } catch (err) {
      state.phase = 'failed';
      await ctx.save().catch(() => undefined);
      try {
        await teardownState(state);
      } catch (tdErr) {
        throw new LabError('lab-up-failed', `${errorMessage(err)} (and teardown failed: ${errorMessage(tdErr)})`, workDir, { cause: err });
      }
      throw err;
    }
  })();
  try {
    return await whole;
  } finally {
    if (handleSignals && !abort.signal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

async function bringUp(ctx: LabContext, scenario: Scenario, readyTimeoutMs: number, started: number): Promise<Lab> {
  const { state, log } = ctx;
  log(`lab ${state.name} (${state.id}) in ${state.workDir}`);
  if (scenario.interconnect) {
    await bringUpInterconnect(ctx, scenario, readyTimeoutMs);
    return labUp(ctx, scenario, started);
  }
  const handles: ChassisHandle[] = scenario.chassis.map((c, i) => chassisHandle(state.workDir, state.id, c, i + 1));
  await allSettledOrThrow([
    startCentral(ctx),
    startLabFabric(ctx, scenario.fabric),
  ]);
  log('central (NB, SB, northd) and fabric up');
  const chassis = await allSettledOrThrow(scenario.chassis.map((c, i) => startChassis(ctx, scenario, c, handles[i]!, state.fabric!)));
  state.chassis.push(...chassis);
  await ctx.save();
  log(`chassis up: ${chassis.map((c) => c.name).join(', ')}`);

  const netdev = isNetdevLab(scenario);
  const pods: PodHandle[] = [];
  for (const p of scenario.pods) {
    pods.push(podHandle(p, chassis.find((c) => c.name === p.chassis)!, netdev ? nextPodNetns(state, pods.map((q) => q.netns!)) : undefined));
  }
  await createLogicalPorts(ctx, scenario.switches, pods);
  await allSettledOrThrow(chassis.map((c) => plugRepresentors(ctx, c, pods.filter((p) => p.chassis === c.name))));
  state.pods.push(...pods);
  await ctx.save();
  ctx.checkAbort();
  log(`${pods.length} pods plugged; waiting for registration, tunnels and bindings`);
  await awaitReady({
    sbRemote: state.sb!.remote, encapType: scenario.encapType, chassis, pods, abort: () => ctx.checkAbort(),
  }, readyTimeoutMs);
  return labUp(ctx, scenario, started);
}

async function labUp(ctx: LabContext, scenario: Scenario, started: number): Promise<Lab> {
  const { state, log } = ctx;
  state.phase = 'up';
  state.upMs = Date.now() - started;
  await ctx.save();
  log(`lab ${state.name} up in ${(state.upMs / 1000).toFixed(1)}s`);
  return new Lab(state, ctx.runtime, scenario, log);
}
