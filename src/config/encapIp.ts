import { ConfigError, strict, type Checked, type ConfigWarning, type Parsed } from './errors.ts';
import { canonicalIp, checkIp, type IpFamily } from './ip.ts';
import { ENCAP_IP_DEFAULT_KEY, ENCAP_IP_KEY } from './keys.ts';
import { ovnTokenSet } from './tokens.ts';

export interface EncapIp {
  /** Trimmed, validated address exactly as written (not canonicalised: OVN compares strings). */
  readonly ip: string;
  readonly family: IpFamily;
  /** 1-based position in the comma-separated value. */
  readonly position: number;
}

export interface EncapIpList {
  /** Key the value came from (`ovn-encap-ip` or `ovn-encap-ip-<chassis>`). */
  readonly key: string;
  /** The value exactly as stored (OVN reads it untrimmed). */
  readonly raw: string;
  /** Valid addresses, duplicates removed, in written order. */
  readonly ips: readonly EncapIp[];
  /** The strings OVN makes Encap rows from (see ovnReadEncapIps). */
  readonly ovn: readonly string[];
}

/**
 * How OVN reads `ovn-encap-ip`: split on ',', drop empty tokens, no trim,
 * no validation, duplicates removed. Each resulting string becomes an Encap
 * row and tunnel endpoint, so " 192.0.2.2" is a (broken) VTEP of its own.
 * OVN keeps them in a set; we keep first-seen order for stable output.
 */
export function ovnReadEncapIps(raw: string): string[] {
  return ovnTokenSet(raw);
}

/** True when OVN has an Encap whose ip is exactly `ip` (how it matches a VIF's encap-ip). */
export function ovnListsIp(list: EncapIpList, ip: string): boolean {
  return list.ovn.includes(ip);
}

/** Checks `ovn-encap-ip` (or its chassis override); collects all errors and warnings. */
export function checkEncapIpList(raw: string, key: string = ENCAP_IP_KEY): Checked<EncapIpList> {
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const ips: EncapIp[] = [];
  raw.split(',').forEach((entry, i) => {
    const position = i + 1;
    if (raw === '') return;
    const ip = entry.trim();
    if (entry === '') {
      warnings.push({ code: 'empty-entry', key, entry, position, message: `${key}: entry ${position} is empty (OVN skips it)` });
      return;
    }
    if (ip !== entry) {
      warnings.push({
        code: 'whitespace', key, entry, position,
        message: `${key}: entry ${position} ${JSON.stringify(entry)} has surrounding spaces: OVN does not trim and makes a VTEP ${JSON.stringify(entry)} whose string no encap-ip or mapping entry written without the spaces matches (such VIFs are silently unpinned)`,
      });
      if (ip === '') return;
    }
    const check = checkIp(ip);
    if (!check.ok) {
      errors.push(new ConfigError('config-invalid-ip', { key, entry, position, reason: check.reason }));
      return;
    }
    const same = ips.find((x) => x.ip === ip);
    if (same) {
      warnings.push({ code: 'duplicate-ip', key, entry, position, message: `${key}: entry ${position} repeats ${ip} (entry ${same.position}); OVN keeps one` });
      return;
    }
    const spelled = ips.find((x) => canonicalIp(x.ip) === canonicalIp(ip));
    if (spelled) {
      warnings.push({
        code: 'ip-spelling', key, entry, position,
        message: `${key}: entry ${position} ${ip} is the same address as ${spelled.ip} (entry ${spelled.position}) spelled differently; OVN compares strings and makes two VTEPs`,
      });
    }
    ips.push({ ip, family: check.family, position });
  });
  return { value: { key, raw, ips, ovn: ovnReadEncapIps(raw) }, errors, warnings };
}

export function parseEncapIpList(raw: string, key: string = ENCAP_IP_KEY): Parsed<EncapIpList> {
  return strict(checkEncapIpList(raw, key));
}

/**
 * Checks `ovn-encap-ip-default` (OVN >= 24.09). OVN honours it only when it
 * equals one listed IP exactly; otherwise it logs and ignores it.
 */
export function checkEncapIpDefault(raw: string, list?: EncapIpList, key: string = ENCAP_IP_DEFAULT_KEY): Checked<EncapIp | undefined> {
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  if (raw === '') return { value: undefined, errors, warnings };
  if (raw.includes(',')) {
    errors.push(new ConfigError('config-multiple-values', { key, entry: raw, position: 1, reason: 'takes exactly one address, not a list' }));
    return { value: undefined, errors, warnings };
  }
  const ip = raw.trim();
  if (ip !== raw) {
    warnings.push({
      code: 'whitespace', key, entry: raw, position: 1,
      message: `${key}: ${JSON.stringify(raw)} has surrounding spaces: OVN compares it untrimmed and ignores it`,
    });
  }
  const check = checkIp(ip);
  if (!check.ok) {
    errors.push(new ConfigError('config-invalid-ip', { key, entry: raw, position: 1, reason: check.reason }));
    return { value: undefined, errors, warnings };
  }
  if (list && !ovnListsIp(list, raw)) {
    warnings.push({
      code: 'default-not-listed', key, entry: raw, position: 1,
      message: `${key}: ${JSON.stringify(raw)} is not exactly one of ${list.key} (${list.ovn.join(',') || 'empty'}): OVN ignores the default`,
    });
  }
  return { value: { ip, family: check.family, position: 1 }, errors, warnings };
}

export function parseEncapIpDefault(raw: string, list?: EncapIpList, key: string = ENCAP_IP_DEFAULT_KEY): Parsed<EncapIp | undefined> {
  return strict(checkEncapIpDefault(raw, list, key));
}

/** The default OVN actually uses: the raw value when it is exactly a listed token, else none. */
export function ovnReadEncapIpDefault(rawDefault: string | undefined, rawList: string): string | undefined {
  if (rawDefault === undefined || rawDefault === '') return undefined;
  return ovnReadEncapIps(rawList).includes(rawDefault) ? rawDefault : undefined;
}
