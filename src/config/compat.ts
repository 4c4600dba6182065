import { getExternalId, type ExternalIds } from './keys.ts';
import { UsageError } from '../util/errors.ts';
import type { ConfigWarning } from './errors.ts';
import { PF_MAPPING_KEY } from './keys.ts';

/**
 * Whose reading of the node's keys must hold besides OVN's. With
 * `ovn-kubernetes`, a PF mapping ovnkube-node cannot parse fails every
 * SR-IOV pod add on the node, so it is an error, not a warning.
 */
export type Compat = 'ovn-kubernetes' | 'none';

export const COMPAT_VALUES: readonly Compat[] = ['ovn-kubernetes', 'none'];

/**
 * Keys ovnkube-node writes together at start (setupOVNNode, one ovs-vsctl
 * set): `hostname`, `ovn-set-local-ip` and `ovn-ofctrl-wait-before-clear`.
 * Plain OVN deployments set none of the last two; all three mean ovnkube-node.
 */
const OVNKUBE_KEYS = ['hostname', 'ovn-set-local-ip', 'ovn-ofctrl-wait-before-clear'] as const;

export function detectOvnKubernetes(ids: ExternalIds): boolean {
  return OVNKUBE_KEYS.every((k) => getExternalId(ids, k) !== undefined);
}

/** `--compat` as given, else detected from the node's Open_vSwitch external_ids. */
export function resolveCompat(given: string | undefined, ids: ExternalIds | undefined): Compat {
  if (given === undefined) return ids !== undefined && detectOvnKubernetes(ids) ? 'ovn-kubernetes' : 'none';
  if ((COMPAT_VALUES as readonly string[]).includes(given)) return given as Compat;
  throw new UsageError(`--compat: '${given}' is not one of ${COMPAT_VALUES.join(', ')}`, given);
}

/** Mapping warnings that, for ovnkube-node, fail every SR-IOV pod on the node (not just one entry). */
const OVNKUBE_FATAL = new Set<ConfigWarning['code']>(['ovnkube-rejects-mapping', 'ipv6-ovnkube', 'empty-entry']);

export function fatalForOvnKubernetes(w: ConfigWarning): boolean {
  return w.key === PF_MAPPING_KEY && OVNKUBE_FATAL.has(w.code);
}
