import { tunnelMesh } from '../../ovn/index.ts';
import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import { finding, sample } from './util.ts';

/**
 * "File exists" on a tunnel whose config no other port has is ovs-vswitchd
 * 3.5 adding the new port before updating a renamed one in the same
 * reconfiguration; it retries only on the next reconfiguration.
 */
function tunnelDownHint(error: string | undefined): string {
  if (error?.includes('(File exists)')) {
    return 'ovs-vswitchd retries only on its next reconfiguration: any ovs-vsctl write (each bumps next_cfg) brings the tunnel up';
  }
  return 'check the Interface error column; a malformed VTEP string (spaces, not an IP) in ovn-encap-ip is the usual cause';
}

/** Tunnel ports on a node's br-int against the mesh the SB implies. */
export function tunnelChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.nodes) {
    const chassis = n.chassisName ?? n.node.label;
    for (const t of n.node.tunnels) {
      if (t.ofport === null) {
        const error = n.node.interfaces.find((i) => i.name === t.port)?.error;
        out.push(finding('tunnel-down', 'error', `tunnel ${chassis}/${t.port}`,
          `tunnel ${t.chassisId} (local ${t.localIp ?? '?'}, remote ${t.remoteIp ?? '?'}) has no OpenFlow port: OVS could not create it${error ? ` (${error})` : ''}`,
          tunnelDownHint(error)));
      }
    }
    const sb = ctx.sb;
    const local = n.chassisName === undefined ? undefined : sb?.models.get(n.chassisName);
    if (!sb || !local) continue;
    const expected = tunnelMesh(local, sb.models.values());
    const actual = new Set(n.node.tunnels.map((t) => t.chassisId));
    const want = new Set(expected.map((t) => t.chassisId));
    const missing = expected.filter((t) => !actual.has(t.chassisId));
    const byRemote = new Map<string, string[]>();
    for (const t of missing) byRemote.set(t.chassis, [...(byRemote.get(t.chassis) ?? []), `${t.localIp}->${t.remoteIp}`]);
    for (const [remote, pairs] of byRemote) {
      out.push(finding('tunnel-missing', 'error', `chassis ${chassis} -> ${remote}`,
        `${pairs.length} tunnel(s) to ${remote} missing on br-int: ${sample(pairs)}; traffic for those VTEP pairs falls back to another tunnel`,
        'ovn-controller creates them from the SB Encap rows: check it runs, and that both chassis share a transport zone and an encap type'));
    }
    const extra = n.node.tunnels.filter((t) => !want.has(t.chassisId));
    if (extra.length > 0) {
      out.push(finding('tunnel-extra', 'warning', `chassis ${chassis}`,
        `${extra.length} tunnel port(s) on br-int match no SB Encap pair: ${sample(extra.map((t) => `${t.port} (${t.chassisId})`))}`,
        'stale tunnels disappear once ovn-controller catches up; if they stay, a removed chassis or VTEP left them behind'));
    }
  }
  return out;
}
