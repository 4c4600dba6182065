import { strict, type Checked, type ConfigError, type ConfigWarning, type Parsed } from './errors.ts';
import { checkEncapIpDefault, checkEncapIpList, ovnListsIp, ovnReadEncapIpDefault, type EncapIp, type EncapIpList } from './encapIp.ts';
import { checkPfEncapIpMapping, type PfMapping } from './pfMapping.ts';
import {
  chassisKey, ENCAP_IP_DEFAULT_KEY, ENCAP_IP_KEY, getExternalId, PF_MAPPING_KEY, SYSTEM_ID_KEY, type ExternalIds,
} from './keys.ts';

/** Everything mvtep needs from one node's Open_vSwitch external_ids. */
export interface NodeEncapConfig {
  /** Chassis name used for `-<chassis>` overrides (system-id unless given). */
  readonly chassis: string | undefined;
  readonly encapIps: EncapIpList;
  readonly defaultIp: EncapIp | undefined;
  readonly mapping: PfMapping;
  /** What OVN itself uses: Encap IP strings and the honoured default. */
  readonly ovn: { readonly encapIps: readonly string[]; readonly defaultIp: string | undefined };
}

export interface NodeEncapOptions {
  /** Overrides external_ids:system-id as the chassis name. */
  readonly chassis?: string;
}

/**
 * Reads and cross-checks the three keys. The mapping is read from the plain
 * key only (ovnkube-node reads no chassis-specific variant).
 */
export function checkNodeEncapConfig(ids: ExternalIds, opts: NodeEncapOptions = {}): Checked<NodeEncapConfig> {
  const chassis = opts.chassis ?? getExternalId(ids, SYSTEM_ID_KEY);
  const list = chassisKey(ids, ENCAP_IP_KEY, chassis);
  const def = chassisKey(ids, ENCAP_IP_DEFAULT_KEY, chassis);
  const rawMapping = getExternalId(ids, PF_MAPPING_KEY) ?? '';
  const warnings: ConfigWarning[] = [];
  const errors: ConfigError[] = [];

  const plain = getExternalId(ids, ENCAP_IP_KEY);
  if (list.key !== ENCAP_IP_KEY && plain !== undefined && plain !== list.value) {
    warnings.push({
      code: 'chassis-override', key: list.key,
      message: `${list.key} overrides ${ENCAP_IP_KEY} (${JSON.stringify(plain)}) for chassis ${chassis}`,
    });
  }
  const encap = checkEncapIpList(list.value ?? '', list.key);
  const dflt = checkEncapIpDefault(def.value ?? '', encap.value, def.key);
  const mapping = checkPfEncapIpMapping(rawMapping, encap.value, PF_MAPPING_KEY);
  for (const c of [encap, dflt, mapping]) {
    errors.push(...c.errors);
    warnings.push(...c.warnings);
  }
  if (mapping.value.entries.length > 0 && encap.value.ovn.length < 2) {
    warnings.push({
      code: 'single-encap-ip', key: list.key,
      message: `${list.key} lists ${encap.value.ovn.length} VTEP(s): OVN ignores a VIF's encap-ip unless the chassis has at least two`,
    });
  }
  const value: NodeEncapConfig = {
    chassis,
    encapIps: encap.value,
    defaultIp: dflt.value,
    mapping: mapping.value,
    ovn: { encapIps: encap.value.ovn, defaultIp: ovnReadEncapIpDefault(def.value, list.value ?? '') },
  };
  return { value, errors, warnings };
}

export function parseNodeEncapConfig(ids: ExternalIds, opts: NodeEncapOptions = {}): Parsed<NodeEncapConfig> {
  return strict(checkNodeEncapConfig(ids, opts));
}

/** What a pod on a given PF should carry in its Interface external_ids:encap-ip. */
export type PfEncapDecision =
  /** Mapped and listed by OVN: write it. */
  | { readonly kind: 'mapped'; readonly pf: string; readonly ip: string }
  /** Not in the mapping: the pod carries no encap-ip (OVN uses the default VTEP). */
  | { readonly kind: 'unmapped'; readonly pf: string }
  /** Mapped to an IP OVN does not list: OVN would ignore it; refuse and report. */
  | { readonly kind: 'not-listed'; readonly pf: string; readonly ip: string }
  /** The PF's mapping entry is malformed or ambiguous: leave the pod alone and report. */
  | { readonly kind: 'unusable'; readonly pf: string };

export function decidePfEncapIp(config: NodeEncapConfig, pf: string): PfEncapDecision {
  if (config.mapping.unusablePfs.has(pf)) return { kind: 'unusable', pf };
  const entry = config.mapping.byPf.get(pf);
  if (!entry) return { kind: 'unmapped', pf };
  if (!ovnListsIp(config.encapIps, entry.ip)) return { kind: 'not-listed', pf, ip: entry.ip };
  return { kind: 'mapped', pf, ip: entry.ip };
}
