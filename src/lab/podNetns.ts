import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import type { LabContext } from './context.ts';
import { parseVersion, versionAtLeast, type Version } from './releases.ts';
import type { OvnRuntime } from './runtime.ts';
import type { Scenario } from './scenario.ts';
import type { ChassisHandle, LabState, PodHandle } from './state.ts';

/**
 * Pods of a `datapath: netdev` lab: each pod is a netns whose `eth0` is one
 * end of a veth; the other end, named like the VF representor, sits in the
 * chassis netns and is the pod's port on br-int (OVS reads it with a packet
 * socket, as it would a real representor). The representor name, iface-id and
 * the sysfs fixture stay what they are on the dummy datapath, so the agent and
 * verify see the same node.
 */

export class LabDatapathError extends MvtepError {}

/** OVS that routes userspace tunnels by source through the kernel's `from` rules (spec §4). */
export const NETDEV_MIN_OVS: Version = [3, 7, 0];

/** Whether the lab's br-int runs on the userspace datapath (older state files have no `datapath`: dummy). */
export function isNetdevLab(scenario: Pick<Scenario, 'datapath'> | undefined): boolean {
  return scenario?.datapath === 'netdev';
}

/** Whether this runtime's OVS can run a `datapath: netdev` lab (routes userspace tunnels by source). */
export function runsNetdev(runtime: { readonly manifest: Pick<OvnRuntime['manifest'], 'ovsVersion'> }): boolean {
  const ovs = parseVersion(runtime.manifest.ovsVersion);
  return ovs !== undefined && versionAtLeast(ovs, NETDEV_MIN_OVS);
}

/** Refuses `datapath: netdev` on an OVS that would route every VTEP's tunnels by destination only. */
export function checkNetdevRuntime(scenario: Scenario, runtime: OvnRuntime): void {
  if (!isNetdevLab(scenario) || runsNetdev(runtime)) return;
  throw new LabDatapathError('lab-datapath-unsupported',
    `${scenario.file}: datapath: netdev needs OVS >= ${NETDEV_MIN_OVS.join('.')} (this runtime, OVN release ${runtime.release}, has OVS `
    + `${runtime.manifest.ovsVersion || 'unknown'}): older userspace datapaths route tunnels by destination only, ignoring the `
    + `'ip rule from <vtep>' rules, so VTEPs sharing a prefix all leave on one NIC; use release 26.03 (MVTEP_OVN_RELEASE=26.03)`,
    { key: 'datapath', token: 'netdev', ovsVersion: runtime.manifest.ovsVersion });
}

const POD_NETNS = /-p(\d+)$/;

/** The next free pod netns name of the lab (`mvl<id>-p<n>`), never reusing one still listed. */
export function nextPodNetns(state: Pick<LabState, 'id' | 'netns'>, taken: readonly string[] = []): string {
  let max = 0;
  for (const ns of [...state.netns, ...taken]) {
    const m = POD_NETNS.exec(ns);
    if (m && ns.startsWith(`mvl${state.id}-`)) max = Math.max(max, Number(m[1]));
  }
  return `mvl${state.id}-p${max + 1}`;
}

/** The pod's address with the prefix of its switch (or a host-sized default when the switch has none). */
export function podAddress(scenario: Scenario, pod: PodHandle): string {
  const sw = scenario.switches.find((s) => s.name === pod.switch);
  const v6 = pod.ip.includes(':');
  return `${pod.ip}/${sw?.subnet?.prefixLen ?? (v6 ? 64 : 24)}`;
}

/** Creates the pod's netns and its veth: `eth0` (pod MAC and IP) <-> the representor in the chassis netns. */
export async function wirePod(ctx: LabContext, chassis: ChassisHandle, pod: PodHandle): Promise<void> {
  const netns = pod.netns;
  if (!netns) throw new LabDatapathError('lab-pod-no-netns', `pod ${pod.name} has no netns on a netdev lab`, pod.name);
  await ctx.netnsAdd(netns);
  // Both ends created in their namespaces at once: the root netns may hold an interface of that name.
  await run(['ip', 'link', 'add', pod.representor, 'netns', chassis.netns, 'type', 'veth',
    'peer', 'name', 'eth0', 'netns', netns, 'address', pod.mac]);
  const v6 = pod.ip.includes(':');
  await run(['ip', '-n', netns, 'addr', 'add', podAddress(ctx.state.scenario, pod), 'dev', 'eth0', ...(v6 ? ['nodad'] : [])]);
  await run(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', chassis.netns, 'link', 'set', pod.representor, 'up']);
}
