/** Open_vSwitch external_ids keys mvtep reads (spec §1). */
export const ENCAP_IP_KEY = 'ovn-encap-ip';
export const ENCAP_IP_DEFAULT_KEY = 'ovn-encap-ip-default';
export const PF_MAPPING_KEY = 'ovn-pf-encap-ip-mapping';
export const SYSTEM_ID_KEY = 'system-id';
/** The per-VIF key OVN reads on the Interface row (spec §2; not `ovn-encap-ip`). */
export const IFACE_ENCAP_IP_KEY = 'encap-ip';

/** external_ids as decoded by the OVSDB client (Map) or written by hand (object). */
export type ExternalIds = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export function getExternalId(ids: ExternalIds, key: string): string | undefined {
  if (ids instanceof Map) return ids.get(key);
  const rec = ids as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}

/**
 * OVN's chassis-specific lookup: `<key>-<chassis>` wins over `<key>` when
 * present (that is how several ovn-controllers share one OVS database).
 */
export function chassisKey(ids: ExternalIds, key: string, chassis: string | undefined): { key: string; value: string | undefined } {
  if (chassis) {
    const specific = `${key}-${chassis}`;
    const v = getExternalId(ids, specific);
    if (v !== undefined) return { key: specific, value: v };
  }
  return { key, value: getExternalId(ids, key) };
}
