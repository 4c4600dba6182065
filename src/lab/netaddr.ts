import { isIP } from 'node:net';

/**
 * Address helpers for the lab. The lab creates real interfaces and routes, so
 * every underlay and overlay address it is given must sit in a documentation
 * range: a typo then cannot steer traffic at a real network.
 */

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const DOC_V4: readonly [string, number][] = [['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24]];

export function inIpv4Prefix(ip: string, network: string, prefixLen: number): boolean {
  if (isIP(ip) !== 4 || isIP(network) !== 4) return false;
  const size = 2 ** (32 - prefixLen);
  const base = Math.floor(ipv4ToInt(network) / size) * size;
  const v = ipv4ToInt(ip);
  return v >= base && v < base + size;
}

export function isDocumentationAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return DOC_V4.some(([net, len]) => inIpv4Prefix(ip, net, len));
  if (family === 6) return /^2001:0?db8:/i.test(ip);
  return false;
}

export interface Cidr {
  readonly address: string;
  readonly prefixLen: number;
}

/** "192.0.2.254/24" -> parts, or undefined when it is not an IPv4/IPv6 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const family = isIP(m[1]!);
  const len = Number(m[2]);
  if (family === 0 || len > (family === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!, prefixLen: len };
}

/** Whether `ip` lies in `cidr` (IPv4 only; IPv6 subnets are not checked). */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  if (isIP(cidr.address) !== 4) return true;
  return inIpv4Prefix(ip, cidr.address, cidr.prefixLen);
}

/** Predictable-name PCI address: enp1s0f0 -> 0000:01:00.0 (systemd's en<bus>s<slot>f<fn>). */
export function pciFromNetdevName(name: string): string | undefined {
  const m = /^enp(\d+)s(\d+)f(\d+)$/.exec(name);
  if (!m) return undefined;
  const bus = Number(m[1]);
  const slot = Number(m[2]);
  const fn = Number(m[3]);
  if (bus > 255 || slot > 31 || fn > 7) return undefined;
  return `0000:${hex2(bus)}:${hex2(slot)}.${fn}`;
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export { PCI_ADDRESS } from '../sriov/pci.ts';
