import type { LabContext } from './context.ts';
import type { PodSpec, SwitchSpec } from './scenario.ts';
import type { ChassisHandle, PodHandle } from './state.ts';
import { MvtepError } from '../util/errors.ts';
import { run, runPassthrough, type PassthroughOptions } from '../util/exec.ts';
import { isNetdevLab, wirePod } from './podNetns.ts';
import { deleteNetns } from './state.ts';

export class PodError extends MvtepError {}

/** The handle for a pod: its VF and representor resolved from the chassis' fixture. */
export function podHandle(spec: PodSpec, chassis: ChassisHandle, netns?: string): PodHandle {
  const nic = chassis.nics.find((n) => n.pf === spec.pf);
  const vf = nic?.vfs.find((v) => v.index === spec.vf);
  if (!nic || !vf) throw new PodError('pod-no-vf', `pod ${spec.name}: ${spec.chassis} has no VF ${spec.vf} on ${spec.pf}`, spec);
  return {
    name: spec.name, chassis: spec.chassis, lport: spec.lport, switch: spec.switch, mac: spec.mac, ip: spec.ip,
    pf: spec.pf, vf: spec.vf, vfPci: vf.pci, representor: vf.representor,
    ...(spec.encapIp ? { encapIp: spec.encapIp } : {}),
    ...(netns ? { netns } : {}),
  };
}

/** NB: the switches (idempotent) and one LSP per pod with addresses "MAC IP". */
export async function createLogicalPorts(ctx: LabContext, switches: readonly SwitchSpec[], pods: readonly PodHandle[]): Promise<void> {
  const args: string[] = [];
  for (const s of switches) args.push('--', '--may-exist', 'ls-add', s.name);
  for (const p of pods) {
    args.push('--', 'lsp-add', p.switch, p.lport, '--', 'lsp-set-addresses', p.lport, `${p.mac} ${p.ip}`);
  }
  if (args.length > 0) await ctx.tools.nbctl(ctx.state.nb!.remote, args);
}

/**
 * Plugs representors into br-int in one transaction per chassis, as the CNI
 * does: iface-id, attached-mac and, only when the pod has one, encap-ip on
 * the Interface row. On the dummy datapath `internal` becomes a dummy-internal
 * port, which ofproto/trace can use as in_port; on a netdev lab the
 * representor is the chassis end of the pod's veth (podNetns.ts), a plain port.
 */
export async function plugRepresentors(ctx: LabContext, chassis: ChassisHandle, pods: readonly PodHandle[]): Promise<void> {
  if (pods.length === 0) return;
  const netdev = isNetdevLab(ctx.state.scenario);
  if (netdev) for (const p of pods) await wirePod(ctx, chassis, p);
  const args: string[] = [];
  for (const p of pods) {
    const ids = [`external_ids:iface-id=${p.lport}`, `external_ids:attached-mac=${p.mac}`, 'external_ids:iface-status=active'];
    if (p.encapIp) ids.push(`external_ids:encap-ip=${p.encapIp}`);
    args.push('--', 'add-port', 'br-int', p.representor, '--', 'set', 'Interface', p.representor, ...(netdev ? [] : ['type=internal']), ...ids);
  }
  // --no-wait: ovn-controller's flows, not vswitchd's reconfiguration, are what readiness waits for.
  await ctx.tools.vsctl(chassis.ovsdbRemote, args, { noWait: true });
}

export async function unplugRepresentor(ctx: LabContext, chassis: ChassisHandle, pod: PodHandle): Promise<void> {
  await ctx.tools.vsctl(chassis.ovsdbRemote, ['--if-exists', 'del-port', 'br-int', pod.representor], { noWait: true });
  if (pod.netns) {
    // Deleting the netns removes the veth pair (both ends) with it.
    await deleteNetns(pod.netns);
    const i = ctx.state.netns.indexOf(pod.netns);
    if (i >= 0) ctx.state.netns.splice(i, 1);
    await ctx.save();
  }
}

/** `argv` run inside a netdev lab pod's netns; pods of dummy labs have none. */
export function podExecArgv(pod: PodHandle, argv: readonly string[]): string[] {
  if (!pod.netns) {
    throw new PodError('pod-no-netns', `pod ${pod.name} has no network namespace: pods have a network namespace only with datapath: netdev`, pod.name);
  }
  return ['ip', 'netns', 'exec', pod.netns, ...argv];
}

/** Runs `argv` inside a netdev lab pod's netns and collects its output. */
export async function execInPod(pod: PodHandle, argv: readonly string[], timeoutMs = 60_000) {
  return run(podExecArgv(pod, argv), { allowFailure: true, timeoutMs });
}

/** Runs `argv` inside a netdev lab pod's netns, its output streamed (`mvtep lab exec`); resolves with its exit status. */
export function execInPodPassthrough(pod: PodHandle, argv: readonly string[], io: PassthroughOptions): Promise<number> {
  return runPassthrough(podExecArgv(pod, argv), io);
}

export async function deleteLogicalPort(ctx: LabContext, pod: PodHandle): Promise<void> {
  await ctx.tools.nbctl(ctx.state.nb!.remote, ['--if-exists', 'lsp-del', pod.lport]);
}
