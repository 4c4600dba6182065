import type { NodeSpec, NicSpec } from '../../config/nodeSpec.ts';
import { networkText } from '../../config/nodeSpecIp.ts';
import { ovnTokenSet } from '../../config/tokens.ts';
import { MVTEP_PROTO, type IpRoute, type IpRule } from '../../routing/index.ts';

const PROTO = String(MVTEP_PROTO);

/** `from <vtep ip> lookup <table> pref <priority>` */
export function vtepRule(nic: NicSpec): IpRule {
  return { family: nic.ip.family, priority: nic.priority, src: nic.ip.address, table: String(nic.table), protocol: PROTO };
}

/** The VTEP subnet on the VTEP device, then each supernet of its family via the gateway. */
export function vtepRoutes(spec: NodeSpec, nic: NicSpec): IpRoute[] {
  const table = String(nic.table);
  const subnet: IpRoute = {
    family: nic.ip.family, table, dst: networkText(nic.ip), dev: nic.vtep, prefsrc: nic.ip.address, protocol: PROTO,
    // IPv6 routes carry no scope; the kernel rejects nothing but prints none either.
    ...(nic.ip.family === 4 ? { scope: 'link' } : {}),
  };
  const viaGateway = spec.supernets
    .filter((s) => s.family === nic.ip.family && nic.gateway !== undefined)
    .map((s): IpRoute => ({ family: s.family, table, dst: networkText(s), gateway: nic.gateway!, dev: nic.vtep, protocol: PROTO }));
  return [subnet, ...viaGateway];
}

/** The Open_vSwitch external_ids the spec owns, in the order written. */
export function desiredKeys(spec: NodeSpec): { key: string; value: string; compare: 'exact' | 'set' }[] {
  const keys: { key: string; value: string; compare: 'exact' | 'set' }[] = [];
  if (spec.node !== undefined) keys.push({ key: 'system-id', value: spec.node, compare: 'exact' });
  if (spec.encapType !== undefined) keys.push({ key: 'ovn-encap-type', value: spec.encapType, compare: 'set' });
  keys.push({ key: 'ovn-encap-ip', value: spec.nics.map((n) => n.ip.address).join(','), compare: 'set' });
  keys.push({ key: 'ovn-pf-encap-ip-mapping', value: spec.nics.map((n) => `${n.pf}:${n.ip.address}`).join(','), compare: 'set' });
  const def = spec.nics.find((n) => n.vtep === spec.defaultVtep);
  if (def) keys.push({ key: 'ovn-encap-ip-default', value: def.ip.address, compare: 'exact' });
  return keys;
}

/** A value already on the node is kept when it means the same to OVN (same token set, any order). */
export function sameValue(current: string, wanted: string, compare: 'exact' | 'set'): boolean {
  if (compare === 'exact') return current === wanted;
  const a = ovnTokenSet(current).sort();
  const b = ovnTokenSet(wanted).sort();
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
