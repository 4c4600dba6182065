import { canonicalIp } from './ip.ts';
import { isIP } from 'node:net';

export type Family = 4 | 6;

/** An address with its prefix length, e.g. a VTEP's `192.0.2.1/24`. */
export interface IpPrefix {
  readonly family: Family;
  /** Canonical address text (compressed, lower-case IPv6). */
  readonly address: string;
  readonly prefixLength: number;
  /** Canonical network address (host bits cleared). */
  readonly network: string;
}

export type PrefixParse = { readonly ok: true; readonly value: IpPrefix } | { readonly ok: false; readonly reason: string };

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyOf(address: string): Family | undefined {
  const f = isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

/** Canonical text: iproute2 and the kernel print compressed lower-case IPv6 (one rule: config/ip.ts). */
export const canonicalAddress = canonicalIp;

export function toBigInt(address: string): bigint {
  const family = familyOf(address);
  if (family === 4) {
    return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  }
  if (family === 6) {
    const canonical = canonicalAddress(address);
    const [head = '', tail = ''] = canonical.includes('::') ? canonical.split('::') : [canonical, ''];
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const groups = canonical.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  }
  throw new RangeError(`not an IP address: ${address}`);
}

export function fromBigInt(value: bigint, family: Family): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return canonicalAddress(groups.join(':'));
}

function mask(family: Family, prefixLength: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefixLength))) & all;
}

export function makePrefix(address: string, prefixLength: number): IpPrefix {
  const family = familyOf(address);
  if (!family) throw new RangeError(`not an IP address: ${address}`);
  const network = fromBigInt(toBigInt(address) & mask(family, prefixLength), family);
  return { family, address: canonicalAddress(address), prefixLength, network };
}

/** Parses `ADDR/LEN`; `requirePrefix=false` also accepts a bare address as a host prefix. */
export function parsePrefix(text: string, requirePrefix = true): PrefixParse {
  const slash = text.indexOf('/');
  if (slash < 0 && requirePrefix) return { ok: false, reason: 'needs a prefix length, e.g. 192.0.2.1/24' };
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(addr);
  if (!family) return { ok: false, reason: 'not an IPv4 or IPv6 address' };
  const lenText = slash < 0 ? String(BITS[family]) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return { ok: false, reason: 'prefix length is not a number' };
  const len = Number(lenText);
  if (len > BITS[family]) return { ok: false, reason: `prefix length ${len} exceeds ${BITS[family]} for IPv${family}` };
  return { ok: true, value: makePrefix(addr, len) };
}

export function networkText(p: IpPrefix): string {
  return `${p.network}/${p.prefixLength}`;
}

/** True when `address` lies inside `prefix`'s network. */
export function contains(prefix: IpPrefix, address: string): boolean {
  if (familyOf(address) !== prefix.family) return false;
  const m = mask(prefix.family, prefix.prefixLength);
  return (toBigInt(address) & m) === (toBigInt(prefix.network) & m);
}

/** The network or broadcast address of an IPv4 subnet cannot be a host (prefixes shorter than /31). */
export function isHostAddressUsable(prefix: IpPrefix, address: string): boolean {
  if (prefix.family !== 4 || prefix.prefixLength >= 31) return true;
  const v = toBigInt(address);
  const net = toBigInt(prefix.network);
  const bcast = net | (~mask(4, prefix.prefixLength) & 0xffffffffn);
  return v !== net && v !== bcast;
}
