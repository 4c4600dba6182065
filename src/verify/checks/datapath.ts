import { isIP } from 'node:net';
import { canonicalAddress, makePrefix, parsePrefix } from '../../config/nodeSpecIp.ts';
import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import type { NodeState } from '../../observe/index.ts';
import { finding, sample } from './util.ts';

/**
 * With a userspace datapath OVS routes tunnel packets itself. Up to OVS 3.6 its table
 * (`ovs-appctl ovs/route/show`) copies only the kernel's main table, keeps
 * one route per prefix and matches on destination (and pkt_mark) only, so
 * the per-VTEP `ip rule`s the underlay installs are never consulted (3.7
 * imports `from` rules and looks up by local_ip, hence the version gate). The
 * kernel datapath (`system`, "") and the lab's `dummy` bridges are not
 * affected: the kernel routes their tunnels.
 */
export const USERSPACE_DATAPATHS: ReadonlySet<string> = new Set(['netdev']);

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

/** From OVS 3.7 ovs-router imports the kernel's `from` rules and looks tunnels up with their local_ip as source (measured on 4.0.0). */
const RULES_SINCE: readonly [number, number] = [3, 7];

/** What the chassis' OVS version says about its tunnel router; only a whole version string decides. */
type OvsRouter =
  | { readonly kind: 'rules' | 'destination'; readonly version: string }
  | { readonly kind: 'unknown'; readonly why: string };

function ovsRouterOf(text: string | undefined): OvsRouter {
  if (text === undefined || text.trim() === '') return { kind: 'unknown', why: 'Open_vSwitch ovs_version is empty' };
  // "3.7.1", "4.0.0", packaging suffixes ("3.5.0-1", "3.7.1~git..."): anything else is not guessed at.
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-+~][\w.~+-]*)?$/.exec(text.trim());
  if (!m) return { kind: 'unknown', why: `Open_vSwitch ovs_version '${text}' is not a version` };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const rules = major > RULES_SINCE[0] || (major === RULES_SINCE[0] && minor >= RULES_SINCE[1]);
  return { kind: rules ? 'rules' : 'destination', version: text.trim() };
}

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
    const bridge = n.node.bridges?.find((b) => b.name === bridgeName);
    if (!bridge || !USERSPACE_DATAPATHS.has(bridge.datapathType)) continue;
    const vteps = n.model.ips.filter((ip) => isIP(ip) !== 0);
    if (vteps.length < 2) continue;
    const chassis = n.chassisName ?? n.node.label;
    const subject = `chassis ${chassis}`;
    const router = ovsRouterOf(n.node.openVswitch.ovsVersion);
    if (router.kind === 'rules') {
      out.push(finding('userspace-tunnel-routing', 'info', subject,
        `${bridgeName} has datapath_type=${bridge.datapathType} and OVS ${router.version} (>= ${RULES_SINCE.join('.')}): OVS routes its tunnels itself but imports the kernel's ip rules and looks up with each tunnel's local_ip as source, so VTEPs ${sample(vteps)} follow their own rules`,
        'OVS imports "[not] from" rules only (fwmark, iif, oif, tos and l3mdev rules are not); check one with \'ovs-appctl ovs/route/lookup <remote-vtep> src=<vtep>\''));
      continue;
    }
    const version = router.kind === 'unknown'
      ? `OVS version unknown (${router.why}; OVS >= ${RULES_SINCE.join('.')} honours ip rule)`
      : `OVS ${router.version} (< ${RULES_SINCE.join('.')})`;
    const where = `${bridgeName} has datapath_type=${bridge.datapathType} with ${version}: OVS routes its tunnels with its own table (main table only, one route per prefix, by destination), ignoring ip rule`;
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
