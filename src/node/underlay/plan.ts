import { resolveCompat, type Compat } from '../../config/index.ts';
import { contains, networkText } from '../../config/nodeSpecIp.ts';
import type { NodeSpec, NicSpec } from '../../config/nodeSpec.ts';
import { MVTEP_PROTO, describeRoute, describeRule, type IpRoute, type IpRule, type RpFilter } from '../../routing/index.ts';
import { OVS_RULES_SINCE, ovsRouterOf } from '../../ovn/index.ts';
import { USERSPACE_DATAPATHS } from '../../observe/index.ts';
import type { Change, Problem } from './changes.ts';
import { desiredKeys, sameValue, vtepRoutes, vtepRule } from './desired.ts';
import type { ObservedUnderlay } from './observe.ts';
import { OWNER_KEY, OWNER_VALUE } from './ovsBackend.ts';

const PROTO = String(MVTEP_PROTO);

export interface PlanOptions {
  /** Set rp_filter to loose (2) on VTEP devices where it is strict, instead of refusing. */
  readonly fixRpFilter?: boolean;
  /** Whose reading of the keys must hold (default: ovn-kubernetes when the node's external_ids show ovnkube-node). */
  readonly compat?: Compat;
  /** Write what ovnkube-node cannot read anyway (its errors become warnings). */
  readonly force?: boolean;
}

/** What apply would do: changes in execution order, and what the checks found. */
export interface UnderlayPlan {
  readonly changes: readonly Change[];
  readonly problems: readonly Problem[];
  /** VTEP devices apply waits for (vswitchd creates them) and the MTU each must reach. */
  readonly vteps: readonly { readonly dev: string; readonly mtu: number }[];
  /**
   * On a userspace-datapath node with OVS >= 3.7, OVS (not the kernel) routes
   * the tunnels with the rules it imports: the rules apply must then find in
   * OVS's own table (`ovs/route/rule/show`).
   */
  readonly ovsImport?: readonly IpRule[];
}

const normDp = (dp: string): string => (dp === '' ? 'system' : dp);
const sameRule = (a: IpRule, b: IpRule): boolean =>
  a.family === b.family && a.priority === b.priority && a.src === b.src && a.table === b.table && !a.other && !b.other;
const sameRoute = (want: IpRoute, have: IpRoute): boolean =>
  want.family === have.family && want.table === have.table && want.dst === have.dst && want.dev === have.dev &&
  want.gateway === have.gateway && (want.prefsrc === undefined || want.prefsrc === have.prefsrc) &&
  (want.scope === undefined || (have.scope ?? 'global') === want.scope) && have.type === undefined;

/** Pure: compares the spec with an observed node. Never touches the node. */
export function planUnderlay(spec: NodeSpec, seen: ObservedUnderlay, options: PlanOptions = {}): UnderlayPlan {
  const changes: Change[] = [];
  const problems: Problem[] = [];
  const problem = (severity: Problem['severity'], code: string, subject: string, message: string) =>
    problems.push({ severity, code, subject, message });
  const links = new Map(seen.links.map((l) => [l.name, l]));

  // OVS: bridges, VTEP internal ports, PF uplinks.
  for (const nic of spec.nics) {
    const br = seen.ovs.bridges.get(nic.bridge);
    if (!br) changes.push({ kind: 'ovs-bridge-add', bridge: nic.bridge, datapathType: spec.datapathType });
    else if (normDp(br.datapathType) !== spec.datapathType) {
      changes.push({ kind: 'ovs-bridge-datapath', bridge: nic.bridge, from: br.datapathType, to: spec.datapathType });
      problem('warning', 'datapath-change', nic.bridge, `moving bridge ${nic.bridge} from the ${normDp(br.datapathType)} to the ${spec.datapathType} datapath recreates its ports: traffic on it stops briefly`);
    }
    planVtepPort(nic, seen, changes, problem);
    const pfPort = seen.ovs.ports.get(nic.pf);
    if (pfPort) {
      if (pfPort.bridge !== nic.bridge) problem('warning', 'pf-on-other-bridge', nic.pf, `PF ${nic.pf} is a port of ${pfPort.bridge ?? 'no bridge'}, not ${nic.bridge}; left alone`);
    } else if (links.has(nic.pf)) {
      changes.push({ kind: 'ovs-port-add', bridge: nic.bridge, port: nic.pf, ifaceType: 'system' });
      const pfMtu = links.get(nic.pf)!.mtu;
      const need = nic.mtu + (nic.vlan !== undefined ? 4 : 0);
      // The PF cannot carry frames of the VTEP's MTU: every full-size tunnel packet would be dropped.
      if (pfMtu < need) problem('error', 'pf-mtu', nic.pf, `PF ${nic.pf} MTU ${pfMtu} is below the VTEP MTU ${nic.mtu}${nic.vlan !== undefined ? ' + 4 (VLAN tag)' : ''}: lower the VTEP's mtu or raise the PF's`);
    } else {
      problem('info', 'pf-absent', nic.pf, `PF netdev ${nic.pf} not found: bridge ${nic.bridge} gets no uplink`);
    }
  }
  for (const k of desiredKeys(spec)) {
    const cur = seen.ovs.externalIds.get(k.key);
    if (cur === undefined || !sameValue(cur, k.value, k.compare)) changes.push({ kind: 'ovs-key', key: k.key, ...(cur !== undefined ? { from: cur } : {}), to: k.value });
  }
  // What mvtep created earlier and the spec no longer has: shown, not removed (no --prune yet).
  const specNames = new Set(spec.nics.flatMap((n) => [n.vtep, n.pf, n.bridge]));
  for (const br of seen.ovs.bridges.values()) {
    if (br.externalIds.get(OWNER_KEY) === OWNER_VALUE && !specNames.has(br.name)) problem('warning', 'stale-bridge', br.name, `bridge ${br.name} was created by mvtep but is not in the spec; left alone`);
  }
  for (const port of seen.ovs.ports.values()) {
    if (port.externalIds.get(OWNER_KEY) === OWNER_VALUE && !specNames.has(port.name)) problem('warning', 'stale-port', port.name, `port ${port.name} on ${port.bridge ?? '(no bridge)'} was created by mvtep but is not in the spec; left alone`);
  }
  const sysId = seen.ovs.externalIds.get('system-id');
  if (spec.node !== undefined && sysId !== undefined && sysId !== spec.node) {
    problem('warning', 'system-id-change', 'system-id', `renames chassis ${sysId} to ${spec.node}: ovn-controller re-registers under the new name`);
  }
  const v6 = spec.nics.filter((n) => n.ip.family === 6).map((n) => n.pf);
  if (v6.length > 0) {
    // ovnkube-node rejects the whole mapping, so every SR-IOV pod add on the node fails: with it, refuse.
    const ovnk = (options.compat ?? resolveCompat(undefined, seen.ovs.externalIds)) === 'ovn-kubernetes';
    const severity = ovnk && !options.force ? 'error' : 'warning';
    problem(severity, 'ipv6-mapping', 'ovn-pf-encap-ip-mapping', `IPv6 entries (${v6.join(', ')}) are read correctly by mvtep's agent, but ovnkube-node splits the mapping on every ':' and rejects it whole${ovnk
      ? `: on this node (compat ovn-kubernetes) every SR-IOV pod add would fail${options.force ? ' (written anyway: --force)' : '; use IPv4 VTEPs in the mapping, or --force'}`
      : ''}`);
  }
  if (spec.defaultVtep === undefined && seen.ovs.externalIds.has('ovn-encap-ip-default')) {
    problem('info', 'default-not-in-spec', 'ovn-encap-ip-default', `ovn-encap-ip-default=${seen.ovs.externalIds.get('ovn-encap-ip-default')} is set but the spec has no defaultVtep; left alone`);
  }

  // Linux: address, MTU, link state and rp_filter of each VTEP device.
  for (const nic of spec.nics) planLink(nic, seen, changes, problem, options);

  // Rules and routes: stale mvtep entries go first, so re-adds never collide.
  const wantRules = spec.nics.map(vtepRule);
  const wantRoutes = spec.nics.flatMap((n) => vtepRoutes(spec, n));
  routingConflicts(spec, wantRoutes, problem);
  const ruleDel: Change[] = [];
  const ruleAdd: Change[] = [];
  const routeDel: Change[] = [];
  const routeAdd: Change[] = [];
  for (const r of seen.rules) {
    if (r.protocol === PROTO && !wantRules.some((w) => sameRule(w, r))) ruleDel.push({ kind: 'rule-del', rule: r });
  }
  for (const w of wantRules) {
    if (seen.rules.some((r) => sameRule(w, r))) continue;
    const clash = seen.rules.find((r) => r.family === w.family && r.priority === w.priority && r.protocol !== PROTO);
    if (clash) problem('error', 'priority-in-use', `pref ${w.priority}`, `rule priority ${w.priority} is already used by "${describeRule(clash)}" (not mvtep's)`);
    ruleAdd.push({ kind: 'rule-add', rule: w });
  }
  for (const r of seen.routes) {
    if (r.protocol === PROTO && !wantRoutes.some((w) => sameRoute(w, r))) routeDel.push({ kind: 'route-del', route: r });
  }
  for (const w of wantRoutes) {
    if (seen.routes.some((r) => sameRoute(w, r))) continue;
    const clash = seen.routes.find((r) => r.table === w.table && r.family === w.family && r.dst === w.dst && r.protocol !== PROTO);
    if (clash) problem('error', 'route-in-use', `table ${w.table}`, `table ${w.table} already has "${describeRoute(clash)}" (not mvtep's)`);
    routeAdd.push({ kind: 'route-add', route: w });
  }
  const wantTables = new Set(spec.nics.map((n) => String(n.table)));
  for (const r of seen.routes) {
    if (wantTables.has(r.table) && r.protocol !== PROTO && !wantRoutes.some((w) => sameRoute(w, r)) &&
      !problems.some((p) => p.code === 'route-in-use' && p.subject === `table ${r.table}`)) {
      problem('error', 'table-in-use', `table ${r.table}`, `table ${r.table} holds "${describeRoute(r)}", which mvtep did not create: pick another table`);
    }
  }
  changes.push(...ruleDel, ...routeDel, ...routeAdd, ...ruleAdd);
  const ovsImport = userspaceRouting(spec, seen, problem) ? wantRules : undefined;
  return { changes, problems, vteps: spec.nics.map((n) => ({ dev: n.vtep, mtu: n.mtu })), ...(ovsImport ? { ovsImport } : {}) };
}

/**
 * A node whose tunnels OVS routes itself (its integration bridge, br-int or
 * external_ids:ovn-bridge, is on the userspace datapath). OVS >= 3.7 imports the
 * rules this plan writes (true: apply checks they arrived); older OVS routes
 * by destination only, so VTEPs sharing a prefix would all leave through one
 * device: refused, as verify's userspace-tunnel-routing would report it.
 */
function userspaceRouting(spec: NodeSpec, seen: ObservedUnderlay, problem: ProblemFn): boolean {
  const integration = seen.ovs.bridges.get(seen.ovs.externalIds.get('ovn-bridge') ?? 'br-int');
  // The integration bridge's datapath decides who routes tunnels (the PF bridges' only carry them).
  if (!USERSPACE_DATAPATHS.has(integration?.datapathType ?? '')) return false;
  const router = ovsRouterOf(seen.ovs.ovsVersion);
  if (router.kind === 'rules') return true;
  const byPrefix = new Map<string, NicSpec[]>();
  for (const n of spec.nics) byPrefix.set(networkText(n.ip), [...(byPrefix.get(networkText(n.ip)) ?? []), n]);
  const version = router.kind === 'unknown' ? `OVS version unknown (${router.why})` : `OVS ${router.version}`;
  for (const [prefix, nics] of byPrefix) {
    if (nics.length < 2) continue;
    // Known to be too old: refused. Unknown: said, not refused (it may well be >= 3.7).
    problem(router.kind === 'unknown' ? 'warning' : 'error', 'userspace-shared-prefix', nics.map((n) => n.vtep).join(', '),
      `${version}: OVS < ${OVS_RULES_SINCE.join('.')} routes userspace-datapath tunnels by destination only, ignoring ip rule, and VTEPs ${nics.map((n) => `${n.vtep} ${n.ip.address}`).join(', ')} share ${prefix}, `
      + `so all their tunnels would leave through one device; upgrade to OVS >= ${OVS_RULES_SINCE.join('.')}, give each VTEP its own subnet, or use the kernel datapath (datapathType: system and a system br-int)`
      + (router.kind === 'unknown' ? '; record the version with \'ovs-vsctl set Open_vSwitch . ovs_version=<version>\' or give --appctl-target (vswitchd tells its own)' : ''));
  }
  return false;
}

type ProblemFn = (severity: Problem['severity'], code: string, subject: string, message: string) => void;

function planVtepPort(nic: NicSpec, seen: ObservedUnderlay, changes: Change[], problem: ProblemFn): void {
  const port = seen.ovs.ports.get(nic.vtep);
  if (!port) {
    if (seen.links.some((l) => l.name === nic.vtep)) {
      problem('error', 'vtep-not-ovs', nic.vtep, `device ${nic.vtep} exists but is not an OVS port: rename it or pick another vtep name`);
    }
    changes.push({
      kind: 'ovs-port-add', bridge: nic.bridge, port: nic.vtep, ifaceType: 'internal', mtuRequest: nic.mtu,
      ...(nic.vlan !== undefined ? { tag: nic.vlan } : {}),
    });
    return;
  }
  if (port.bridge !== nic.bridge) {
    problem('error', 'vtep-on-other-bridge', nic.vtep, `port ${nic.vtep} is on bridge ${port.bridge ?? '(none)'}, the spec puts it on ${nic.bridge}`);
    return;
  }
  const iface = seen.ovs.interfaces.get(nic.vtep);
  if (!iface || iface.type !== 'internal') {
    problem('error', 'vtep-not-internal', nic.vtep, `port ${nic.vtep} exists with interface type ${JSON.stringify(iface?.type ?? '')}, not internal`);
    return;
  }
  if (port.tag !== nic.vlan) changes.push({ kind: 'ovs-port-tag', port: nic.vtep, ...(port.tag !== undefined ? { from: port.tag } : {}), ...(nic.vlan !== undefined ? { to: nic.vlan } : {}) });
  if (iface.mtuRequest !== nic.mtu) changes.push({ kind: 'ovs-iface-mtu', iface: nic.vtep, ...(iface.mtuRequest !== undefined ? { from: iface.mtuRequest } : {}), to: nic.mtu });
}

/**
 * What the kernel or the fabric would refuse, found before apply: two routes
 * for one prefix in one table (a supernet equal to a VTEP subnet), and VTEP
 * subnets of different NICs that overlap unequally with no supernet covering
 * them (which NIC reaches the overlap depends on prefix length, not on the spec).
 */
function routingConflicts(spec: NodeSpec, routes: readonly IpRoute[], problem: ProblemFn): void {
  const seen = new Map<string, IpRoute>();
  for (const r of routes) {
    const key = `${r.table} ${r.dst}`;
    const first = seen.get(key);
    if (first) problem('error', 'duplicate-route', `table ${r.table}`, `two routes for ${r.dst} in table ${r.table} (dev ${first.dev}${first.gateway ? ` via ${first.gateway}` : ''} and dev ${r.dev}${r.gateway ? ` via ${r.gateway}` : ''}): the kernel refuses the second; a supernet must not equal a VTEP subnet`);
    else seen.set(key, r);
  }
  for (const [i, a] of spec.nics.entries()) {
    for (const b of spec.nics.slice(i + 1)) {
      if (a.ip.family !== b.ip.family || a.ip.prefixLength === b.ip.prefixLength) continue;
      const overlap = contains(a.ip, b.ip.network) || contains(b.ip, a.ip.network);
      const covered = spec.supernets.some((s) => s.family === a.ip.family && contains(s, a.ip.network) && contains(s, b.ip.network));
      if (overlap && !covered) {
        problem('error', 'vtep-subnets-overlap', `${a.vtep}, ${b.vtep}`, `VTEP subnets ${networkText(a.ip)} (${a.vtep}) and ${networkText(b.ip)} (${b.vtep}) overlap and no supernet covers them: remote VTEPs in the overlap are routed by prefix length, not by NIC; use one subnet or disjoint ones, or add the supernet`);
      }
    }
  }
}

function planLink(nic: NicSpec, seen: ObservedUnderlay, changes: Change[], problem: ProblemFn, options: PlanOptions): void {
  const link = seen.links.find((l) => l.name === nic.vtep);
  const holders = seen.links.filter((l) => l.addresses.some((a) => a.address === nic.ip.address));
  for (const h of holders) {
    if (h.name !== nic.vtep) problem('error', 'ip-elsewhere', nic.ip.address, `VTEP IP ${nic.ip.address} is already on ${h.name}; it must be on ${nic.vtep} only`);
  }
  const have = link?.addresses.find((a) => a.address === nic.ip.address);
  if (have && have.prefixLength !== nic.ip.prefixLength) {
    problem('error', 'ip-prefix', nic.ip.address, `${nic.vtep} has ${have.address}/${have.prefixLength}, the spec says /${nic.ip.prefixLength}`);
  }
  for (const extra of link?.addresses ?? []) {
    if (extra.scope !== 'link' && extra.address !== nic.ip.address) {
      problem('warning', 'extra-address', nic.vtep, `${nic.vtep} also has ${extra.address}/${extra.prefixLength}, not in the spec; left alone (mvtep removes only what it marks)`);
    }
  }
  const mtuViaOvs = changes.some((c) => (c.kind === 'ovs-iface-mtu' && c.iface === nic.vtep) || (c.kind === 'ovs-port-add' && c.port === nic.vtep));
  if (link && !mtuViaOvs && link.mtu !== nic.mtu) changes.push({ kind: 'link-mtu', dev: nic.vtep, from: link.mtu, to: nic.mtu });
  // Up before the address: undone in reverse, the address goes first and `down`
  // (which flushes IPv6 addresses) comes last.
  if (!link || !link.up) changes.push({ kind: 'link-up', dev: nic.vtep });
  if (!have) changes.push({ kind: 'link-address', dev: nic.vtep, address: nic.ip.address, prefixLength: nic.ip.prefixLength });
  if (nic.ip.family !== 4) return;
  const rp = seen.rpFilter.get(link ? nic.vtep : 'default');
  if (!rp) return;
  // A new device starts with conf.default; the kernel applies max(conf.all, conf.<dev>).
  const effective = Math.max(rp.all, rp.dev) as RpFilter;
  if (effective !== 1) return;
  if (options.fixRpFilter) {
    changes.push({ kind: 'rp-filter', dev: nic.vtep, from: rp.dev, to: 2 });
  } else {
    problem('error', 'rp-filter-strict', nic.vtep, `rp_filter is strict (1) on ${nic.vtep}${link ? '' : ' (inherited from conf.default)'}: it drops asymmetric tunnel traffic; rerun with --fix-rp-filter to set loose (2)`);
  }
}
