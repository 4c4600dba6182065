import { decidePfEncapIp, IFACE_ENCAP_IP_KEY, type NodeEncapConfig } from '../../config/index.ts';
import type { VswitchIface } from './ovsView.ts';

export const IFACE_ID_KEY = 'iface-id';

/** What sysfs says about an Interface's name (computed by the caller: keeps this pure). */
export type RepLookup =
  | { readonly kind: 'representor'; readonly pf: string }
  /** A VIF that is not a VF/SF representor (veth, tap, internal): not ours. */
  | { readonly kind: 'not-representor' }
  /** Looks like a representor but cannot be resolved (legacy mode, broken link, no uplink). */
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export type EncapMutation =
  | { readonly kind: 'set'; readonly uuid: string; readonly iface: string; readonly pf: string; readonly ip: string; readonly previous: string | undefined }
  | { readonly kind: 'remove'; readonly uuid: string; readonly iface: string; readonly pf: string; readonly previous: string };

export type ProblemKind = 'not-listed' | 'unusable' | 'sriov';

/** Something the agent refuses to fix by itself; reported, never guessed. */
export interface AgentProblem {
  readonly kind: ProblemKind;
  readonly iface: string;
  readonly pf?: string;
  readonly ip?: string;
  readonly message: string;
}

export interface ReconcileResult {
  readonly mutations: readonly EncapMutation[];
  readonly problems: readonly AgentProblem[];
  /** Representor VIFs with an iface-id that the agent is responsible for. */
  readonly managed: readonly string[];
}

/**
 * The agent's whole decision, pure: for each VIF on the bridge that has an
 * iface-id and is a VF/SF representor, encap-ip must equal its PF's mapped
 * VTEP (set / fix), or be absent when the PF is unmapped (remove). A VTEP
 * that OVN does not list, or a malformed mapping entry, is reported and the
 * VIF is left as it is. Other VIFs are never touched.
 */
export function reconcile(config: NodeEncapConfig, ifaces: readonly VswitchIface[], lookup: (name: string) => RepLookup): ReconcileResult {
  const mutations: EncapMutation[] = [];
  const problems: AgentProblem[] = [];
  const managed: string[] = [];
  for (const iface of ifaces) {
    const ifaceId = iface.externalIds.get(IFACE_ID_KEY);
    if (ifaceId === undefined || ifaceId === '') continue;
    const rep = lookup(iface.name);
    if (rep.kind === 'not-representor') continue;
    if (rep.kind === 'error') {
      problems.push({ kind: 'sriov', iface: iface.name, message: `${iface.name}: ${rep.message}` });
      continue;
    }
    managed.push(iface.name);
    const current = iface.externalIds.get(IFACE_ENCAP_IP_KEY);
    const d = decidePfEncapIp(config, rep.pf);
    switch (d.kind) {
      case 'mapped':
        if (current !== d.ip) mutations.push({ kind: 'set', uuid: iface.uuid, iface: iface.name, pf: rep.pf, ip: d.ip, previous: current });
        break;
      case 'unmapped':
        if (current !== undefined) mutations.push({ kind: 'remove', uuid: iface.uuid, iface: iface.name, pf: rep.pf, previous: current });
        break;
      case 'not-listed':
        problems.push({
          kind: 'not-listed', iface: iface.name, pf: rep.pf, ip: d.ip,
          message: `${iface.name}: PF ${rep.pf} maps to ${d.ip}, which is not in ${config.encapIps.key}; OVN would ignore it, left encap-ip=${current ?? '(none)'}`,
        });
        break;
      case 'unusable':
        problems.push({
          kind: 'unusable', iface: iface.name, pf: rep.pf,
          message: `${iface.name}: the ovn-pf-encap-ip-mapping entry for PF ${rep.pf} is malformed or conflicting; left encap-ip=${current ?? '(none)'}`,
        });
        break;
    }
  }
  return { mutations, problems, managed };
}

/** The config keys whose change makes every VIF's decision stale. */
export function configFingerprint(ids: ReadonlyMap<string, string>, chassis: string | undefined): string {
  const keys = ['system-id', 'ovn-encap-ip', 'ovn-encap-ip-default', 'ovn-pf-encap-ip-mapping'];
  const sysId = chassis ?? ids.get('system-id');
  if (sysId) keys.push(`ovn-encap-ip-${sysId}`, `ovn-encap-ip-default-${sysId}`);
  return JSON.stringify(keys.map((k) => [k, ids.get(k) ?? null]));
}
