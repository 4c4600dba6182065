/**
 * userspace-tunnel-routing on OVS >= 3.7: OVS imports the kernel's `from`
 * rules and looks each tunnel up with its local_ip as source, so the
 * question is no longer "does OVS honour ip rule" but "does what OVS holds
 * (`ovs/route/rule/show`, `ovs/route/lookup R src=V`) send each VTEP's
 * tunnels out of its own device, as the kernel would". Measured on OVS 4.0.0:
 * rules with fwmark, iif, oif or tos are not imported at all, and a route
 * added with ovs/route/add wins over the imported table.
 */
import { canonicalAddress } from '../../config/nodeSpecIp.ts';
import type { NodeState, OvsRouterState } from '../../observe/index.ts';
import type { OvsRouteRule } from '../../ovn/index.ts';
import type { Finding } from '../findings.ts';
import { finding, sample } from './util.ts';

const CHECK = 'userspace-tunnel-routing';
const LOOKUP_HINT = 'compare \'ovs-appctl ovs/route/lookup <remote-vtep> src=<vtep>\' with \'ip route get <remote-vtep> from <vtep>\'; '
  + 'OVS re-reads the kernel on every netlink change, so a difference that stays is a route added in OVS (ovs/route/show: "User:" entries, '
  + 'remove with ovs/route/del) or a rule it cannot import';

/** A rule's identity as both sides print it: host prefixes without their length. */
function ruleKey(priority: number, src: string | undefined, table: string): string {
  const bare = src === undefined || src === 'all' ? 'all' : src.replace(/\/(32|128)$/, '');
  const [addr, len] = bare.split('/');
  const canon = addr === 'all' ? 'all' : `${canonicalAddress(addr!)}${len !== undefined ? `/${len}` : ''}`;
  return `${priority}: from ${canon} lookup ${table}`;
}

const ovsRuleText = (r: OvsRouteRule): string => `${r.invert ? 'not ' : ''}${ruleKey(r.priority, r.src, r.table)}`;

/** The device holding VTEP `ip` (routing first, then the spec's device). */
function ownDevice(node: NodeState, ip: string): string | undefined {
  const c = canonicalAddress(ip);
  return node.routing?.addresses.find((a) => canonicalAddress(a.ip) === c)?.dev
    ?? node.spec?.vteps.find((v) => canonicalAddress(v.ip.split('/')[0]!) === c)?.device;
}

function ruleFindings(node: NodeState, r: OvsRouterState & { rules: readonly OvsRouteRule[] }, subject: string): Finding[] {
  const out: Finding[] = [];
  const kernel = node.routing?.rules;
  if (!kernel) return out;
  const unimportable = kernel.filter((k) => (k.selectors?.length ?? 0) > 0);
  if (unimportable.length > 0) {
    out.push(finding(CHECK, 'warning', subject,
      `OVS's tunnel router does not import kernel rules with selectors other than from: ${sample(unimportable.map((k) => `${k.priority} (${k.selectors!.join(', ')}, lookup ${k.table})`))}; the kernel applies them, OVS's tunnels never do`,
      'express the steering as "from <vtep> lookup <table>" rules (what mvtep node apply writes), or run the integration bridge on the kernel datapath'));
  }
  const have = new Set(r.rules.map(ovsRuleText));
  const want = kernel.filter((k) => (k.selectors?.length ?? 0) === 0).map((k) => ruleKey(k.priority, k.src === undefined ? undefined : `${k.src}${k.srcLen !== undefined ? `/${k.srcLen}` : ''}`, k.table));
  const missing = [...new Set(want.filter((w) => !have.has(w)))];
  if (missing.length > 0) {
    out.push(finding(CHECK, 'error', subject,
      `OVS's rule table (ovs/route/rule/show) lacks kernel rules ${sample(missing)}: OVS routes those tunnels without them`,
      'OVS imports rules from netlink notifications; if they stay missing, restart ovs-vswitchd (it re-reads the kernel at start)'));
  }
  const kernelSet = new Set(want);
  const extra = [...new Set(r.rules.filter((o) => o.invert || !kernelSet.has(ruleKey(o.priority, o.src, o.table))).map((o) => `${ovsRuleText(o)}${o.user ? ' (User)' : ''}`))];
  if (extra.length > 0) {
    out.push(finding(CHECK, 'warning', subject,
      `OVS's rule table holds rules the kernel does not: ${sample(extra)}; OVS's tunnels follow them, the kernel's traffic does not`,
      'remove rules added by hand with \'ovs-appctl ovs/route/rule/del\' unless they are meant to differ from the kernel'));
  }
  return out;
}

function lookupFindings(node: NodeState, r: OvsRouterState, subject: string): Finding[] {
  const out: Finding[] = [];
  const failed: string[] = [];
  const offDevice: string[] = [];
  const disagree: string[] = [];
  for (const l of r.lookups.filter((x) => x.bySource)) {
    const pair = `${l.from} -> ${l.to}`;
    if (l.error !== undefined) {
      failed.push(`${pair} (${l.error})`);
      continue;
    }
    const own = ownDevice(node, l.from);
    if (own !== undefined && l.dev !== own) offDevice.push(`${pair} out of ${l.dev ?? '?'}, not ${own}`);
    const k = node.routing?.lookups.find((x) => x.from === l.from && x.to === l.to);
    if (k && k.error === undefined && (k.dev !== l.dev || (k.gateway ?? null) !== (l.gateway ?? null))) {
      disagree.push(`${pair}: OVS ${l.dev ?? '?'}${l.gateway ? ` via ${l.gateway}` : ''}, kernel ${k.dev ?? '?'}${k.gateway ? ` via ${k.gateway}` : ''}`);
    }
  }
  if (failed.length > 0) {
    out.push(finding(CHECK, 'error', subject, `OVS's tunnel router finds no route for ${sample(failed)}: those tunnels are not sent`, LOOKUP_HINT));
  }
  if (offDevice.length > 0) {
    out.push(finding(CHECK, 'error', subject, `OVS would route VTEP tunnels out of another device: ${sample(offDevice)}`, LOOKUP_HINT));
  }
  if (disagree.length > 0) {
    out.push(finding(CHECK, 'error', subject, `OVS's route cache disagrees with the kernel: ${sample(disagree)}`, LOOKUP_HINT));
  }
  return out;
}

/** Findings for a netdev integration bridge on OVS >= 3.7; `where` says bridge, datapath and version. */
export function ovsRouterFindings(node: NodeState, subject: string, where: string, vteps: readonly string[]): Finding[] {
  const r = node.ovsRouter;
  const base = `${where}: OVS routes its tunnels itself but imports the kernel's ip rules and looks up with each tunnel's local_ip as source`;
  if (!r) {
    return [finding(CHECK, 'info', subject, `${base}, so VTEPs ${sample(vteps)} follow their own rules if OVS imported them; its router was not read`,
      'give verify the vswitchd control socket (--appctl-target, or a unix: --ovsdb next to it) to compare OVS\'s rules and lookups with the kernel\'s')];
  }
  if (r.error !== undefined) {
    return [finding(CHECK, 'warning', subject, `${base}, but its router could not be read at ${r.target}: ${r.error}; OVS's tunnel routes are unchecked`,
      'check that ovs-vswitchd runs and --appctl-target names its control socket')];
  }
  const problems = [...(r.rules ? ruleFindings(node, { ...r, rules: r.rules }, subject) : []), ...lookupFindings(node, r, subject)];
  if (problems.length > 0) return problems;
  const looked = r.lookups.filter((l) => l.bySource).length;
  return [finding(CHECK, 'info', subject,
    `${base}; OVS holds ${r.rules?.length ?? 0} rules${node.routing ? ' matching the kernel\'s' : ''}, and ${looked} lookups (local VTEP -> remote VTEP) leave on each VTEP's own device${node.routing ? ' as the kernel\'s do' : ''}`,
    'OVS imports "[not] from" rules only (fwmark, iif, oif, tos and l3mdev rules are not); check one with \'ovs-appctl ovs/route/lookup <remote-vtep> src=<vtep>\'')];
}
