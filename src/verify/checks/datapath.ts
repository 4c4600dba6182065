import { isIP } from 'node:net';
import { canonicalAddress, makePrefix, parsePrefix } from '../../config/nodeSpecIp.ts';
import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import { integrationDatapath, USERSPACE_DATAPATHS, type NodeState } from '../../observe/index.ts';
import { OVS_RULES_SINCE as RULES_SINCE, ovsRouterOf } from '../../ovn/index.ts';
import { ovsRouterFindings } from './ovsRouter.ts';
import { finding, sample } from './util.ts';

/**
 * What OVS up to 3.6 offers (3.5's ovs/route/add is `ip/plen output_bridge [gw]
 * [pkt_mark=mark] [src=src_ip]`; `src=` only fills in a source address,
 * it does not select the route) and what it does not (no rule/table support).
 */
const HINT = 'OVS < 3.7\'s userspace tunnel router ignores ip rule (no source-based routing: ovs/route/add IP/PLEN BRIDGE [GW] [pkt_mark=M] [src=IP] '
  + 'matches destination and pkt_mark only, src= just sets the source address). Fix: upgrade to OVS >= 3.7 (it imports the kernel\'s ip rules), '
  + 'or use the kernel datapath (datapath_type=system on the integration bridge), '
  + 'or give each VTEP its own subnet with the remote VTEPs it serves reachable in it, or pin each remote VTEP to one local VTEP bridge with '
  + '\'ovs-appctl ovs/route/add <remote-vtep>/32 <vtep-bridge> [gw]\' (only when every remote is served by one local VTEP; not kept across an ovs-vswitchd restart)';

/** The VTEP's subnet: the live address first (what OVS copied), else the node spec. */
function prefixOf(node: NodeState, ip: string): string | undefined {
  const c = canonicalAddress(ip);
  const max = isIP(ip) === 6 ? 128 : 32;
  const addr = node.routing?.addresses.find((a) => canonicalAddress(a.ip) === c);
  const spec = node.spec?.vteps.find((v) => canonicalAddress(v.ip.split('/')[0]!) === c);
  const len = addr?.prefixLen ?? spec?.prefixLen;
  if (len !== undefined && Number.isInteger(len) && len >= 0 && len <= max) {
    const p = makePrefix(ip, len);
    return `${p.network}/${p.prefixLength}`;
  }
  if (spec?.ip.includes('/')) {
    const p = parsePrefix(spec.ip);
    if (p.ok) return `${p.value.network}/${p.value.prefixLength}`;
  }
  return undefined;
}

export function datapathChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.nodes) {
    const bridgeName = n.node.openVswitch.externalIds['ovn-bridge'] ?? 'br-int';
    const datapathType = integrationDatapath(n.node);
    if (!USERSPACE_DATAPATHS.has(datapathType)) continue;
    const vteps = n.model.ips.filter((ip) => isIP(ip) !== 0);
    if (vteps.length < 2) continue;
    const chassis = n.chassisName ?? n.node.label;
    const subject = `chassis ${chassis}`;
    const router = ovsRouterOf(n.node.openVswitch.ovsVersion);
    if (router.kind === 'rules') {
      out.push(...ovsRouterFindings(n.node, subject, `${bridgeName} has datapath_type=${datapathType} and OVS ${router.version} (>= ${RULES_SINCE.join('.')})`, vteps));
      continue;
    }
    const version = router.kind === 'unknown'
      ? `OVS version unknown (${router.why}; OVS >= ${RULES_SINCE.join('.')} honours ip rule)`
      : `OVS ${router.version} (< ${RULES_SINCE.join('.')})`;
    const where = `${bridgeName} has datapath_type=${datapathType} with ${version}: OVS routes its tunnels with its own table (main table only, one route per prefix, by destination), ignoring ip rule`;
    const byPrefix = new Map<string, string[]>();
    const unknown: string[] = [];
    for (const ip of vteps) {
      const p = prefixOf(n.node, ip);
      if (p === undefined) unknown.push(ip);
      else byPrefix.set(p, [...(byPrefix.get(p) ?? []), ip]);
    }
    const shared = [...byPrefix].filter(([, ips]) => ips.length >= 2);
    if (shared.length > 0) {
      const groups = shared.map(([p, ips]) => `${sample(ips)} share ${p}`).join('; ');
      out.push(finding('userspace-tunnel-routing', 'error', subject,
        `${where}; VTEPs ${groups}: one OVS route serves them, so all their tunnels leave through one device whatever their local_ip`, HINT));
    } else if (unknown.length > 0) {
      out.push(finding('userspace-tunnel-routing', 'warning', subject,
        `${where}; the subnets of VTEPs ${sample(unknown)} are unknown (no routing or spec): if VTEPs share a prefix, all their tunnels leave through one device`,
        `gather routing (--netns/--routing) or --spec to decide; ${HINT}`));
    } else {
      out.push(finding('userspace-tunnel-routing', 'info', subject,
        `${where}; each VTEP has its own prefix (${[...byPrefix.keys()].join(', ')}), so remote VTEPs inside those prefixes are reached through the right device, but tunnels to remote VTEPs outside them follow one route per destination`,
        HINT));
    }
  }
  return out;
}
