import type { LabContext } from './context.ts';
import type { PodSpec, SwitchSpec } from './scenario.ts';
import type { ChassisHandle, PodHandle } from './state.ts';
import { MvtepError } from '../util/errors.ts';

export class PodError extends MvtepError {}

/** The handle for a pod: its VF and representor resolved from the chassis' fixture. */
export function podHandle(spec: PodSpec, chassis: ChassisHandle): PodHandle {
  const nic = chassis.nics.find((n) => n.pf === spec.pf);
  const vf = nic?.vfs.find((v) => v.index === spec.vf);
  if (!nic || !vf) throw new PodError('pod-no-vf', `pod ${spec.name}: ${spec.chassis} has no VF ${spec.vf} on ${spec.pf}`, spec);
  return {
    name: spec.name, chassis: spec.chassis, lport: spec.lport, switch: spec.switch, mac: spec.mac, ip: spec.ip,
    pf: spec.pf, vf: spec.vf, vfPci: vf.pci, representor: vf.representor,
    ...(spec.encapIp ? { encapIp: spec.encapIp } : {}),
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
 * the Interface row. `internal` becomes a dummy-internal port on the dummy
 * datapath, which ofproto/trace can use as in_port.
 */
export async function plugRepresentors(ctx: LabContext, chassis: ChassisHandle, pods: readonly PodHandle[]): Promise<void> {
  if (pods.length === 0) return;
  const args: string[] = [];
  for (const p of pods) {
    const ids = [`external_ids:iface-id=${p.lport}`, `external_ids:attached-mac=${p.mac}`, 'external_ids:iface-status=active'];
    if (p.encapIp) ids.push(`external_ids:encap-ip=${p.encapIp}`);
    args.push('--', 'add-port', 'br-int', p.representor, '--', 'set', 'Interface', p.representor, 'type=internal', ...ids);
  }
  // --no-wait: ovn-controller's flows, not vswitchd's reconfiguration, are what readiness waits for.
  await ctx.tools.vsctl(chassis.ovsdbRemote, args, { noWait: true });
}

export async function unplugRepresentor(ctx: LabContext, chassis: ChassisHandle, pod: PodHandle): Promise<void> {
  await ctx.tools.vsctl(chassis.ovsdbRemote, ['--if-exists', 'del-port', 'br-int', pod.representor], { noWait: true });
}

export async function deleteLogicalPort(ctx: LabContext, pod: PodHandle): Promise<void> {
  await ctx.tools.nbctl(ctx.state.nb!.remote, ['--if-exists', 'lsp-del', pod.lport]);
}
