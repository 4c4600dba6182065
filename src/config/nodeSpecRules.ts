import type { IssueSink } from './nodeSpec.ts';
import { contains, isHostAddressUsable, familyOf, networkText, type IpPrefix } from './nodeSpecIp.ts';
import { ENCAP_OVERHEAD, FIRST_TABLE, type NicSpec, type NodeSpec } from './nodeSpecTypes.ts';

/** A NIC after per-field checks: undefined where the field was missing or rejected. */
export interface RawNic {
  index: number;
  pf?: string;
  vtep?: string;
  bridge?: string;
  ip?: IpPrefix;
  vlan?: number;
  table?: number;
  priority?: number;
  class?: string;
  mtu?: number;
  gateway?: string;
}

type Top = Omit<NodeSpec, 'nics'>;

function unique<T>(sink: IssueSink, nics: RawNic[], key: string, get: (n: RawNic) => T | undefined, what: string): void {
  const seen = new Map<T, number>();
  for (const n of nics) {
    const v = get(n);
    if (v === undefined) continue;
    const first = seen.get(v);
    if (first !== undefined) sink.add(['nics', n.index, key], v, `duplicate ${what}: also used by nics[${first}]`);
    else seen.set(v, n.index);
  }
}

/** Cross-field rules: defaults, uniqueness, MTU, gateways. Adds issues; returns the spec if complete. */
export function checkSemantics(sink: IssueSink, top: Top, raw: RawNic[], allowUnreachableGateway: boolean): NodeSpec {
  // Defaults first, so a default that collides with an explicit value is reported.
  for (const n of raw) {
    n.table ??= FIRST_TABLE + n.index;
    n.priority ??= n.table;
    if (n.ip && !isHostAddressUsable(n.ip, n.ip.address)) {
      sink.add(['nics', n.index, 'ip'], `${n.ip.address}/${n.ip.prefixLength}`, 'is the network or broadcast address of its subnet');
    }
  }
  unique(sink, raw, 'pf', (n) => n.pf, 'PF');
  unique(sink, raw, 'vtep', (n) => n.vtep, 'VTEP device');
  unique(sink, raw, 'bridge', (n) => n.bridge, 'bridge (one bridge per PF)');
  unique(sink, raw, 'ip', (n) => n.ip?.address, 'VTEP IP');
  unique(sink, raw, 'table', (n) => n.table, 'table');
  unique(sink, raw, 'priority', (n) => n.priority, 'rule priority');
  const pfsAndBridges = new Set(raw.flatMap((n) => [n.pf, n.bridge]).filter((x) => x !== undefined));
  for (const n of raw) {
    if (n.vtep !== undefined && pfsAndBridges.has(n.vtep)) sink.add(['nics', n.index, 'vtep'], n.vtep, 'is also a PF or bridge name');
  }

  for (const n of raw) {
    if (!n.ip) continue;
    const min = top.overlayMtu + ENCAP_OVERHEAD[n.ip.family];
    if (n.mtu === undefined) n.mtu = Math.max(1500, min);
    else if (n.mtu < min) {
      sink.add(['nics', n.index, 'mtu'], n.mtu, `below overlayMtu ${top.overlayMtu} + ${ENCAP_OVERHEAD[n.ip.family]} (IPv${n.ip.family} encapsulation) = ${min}`);
    }
  }

  if (top.defaultVtep !== undefined && !raw.some((n) => n.vtep === top.defaultVtep)) {
    sink.add(['defaultVtep'], top.defaultVtep, `is not the vtep of any NIC (${raw.map((n) => n.vtep).filter(Boolean).join(', ')})`);
  }
  checkGateways(sink, top, raw, allowUnreachableGateway);

  const nics: NicSpec[] = [];
  for (const n of raw) {
    if (n.pf === undefined || n.vtep === undefined || n.bridge === undefined || !n.ip || n.mtu === undefined) continue;
    nics.push({
      index: n.index, pf: n.pf, bridge: n.bridge, vtep: n.vtep, ip: n.ip, table: n.table!, priority: n.priority!, mtu: n.mtu,
      ...(n.vlan !== undefined ? { vlan: n.vlan } : {}),
      ...(n.class !== undefined ? { class: n.class } : {}),
      ...(n.gateway !== undefined ? { gateway: n.gateway } : {}),
    });
  }
  return { ...top, nics };
}

function checkGateways(sink: IssueSink, top: Top, raw: RawNic[], allowUnreachable: boolean): void {
  const vtepIps = new Set(raw.map((n) => n.ip?.address));
  const byFamily = new Map<4 | 6, string>();
  top.gateways.forEach((g, i) => {
    const path = top.gateways.length > 1 ? ['routing', 'gateway', i] : ['routing', 'gateway'];
    const family = familyOf(g)!;
    if (byFamily.has(family)) sink.add(path, g, `a second IPv${family} gateway (give one per family; per-NIC gateways go in nics[].gateway)`);
    byFamily.set(family, g);
    if (vtepIps.has(g)) sink.add(path, g, "is a VTEP's own address, not a fabric gateway (the seed's placeholder)");
    else if (!allowUnreachable && !raw.some((n) => n.ip && contains(n.ip, g))) {
      sink.add(path, g, `is outside every IPv${family} VTEP subnet (${raw.filter((n) => n.ip?.family === family).map((n) => networkText(n.ip!)).join(', ') || 'none'})`);
    }
  });
  top.supernets.forEach((s, i) => {
    if (!raw.some((n) => n.ip?.family === s.family)) sink.add(['routing', 'supernets', i], networkText(s), `no IPv${s.family} VTEP to route it through`);
  });
  for (const n of raw) {
    if (!n.ip) continue;
    const at = ['nics', n.index, 'gateway'];
    if (n.gateway !== undefined) {
      if (familyOf(n.gateway) !== n.ip.family) sink.add(at, n.gateway, `is not IPv${n.ip.family} like the VTEP ${n.ip.address}`);
      else if (vtepIps.has(n.gateway)) sink.add(at, n.gateway, "is a VTEP's own address, not a fabric gateway");
      else if (!allowUnreachable && !contains(n.ip, n.gateway)) sink.add(at, n.gateway, `is outside the VTEP subnet ${networkText(n.ip)}`);
      continue;
    }
    const needs = top.supernets.some((s) => s.family === n.ip!.family);
    const global = byFamily.get(n.ip.family);
    if (!needs) continue;
    if (global === undefined) {
      sink.add(['nics', n.index, 'ip'], `${n.ip.address}/${n.ip.prefixLength}`, `IPv${n.ip.family} supernets need a gateway: set routing.gateway or nics[${n.index}].gateway`);
    } else if (allowUnreachable || contains(n.ip, global)) {
      n.gateway = global;
    } else if (raw.some((m) => m.ip && contains(m.ip, global))) {
      // The gateway is valid for other VTEPs; this one sits in another subnet.
      sink.add(['nics', n.index, 'ip'], `${n.ip.address}/${n.ip.prefixLength}`, `routing.gateway ${global} is not in this VTEP's subnet ${networkText(n.ip)}: set nics[${n.index}].gateway`);
    }
  }
}
