import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export type IpCheck = { readonly ok: true; readonly family: IpFamily } | { readonly ok: false; readonly reason: string };

/** Validates one VTEP address (already trimmed): IPv4 dotted quad or IPv6, no zone, no prefix. */
export function checkIp(text: string): IpCheck {
  if (text === '') return { ok: false, reason: 'empty address' };
  if (text.includes('/')) return { ok: false, reason: 'a prefix length is not allowed, give the bare address' };
  if (text.includes('%')) return { ok: false, reason: 'an IPv6 zone index is not allowed' };
  if (text.startsWith('[') || text.endsWith(']')) return { ok: false, reason: 'IPv6 addresses are written without brackets' };
  const family = isIP(text);
  if (family === 4 || family === 6) return { ok: true, family };
  return { ok: false, reason: 'not an IPv4 or IPv6 address' };
}

/**
 * Canonical text of a valid address (lower-case, compressed IPv6). OVN
 * compares encap IPs as strings, so two spellings of one address are two
 * different IPs to it; we use this only to explain such mismatches.
 */
export function canonicalIp(text: string): string {
  if (isIP(text) !== 6) return text;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}
