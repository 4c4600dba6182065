import { bindingEncap, encapIdOf, type EncapRow } from '../../ovn/index.ts';
import type { CheckContext, NodeContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import type { InterfaceState } from '../../observe/index.ts';
import { finding, isVifInterface } from './util.ts';

function describeEncap(e: Pick<EncapRow, 'ip' | 'type'> | undefined): string {
  return e ? `${e.ip} (${e.type})` : 'none';
}

/** Encap rows OVN matches a VIF's encap-ip against: the SB rows when we see them, else the model's. */
function chassisEncaps(ctx: CheckContext, n: NodeContext): readonly EncapRow[] {
  const name = n.chassisName;
  if (ctx.sb && name !== undefined && ctx.sb.chassisByName.has(name)) return ctx.sb.models.get(name)?.encaps ?? [];
  return n.model.encaps;
}

function pfOf(n: NodeContext, iface: InterfaceState): string | undefined {
  return n.node.sriov?.representors.find((r) => r.netdev === iface.name)?.pf;
}

export function vifChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.nodes) {
    const chassis = n.chassisName ?? n.node.label;
    const encaps = chassisEncaps(ctx, n);
    const ips = new Set(encaps.map((e) => e.ip));
    const fallback = n.model.encapIps[0];
    const multi = ips.size >= 2;
    const mapping = n.config.value.mapping;
    for (const iface of n.node.interfaces) {
      if (!isVifInterface(iface)) continue;
      const lport = iface.externalIds['iface-id']!;
      const subject = `interface ${chassis}/${iface.name} (${lport})`;
      const encapIp = iface.externalIds['encap-ip'];
      if (encapIp !== undefined && !ips.has(encapIp)) {
        out.push(finding('encap-ip-unknown', 'error', subject,
          `encap-ip ${JSON.stringify(encapIp)} is not an Encap IP of chassis ${chassis} (${[...ips].join(', ') || 'none'}): OVN ignores it silently and the VIF's traffic leaves from ${fallback ?? 'the default VTEP'}`,
          'set encap-ip to one of the chassis\' ovn-encap-ip strings (exact spelling), normally the VTEP of the VIF\'s PF'));
      } else if (encapIp !== undefined && encaps.length < 2 && ctx.features.encapIpNeedsTwoEncaps) {
        out.push(finding('encap-ip-ignored', 'warning', subject,
          `encap-ip ${encapIp} is ignored: chassis ${chassis} has fewer than two Encap rows`,
          'nothing to steer with one VTEP; list all VTEPs in ovn-encap-ip if the node has several'));
      }
      const pf = pfOf(n, iface);
      if (pf !== undefined && !mapping.unusablePfs.has(pf)) {
        const entry = mapping.byPf.get(pf);
        if (entry && encapIp !== entry.ip && ips.has(entry.ip)) {
          out.push(finding('encap-ip-mismatch', 'error', subject,
            `representor of PF ${pf}, which ovn-pf-encap-ip-mapping maps to ${entry.ip}, but encap-ip is ${encapIp === undefined ? 'absent' : JSON.stringify(encapIp)}: its traffic does not use its own NIC's VTEP`,
            `set external_ids:encap-ip=${entry.ip} on interface ${iface.name} (the node agent reconciles this)`));
        } else if (!entry && multi) {
          out.push(finding('pf-unmapped', 'warning', subject,
            `representor of PF ${pf}, which has no ovn-pf-encap-ip-mapping entry: the VIF is not pinned to its NIC's VTEP`,
            `add ${pf}:<its VTEP IP> to ovn-pf-encap-ip-mapping`));
        }
      }
      // SB agreement: what ovn-controller should have written for this VIF.
      const pb = ctx.sb?.bindingByPort.get(lport);
      if (ctx.sb && pb && pb.chassis === n.chassisName) {
        const expected = bindingEncap(encaps, encapIp, ctx.features);
        const actualRow = pb.encap === undefined ? undefined : ctx.sb.encapByUuid.get(pb.encap);
        const same = expected === undefined ? actualRow === undefined
          : actualRow !== undefined && actualRow.ip === expected.ip && actualRow.type === expected.type;
        if (!same) {
          out.push(finding('binding-encap-mismatch', 'error', `port ${lport}`,
            `Port_Binding.encap is ${describeEncap(actualRow)} but interface ${chassis}/${iface.name} (encap-ip ${encapIp ?? 'absent'}) implies ${describeEncap(expected)}; the tunnel choice follows the SB (encap ID ${encapIdOf(n.model, actualRow?.ip)})`,
            'ovn-controller has not caught up (check it runs and is connected), or the SB row was edited by hand'));
        }
      }
    }
  }
  return out;
}
