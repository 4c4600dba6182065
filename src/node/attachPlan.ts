import { decidePfEncapIp, IFACE_ENCAP_IP_KEY, type NodeEncapConfig } from '../config/index.ts';
import type { VswitchBridge, VswitchIface, VswitchPort } from './agent/ovsView.ts';
import { AttachError } from './attachErrors.ts';

export const IFACE_ID_KEY = 'iface-id';

export interface AttachRequest {
  readonly bridge: string;
  /** Representor netdev name: the Port and Interface name on the bridge. */
  readonly iface: string;
  /** OVN logical switch port name. */
  readonly ifaceId: string;
  readonly attachedMac?: string;
  /** ovn-controller binds only when it equals the LSP's options:iface-id-ver (pod UID). */
  readonly ifaceIdVer?: string;
  /** Further external_ids keys (e.g. sandbox, k8s.ovn.org/nad). */
  readonly extraIds?: Readonly<Record<string, string>>;
  /**
   * Interface type for a new port; default '' (system: the representor is a
   * kernel netdev). Labs without real netdevs use 'internal'. Never changed
   * on an existing interface.
   */
  readonly ifaceType?: string;
}

/** The attach-time VTEP decision for the representor's PF (see decideAttachEncap). */
export type AttachEncap =
  | { readonly kind: 'mapped'; readonly pf: string; readonly ip: string }
  | { readonly kind: 'unmapped'; readonly pf: string }
  /** No SR-IOV resolution at all: encap-ip is not ours to manage on this port. */
  | { readonly kind: 'none' };

export interface AttachState {
  readonly bridges: readonly VswitchBridge[];
  readonly ports: readonly VswitchPort[];
  readonly interfaces: readonly VswitchIface[];
}

export type AttachPlan =
  | { readonly action: 'create'; readonly bridgeUuid: string; readonly externalIds: ReadonlyMap<string, string> }
  | {
    readonly action: 'update'; readonly ifaceUuid: string;
    readonly set: ReadonlyMap<string, string>; readonly remove: readonly string[];
  }
  | { readonly action: 'unchanged'; readonly ifaceUuid: string };

/**
 * Turns the PF's mapping decision into what attach writes. Refuses (typed
 * error, nothing written) where ovnkube-node would write an IP OVN silently
 * ignores, or guess from a malformed mapping entry.
 */
export function decideAttachEncap(config: NodeEncapConfig, pf: string, iface: string): AttachEncap {
  const d = decidePfEncapIp(config, pf);
  switch (d.kind) {
    case 'mapped':
      return d;
    case 'unmapped':
      return d;
    case 'not-listed':
      throw new AttachError('attach-encap-not-listed',
        `${iface}: PF ${pf} maps to ${d.ip}, which is not in ${config.encapIps.key} (${config.ovn.encapIps.join(',') || 'empty'}); OVN would silently ignore it, so nothing was written`,
        { iface, pf, ip: d.ip });
    case 'unusable':
      throw new AttachError('attach-mapping-invalid',
        `${iface}: the ovn-pf-encap-ip-mapping entry for PF ${pf} is malformed or conflicting; fix it (mvtep config check) before attaching`,
        { iface, pf });
  }
}

export function desiredExternalIds(req: AttachRequest, encap: AttachEncap): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [k, v] of Object.entries(req.extraIds ?? {})) ids.set(k, v);
  ids.set(IFACE_ID_KEY, req.ifaceId);
  ids.set('iface-status', 'active');
  if (req.attachedMac !== undefined) ids.set('attached-mac', req.attachedMac);
  if (req.ifaceIdVer !== undefined) ids.set('iface-id-ver', req.ifaceIdVer);
  if (encap.kind === 'mapped') ids.set(IFACE_ENCAP_IP_KEY, encap.ip);
  return ids;
}

/**
 * Pure: given the current rows, what one transaction makes the representor
 * attached as requested. Existing interfaces are corrected with single-key
 * map mutates (keys written by others stay); a second identical attach is
 * `unchanged`.
 */
export function planAttach(state: AttachState, req: AttachRequest, encap: AttachEncap): AttachPlan {
  const bridge = state.bridges.find((b) => b.name === req.bridge);
  if (!bridge) throw new AttachError('attach-no-bridge', `bridge ${req.bridge} does not exist`, req.bridge);
  const want = desiredExternalIds(req, encap);
  const iface = state.interfaces.find((i) => i.name === req.iface);
  const port = state.ports.find((p) => p.name === req.iface);
  if (!iface) {
    if (port) throw new AttachError('attach-conflict', `port ${req.iface} exists without an interface of that name`, req.iface);
    return { action: 'create', bridgeUuid: bridge.uuid, externalIds: want };
  }
  const owner = state.ports.find((p) => p.interfaces.includes(iface.uuid));
  const ownerBridge = owner ? state.bridges.find((b) => b.ports.includes(owner.uuid)) : undefined;
  if (ownerBridge && ownerBridge.name !== req.bridge) {
    throw new AttachError('attach-wrong-bridge', `${req.iface} is already attached to bridge ${ownerBridge.name}, not ${req.bridge}`, req.iface);
  }
  if (!ownerBridge) {
    throw new AttachError('attach-conflict', `interface ${req.iface} exists but is on no bridge`, req.iface);
  }
  const current = iface.externalIds.get(IFACE_ID_KEY);
  if (current !== undefined && current !== '' && current !== req.ifaceId) {
    throw new AttachError('attach-conflict',
      `${req.iface} is attached with iface-id ${current}, not ${req.ifaceId}; detach it first`, { iface: req.iface, ifaceId: current });
  }
  const set = new Map<string, string>();
  for (const [k, v] of want) if (iface.externalIds.get(k) !== v) set.set(k, v);
  const remove: string[] = [];
  if (encap.kind === 'unmapped' && iface.externalIds.has(IFACE_ENCAP_IP_KEY)) remove.push(IFACE_ENCAP_IP_KEY);
  if (set.size === 0 && remove.length === 0) return { action: 'unchanged', ifaceUuid: iface.uuid };
  return { action: 'update', ifaceUuid: iface.uuid, set, remove };
}

export type DetachPlan =
  | { readonly action: 'delete'; readonly bridgeUuid: string; readonly portUuid: string; readonly iface: string }
  | { readonly action: 'absent' };

/** Pure: which port to drop from the bridge for an interface name or an iface-id. */
export function planDetach(state: AttachState, bridgeName: string, by: { iface?: string; ifaceId?: string }): DetachPlan {
  const bridge = state.bridges.find((b) => b.name === bridgeName);
  if (!bridge) throw new AttachError('attach-no-bridge', `bridge ${bridgeName} does not exist`, bridgeName);
  const matches = state.interfaces.filter((i) =>
    (by.iface === undefined || i.name === by.iface) && (by.ifaceId === undefined || i.externalIds.get(IFACE_ID_KEY) === by.ifaceId));
  for (const iface of matches) {
    const port = state.ports.find((p) => p.interfaces.includes(iface.uuid) && bridge.ports.includes(p.uuid));
    if (port) return { action: 'delete', bridgeUuid: bridge.uuid, portUuid: port.uuid, iface: iface.name };
  }
  return { action: 'absent' };
}
