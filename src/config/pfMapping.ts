import { ConfigError, strict, type Checked, type ConfigWarning, type Parsed } from './errors.ts';
import { canonicalIp, checkIp, type IpFamily } from './ip.ts';
import { ovnListsIp, type EncapIpList } from './encapIp.ts';
import { PF_MAPPING_KEY } from './keys.ts';
import { MAX_IFNAME_BYTES as MAX_IFNAME } from './names.ts';

export interface PfMappingEntry {
  /** PF uplink netdev name (trimmed). */
  readonly pf: string;
  /** VTEP address (trimmed, validated, as written). */
  readonly ip: string;
  readonly family: IpFamily;
  readonly position: number;
}

export interface PfMapping {
  readonly key: string;
  readonly raw: string;
  /** Valid entries in written order (a PF repeated with the same IP appears once). */
  readonly entries: readonly PfMappingEntry[];
  readonly byPf: ReadonlyMap<string, PfMappingEntry>;
  /**
   * PFs named by an entry we rejected (bad IP, conflicting duplicate). Their
   * VTEP is unknown: callers must leave those pods alone and report, rather
   * than treat the PF as unmapped and strip its encap-ip.
   */
  readonly unusablePfs: ReadonlySet<string>;
}


function checkPfName(pf: string): string | undefined {
  if (pf === '') return 'empty PF name';
  if (Buffer.byteLength(pf) > MAX_IFNAME) return `PF name longer than ${MAX_IFNAME} bytes (not a Linux netdev name)`;
  if (pf === '.' || pf === '..') return 'not a Linux netdev name';
  if (/[\s/]/.test(pf)) return 'PF name contains whitespace or "/" (not a Linux netdev name)';
  return undefined;
}

export type OvnkubeMappingRead =
  | { readonly ok: true; readonly map: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly entry: string; readonly position: number };

/**
 * How ovnkube-node reads the mapping: split on ',', then each entry on EVERY
 * ':' and require exactly two parts, no trimming, later duplicates win. Any
 * bad entry (an IPv6 value, an empty entry) fails the whole value, and with
 * it every SR-IOV pod add on the node.
 */
export function ovnkubeReadPfMapping(raw: string): OvnkubeMappingRead {
  const map = new Map<string, string>();
  if (raw === '') return { ok: true, map };
  const entries = raw.split(',');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const tokens = entry.split(':');
    if (tokens.length !== 2) return { ok: false, entry, position: i + 1 };
    map.set(tokens[0]!, tokens[1]!);
  }
  return { ok: true, map };
}

/**
 * Checks `ovn-pf-encap-ip-mapping` (`pf:ip,...`). Each entry is split at its
 * FIRST ':' so IPv6 values work. With `encapIps`, mapped IPs are checked
 * against what OVN lists (exact strings, as OVN matches a VIF's encap-ip).
 */
export function checkPfEncapIpMapping(raw: string, encapIps?: EncapIpList, key: string = PF_MAPPING_KEY): Checked<PfMapping> {
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const byPf = new Map<string, PfMappingEntry>();
  const unusablePfs = new Set<string>();
  const list = raw === '' ? [] : raw.split(',');
  list.forEach((entry, i) => {
    const position = i + 1;
    if (entry.trim() === '') {
      warnings.push({
        code: entry === '' ? 'empty-entry' : 'whitespace', key, entry, position,
        message: `${key}: entry ${position} is empty (skipped; ovnkube-node rejects the whole mapping for it)`,
      });
      return;
    }
    const colon = entry.indexOf(':');
    if (colon < 0) {
      errors.push(new ConfigError('config-missing-separator', { key, entry, position, reason: 'expected "pf:ip" (no ":" found)' }));
      return;
    }
    const pfRaw = entry.slice(0, colon);
    const ipRaw = entry.slice(colon + 1);
    const pf = pfRaw.trim();
    const ip = ipRaw.trim();
    if (pf !== pfRaw || ip !== ipRaw) {
      warnings.push({
        code: 'whitespace', key, entry, position,
        message: `${key}: entry ${position} ${JSON.stringify(entry)} has spaces around the PF or IP: ovnkube-node does not trim, so it looks up ${JSON.stringify(pfRaw)} and would write ${JSON.stringify(ipRaw)}`,
      });
    }
    const badPf = checkPfName(pf);
    if (badPf) {
      errors.push(new ConfigError('config-invalid-pf', { key, entry, position, reason: badPf }));
      return;
    }
    const ipCheck = checkIp(ip);
    if (!ipCheck.ok) {
      errors.push(new ConfigError('config-invalid-ip', { key, entry, position, reason: ipCheck.reason }));
      unusablePfs.add(pf);
      byPf.delete(pf);
      return;
    }
    if (ipCheck.family === 6) {
      warnings.push({
        code: 'ipv6-ovnkube', key, entry, position,
        message: `${key}: entry ${position} maps ${pf} to IPv6 ${ip}: ovnkube-node splits at every ":" and rejects the whole mapping (mvtep reads it correctly)`,
      });
    }
    if (unusablePfs.has(pf)) return;
    const prev = byPf.get(pf);
    if (prev) {
      if (prev.ip === ip) {
        warnings.push({ code: 'duplicate-pf', key, entry, position, message: `${key}: entry ${position} repeats ${pf}:${ip} (entry ${prev.position})` });
        return;
      }
      errors.push(new ConfigError('config-conflicting-pf', {
        key, entry, position,
        reason: `${pf} is already mapped to ${prev.ip} by entry ${prev.position}; ovnkube-node would silently use the last one`,
      }));
      unusablePfs.add(pf);
      byPf.delete(pf);
      return;
    }
    if (encapIps && !ovnListsIp(encapIps, ip)) {
      const alike = encapIps.ovn.find((t) => t.trim() === ip || (checkIp(t).ok && canonicalIp(t) === canonicalIp(ip)));
      const hint = alike !== undefined ? ` (${encapIps.key} has ${JSON.stringify(alike)}: OVN compares exact strings)` : '';
      warnings.push({
        code: 'mapped-ip-not-encap', key, entry, position,
        message: `${key}: entry ${position} maps ${pf} to ${ip}, which is not in ${encapIps.key}${hint}: OVN would silently ignore it, mvtep will not write it`,
      });
    }
    byPf.set(pf, { pf, ip, family: ipCheck.family, position });
  });
  const ovnkube = ovnkubeReadPfMapping(raw);
  if (!ovnkube.ok) {
    warnings.push({
      code: 'ovnkube-rejects-mapping', key, entry: ovnkube.entry, position: ovnkube.position,
      message: `${key}: ovnkube-node cannot parse entry ${ovnkube.position} ${JSON.stringify(ovnkube.entry)} and fails every SR-IOV pod add on this node`,
    });
  }
  const entries = [...byPf.values()].sort((a, b) => a.position - b.position);
  return { value: { key, raw, entries, byPf, unusablePfs }, errors, warnings };
}

export function parsePfEncapIpMapping(raw: string, encapIps?: EncapIpList, key: string = PF_MAPPING_KEY): Parsed<PfMapping> {
  return strict(checkPfEncapIpMapping(raw, encapIps, key));
}
