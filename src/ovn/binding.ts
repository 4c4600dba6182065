import { encapTypeRank, type EncapRow } from './encaps.ts';
import type { OvnFeatures } from './version.ts';

/**
 * Port_Binding.encap as ovn-controller sets it for a VIF bound on a chassis
 * with these Encap rows, given the Interface's `external_ids:encap-ip`.
 *
 * - fewer than two Encap rows: never set (encap-ip ignored; since 24.09.0);
 * - encap-ip given: the row with that exact IP, preferring the best type;
 *   an IP the chassis does not have gives nothing, silently;
 * - encap-ip absent: the is_default row (only written by >= 24.09).
 */
export function bindingEncap(chassisEncaps: readonly EncapRow[], ifaceEncapIp: string | undefined,
  features?: Pick<OvnFeatures, 'encapIpNeedsTwoEncaps'>): EncapRow | undefined {
  if (chassisEncaps.length < 2 && (features?.encapIpNeedsTwoEncaps ?? true)) return undefined;
  let best: EncapRow | undefined;
  let bestRank = 0;
  for (const e of chassisEncaps) {
    const hit = ifaceEncapIp !== undefined ? e.ip === ifaceEncapIp : e.isDefault;
    if (!hit) continue;
    const rank = encapTypeRank(e.type);
    if (rank > bestRank) {
      bestRank = rank;
      best = e;
    }
  }
  return best;
}

/** Why a VIF's binding has the encap it has; used by verify and trace. */
export type BindingReason =
  | 'single-encap' // chassis has < 2 Encap rows: encap-ip ignored
  | 'pinned' // encap-ip matched an Encap row
  | 'unknown-ip' // encap-ip set but matches no Encap row: silently ignored
  | 'default' // no encap-ip, the chassis default applies
  | 'unpinned'; // no encap-ip, no default

export function bindingReason(chassisEncaps: readonly EncapRow[], ifaceEncapIp: string | undefined,
  features?: Pick<OvnFeatures, 'encapIpNeedsTwoEncaps'>): BindingReason {
  if (chassisEncaps.length < 2 && (features?.encapIpNeedsTwoEncaps ?? true)) return 'single-encap';
  const hit = bindingEncap(chassisEncaps, ifaceEncapIp, features);
  if (ifaceEncapIp !== undefined) return hit ? 'pinned' : 'unknown-ip';
  return hit ? 'default' : 'unpinned';
}
