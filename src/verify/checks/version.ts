import { formatVersion, MIN_SUPPORTED_OVN } from '../../ovn/index.ts';
import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import { finding } from './util.ts';

export function versionChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const v = ctx.version;
  if (v === undefined) return out;
  const f = ctx.features;
  if (!f.multiEncap) {
    out.push(finding('ovn-too-old', 'error', `ovn ${formatVersion(v)}`,
      `OVN ${formatVersion(v)} predates multi-encap support: encap-ip on VIFs and several VTEPs per chassis are not honoured`,
      `upgrade OVN to >= ${formatVersion(MIN_SUPPORTED_OVN)} (>= 24.09.3 or >= 25.03.0 for predictable default handling)`));
  }
  for (const n of ctx.nodes) {
    if (n.model.defaultRejected === 'unsupported-version') {
      out.push(finding('default-unsupported', 'warning', `chassis ${n.chassisName ?? n.node.label}`,
        `ovn-encap-ip-default is set but OVN ${formatVersion(v)} does not know it (added in 24.09.0): VIFs without encap-ip use ${n.model.encapIps[0] ?? 'the smallest IP'}`,
        'upgrade OVN to >= 24.09.3, or pin every VIF with encap-ip'));
    } else if (n.model.defaultIp !== undefined && !f.defaultIsEncapIdZero) {
      out.push(finding('default-unsupported', 'warning', `chassis ${n.chassisName ?? n.node.label}`,
        `OVN ${formatVersion(v)} uses ovn-encap-ip-default ${n.model.defaultIp} for VIFs without encap-ip, but traffic from localnet, l2gateway and tunnel ports still leaves from encap ID 0 = ${n.model.encapIps[0]}`,
        'upgrade OVN to >= 24.09.3 or >= 25.03.0, where the default is encap ID 0'));
    }
  }
  return out;
}
