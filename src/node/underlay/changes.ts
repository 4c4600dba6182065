import { describeRoute, describeRule, type IpRoute, type IpRule, type RpFilter } from '../../routing/index.ts';

/** One unit of work of `node apply`, and one line of `node plan`. Each has an exact undo. */
export type Change =
  | { readonly kind: 'ovs-bridge-add'; readonly bridge: string; readonly datapathType: string }
  | { readonly kind: 'ovs-bridge-datapath'; readonly bridge: string; readonly from: string; readonly to: string }
  | {
    readonly kind: 'ovs-port-add'; readonly bridge: string; readonly port: string; readonly ifaceType: 'internal' | 'system';
    readonly tag?: number; readonly mtuRequest?: number;
  }
  | { readonly kind: 'ovs-port-tag'; readonly port: string; readonly from?: number; readonly to?: number }
  | { readonly kind: 'ovs-iface-mtu'; readonly iface: string; readonly from?: number; readonly to: number }
  | { readonly kind: 'ovs-key'; readonly key: string; readonly from?: string; readonly to: string }
  | { readonly kind: 'link-mtu'; readonly dev: string; readonly from: number; readonly to: number }
  | { readonly kind: 'link-address'; readonly dev: string; readonly address: string; readonly prefixLength: number }
  | { readonly kind: 'link-up'; readonly dev: string }
  | { readonly kind: 'rp-filter'; readonly dev: string; readonly from: RpFilter; readonly to: RpFilter }
  | { readonly kind: 'rule-add'; readonly rule: IpRule }
  | { readonly kind: 'rule-del'; readonly rule: IpRule }
  | { readonly kind: 'route-add'; readonly route: IpRoute }
  | { readonly kind: 'route-del'; readonly route: IpRoute };

export type ChangeKind = Change['kind'];

const tagText = (t: number | undefined): string => (t === undefined ? 'untagged' : `tag ${t}`);

/** One line: what apply does for this change. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'ovs-bridge-add': return `ovs: add bridge ${c.bridge} (datapath_type=${c.datapathType})`;
    case 'ovs-bridge-datapath': return `ovs: set bridge ${c.bridge} datapath_type ${c.from || 'system'} -> ${c.to}`;
    case 'ovs-port-add':
      return c.ifaceType === 'internal'
        ? `ovs: add internal port ${c.port} to ${c.bridge} (${tagText(c.tag)}${c.mtuRequest !== undefined ? `, mtu_request=${c.mtuRequest}` : ''})`
        : `ovs: add PF uplink ${c.port} to ${c.bridge}`;
    case 'ovs-port-tag': return `ovs: set port ${c.port} ${tagText(c.from)} -> ${tagText(c.to)}`;
    case 'ovs-iface-mtu': return `ovs: set interface ${c.iface} mtu_request ${c.from ?? '(none)'} -> ${c.to}`;
    case 'ovs-key': return `ovs: set external_ids:${c.key} ${c.from === undefined ? '(absent)' : JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`;
    case 'link-mtu': return `link: set ${c.dev} mtu ${c.from} -> ${c.to}`;
    case 'link-address': return `link: add address ${c.address}/${c.prefixLength} to ${c.dev}`;
    case 'link-up': return `link: set ${c.dev} up`;
    case 'rp-filter': return `sysctl: net.ipv4.conf.${c.dev}.rp_filter ${c.from} -> ${c.to} (loose)`;
    case 'rule-add': return `rule: add ${describeRule(c.rule)}`;
    case 'rule-del': return `rule: delete stale ${describeRule(c.rule)}`;
    case 'route-add': return `route: add ${describeRoute(c.route)}`;
    case 'route-del': return `route: delete stale ${describeRoute(c.route)}`;
  }
}

/** `diff` wording: how the node differs from the spec. */
export function describeDrift(c: Change): string {
  switch (c.kind) {
    case 'ovs-bridge-add': return `missing bridge ${c.bridge}`;
    case 'ovs-port-add': return `missing ${c.ifaceType === 'internal' ? 'VTEP port' : 'PF uplink'} ${c.port} on ${c.bridge}`;
    case 'link-address': return `missing address ${c.address}/${c.prefixLength} on ${c.dev}`;
    case 'link-up': return `${c.dev} is down or absent`;
    case 'rule-add': return `missing rule ${describeRule(c.rule)}`;
    case 'route-add': return `missing route ${describeRoute(c.route)}`;
    case 'rule-del': return `stale mvtep rule ${describeRule(c.rule)}`;
    case 'route-del': return `stale mvtep route ${describeRoute(c.route)}`;
    default: return `differs: ${describeChange(c).replace(/^[a-z]+: set /, '')}`;
  }
}

import type { Severity } from '../../util/severity.ts';
export type { Severity };

/** A finding of the pre-apply checks; errors block apply. */
export interface Problem {
  readonly severity: Severity;
  readonly code: string;
  /** The device, key, table... the finding is about. */
  readonly subject: string;
  readonly message: string;
}
