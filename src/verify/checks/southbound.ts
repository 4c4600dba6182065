import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import { finding, sample } from './util.ts';

/** Checks that need only the Southbound: they run for every chassis it shows. */
export function southboundChecks(ctx: CheckContext): Finding[] {
  const sb = ctx.sb;
  if (!sb) return [];
  const out: Finding[] = [];
  for (const [ip, owners] of sb.chassisByIp) {
    if (owners.size > 1) {
      out.push(finding('duplicate-encap-ip', 'error', `encap ${ip}`,
        `VTEP IP ${ip} is claimed by several chassis (${[...owners].sort().join(', ')}): tunnels to it reach either one`,
        'give every VTEP a unique IP; fix ovn-encap-ip on the chassis that should not have it'));
    }
  }
  for (const [chassis, pbs] of sb.bindingsByChassis) {
    const model = sb.models.get(chassis);
    const unpinned: string[] = [];
    for (const pb of pbs) {
      if (pb.encap !== undefined) {
        const row = sb.encapByUuid.get(pb.encap);
        if (!row) {
          out.push(finding('binding-encap-mismatch', 'error', `port ${pb.logicalPort}`,
            `Port_Binding.encap points at a missing Encap row (${pb.encap})`,
            'restart or reconnect the ovn-controller of the chassis so it rewrites the binding'));
        } else if (row.chassisName !== chassis) {
          out.push(finding('binding-encap-mismatch', 'error', `port ${pb.logicalPort}`,
            `bound on ${chassis} but Port_Binding.encap is ${row.ip} of chassis ${row.chassisName}: peers tunnel its traffic to the wrong node's VTEP`,
            'the port moved without its encap being updated; reconnect the ovn-controller of the chassis'));
        }
      } else if (pb.type === '' && model && new Set(model.ips).size >= 2) {
        unpinned.push(pb.logicalPort);
      }
    }
    if (unpinned.length > 0) {
      out.push(finding('remote-vtep-unpinned', 'warning', `chassis ${chassis}`,
        `${unpinned.length} VIF(s) bound on ${chassis} have no Port_Binding.encap (${sample(unpinned)}): other chassis send their traffic to an arbitrary one of ${model!.encapIps.join(', ')}, possibly not the VIF's NIC`,
        'set encap-ip on the VIFs (ovn-pf-encap-ip-mapping + node agent), or ovn-encap-ip-default on the chassis'));
    }
  }
  // Node views against the SB: rows that should exist, IPs another chassis holds.
  for (const n of ctx.nodes) {
    const name = n.chassisName;
    if (name === undefined || !n.model.configured) continue;
    const subject = `chassis ${name}`;
    if (!sb.chassisByName.has(name)) {
      out.push(finding('chassis-unregistered', 'error', subject,
        `the Southbound has no Chassis row named ${name}`,
        'check that ovn-controller runs on the node and reaches the Southbound (ovn-remote)'));
      continue;
    }
    const have = new Set((sb.encapsByChassis.get(name) ?? []).map((e) => `${e.type}|${e.ip}`));
    for (const e of n.model.encaps) {
      if (have.has(`${e.type}|${e.ip}`)) continue;
      const others = [...(sb.chassisByIp.get(e.ip) ?? [])].filter((c) => c !== name);
      if (others.length > 0) {
        // What the losing chassis does depends on the release: skip the IP, or fail every SB transaction.
        const effect = ctx.features.duplicateEncapGuard
          ? `OVN skips it here ("cannot duplicate"), so VIFs pinned to ${e.ip} are not steered`
          : `this OVN has no duplicate-encap guard (added in 26.03.0, 25.03.2): both chassis keep failing their SB transactions`;
        out.push(finding('duplicate-encap-ip', 'error', subject,
          `ovn-encap-ip lists ${e.ip}, but chassis ${others.join(', ')} already owns its ${e.type} Encap row: ${effect}`,
          `remove ${e.ip} from one of the chassis' ovn-encap-ip`));
      } else {
        out.push(finding('encap-missing', 'error', subject,
          `no ${e.type} Encap row for ${e.ip} in the Southbound although ovn-encap-ip lists it`,
          'ovn-controller has not caught up: check it runs and is connected'));
      }
    }
  }
  return out;
}
