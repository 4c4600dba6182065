/**
 * The lab: a real multi-chassis OVN on one machine, from a YAML scenario.
 * See docs/lab.md for the scenario format and this API.
 */
import { isOvnRelease, requireRuntime, type OvnRuntime } from './runtime.ts';
import { loadScenario, type Scenario } from './scenario.ts';
import { defaultLabRoot, listStates, readState, teardownState, type LabState } from './state.ts';
import { Lab, LabUsageError } from './labHandle.ts';

export { startLab, LabError, type StartLabOptions } from './lab.ts';
export { Lab, LabUsageError, type LabStatus, type AddPodInput } from './labHandle.ts';
export { loadScenario, parseScenario, ScenarioError, type Scenario, type ChassisSpec, type ScenarioNic, type PodSpec,
  type SwitchSpec, type FabricSpec, type EncapType } from './scenario.ts';
export { defaultLabRoot, listStates, readState, type LabState, type ChassisHandle, type PodHandle, type NicHandle,
  type FabricHandle } from './state.ts';
export type { EgressResult } from './trace.ts';
export { LabTimeoutError } from './wait.ts';

/**
 * A Lab handle for a lab started elsewhere (e.g. by `mvtep lab up`), from its
 * work dir, with the scenario recorded in its state (so addPod works too).
 */
export async function attachLab(workDir: string, opts: { runtime?: OvnRuntime; env?: NodeJS.ProcessEnv } = {}): Promise<Lab> {
  const state = await readState(workDir);
  if (!state) throw new LabUsageError('lab-not-found', `no lab state in ${workDir}`, workDir);
  // The release the lab runs: its daemons' tools must be of the same OVN.
  const runtime = opts.runtime ?? await requireRuntime({
    ...(opts.env ? { env: opts.env } : {}),
    ...(state.release && isOvnRelease(state.release) ? { release: state.release } : {}),
  });
  const scenario: Scenario | undefined = state.scenario ?? await loadScenario(state.scenarioFile).catch(() => undefined);
  return new Lab(state, runtime, scenario);
}

/** Tears down the lab in `workDir` from its state file. Returns false when there was none (already down). */
export async function downLab(workDir: string): Promise<boolean> {
  const state: LabState | undefined = await readState(workDir);
  if (!state) return false;
  await teardownState(state);
  return true;
}

/** Labs with a state file under `root` (default: the lab root). */
export function listLabs(root: string = defaultLabRoot()): Promise<LabState[]> {
  return listStates(root);
}
