import { MvtepError } from '../util/errors.ts';

/**
 * The bytes tcpdump writes with `-w -`: a pcap global header, then per
 * packet a 16-byte record header and the frame. Parsed here rather than from
 * tcpdump's text, whose wording changes between versions; only what a probe
 * needs is decoded: Ethernet, one optional 802.1Q tag, IPv4, UDP, Geneve
 * (VNI, options skipped) and the inner Ethernet/IPv4/ICMP header.
 */

export class PcapError extends MvtepError {}

/** Linux's DLT_EN10MB: Ethernet frames with their VLAN tag (`tcpdump -i <dev>`, not `-i any`). */
export const LINKTYPE_ETHERNET = 1;
export const GENEVE_PORT = 6081;

export interface PcapPacket {
  /** Capture time in microseconds since the epoch. */
  readonly timeUs: number;
  readonly data: Uint8Array;
  /** Length on the wire (data may be shorter with a snap length). */
  readonly wireLength: number;
}

export interface Pcap {
  readonly linkType: number;
  readonly packets: readonly PcapPacket[];
  /** Bytes at the end that do not yet form a whole packet (a capture still being written). */
  readonly trailingBytes: number;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

/** Parses a pcap stream; a partial last record is left out (counted in trailingBytes), not an error. */
export function parsePcap(bytes: Uint8Array): Pcap {
  if (bytes.length < 24) {
    if (bytes.length === 0) throw new PcapError('pcap-empty', 'no pcap data (no global header)', 0);
    throw new PcapError('pcap-truncated', `pcap global header needs 24 bytes, got ${bytes.length}`, bytes.length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  const little = le === MAGIC_US || le === MAGIC_NS;
  if (!little && be !== MAGIC_US && be !== MAGIC_NS) {
    throw new PcapError('pcap-bad-magic', `not a pcap stream: magic 0x${be.toString(16).padStart(8, '0')}`, be);
  }
  const nano = (little ? le : be) === MAGIC_NS;
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= bytes.length) {
    const sec = view.getUint32(off, little);
    const frac = view.getUint32(off + 4, little);
    const capLen = view.getUint32(off + 8, little);
    const wireLength = view.getUint32(off + 12, little);
    if (capLen > 0x4000000) throw new PcapError('pcap-bad-record', `pcap record at byte ${off} claims ${capLen} bytes`, off);
    if (off + 16 + capLen > bytes.length) break;
    packets.push({ timeUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac), data: bytes.subarray(off + 16, off + 16 + capLen), wireLength });
    off += 16 + capLen;
  }
  return { linkType, packets, trailingBytes: bytes.length - off };
}

/** A Geneve frame as seen on a PF: outer headers, VNI, and the inner IPv4 packet when there is one. */
export interface GeneveFrame {
  readonly srcMac: string;
  readonly dstMac: string;
  /** 802.1Q VLAN id, null when untagged. */
  readonly vlan: number | null;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly vni: number;
  readonly inner: InnerPacket | null;
}

export interface InnerPacket {
  readonly srcMac: string;
  readonly dstMac: string;
  readonly src: string;
  readonly dst: string;
  /** IP protocol (1 ICMP, 6 TCP, 17 UDP). */
  readonly protocol: number;
  /** ICMP type (8 echo request, 0 echo reply) when protocol is 1. */
  readonly icmpType: number | null;
}

const ETH_8021Q = 0x8100;
const ETH_8021AD = 0x88a8;
const ETH_IPV4 = 0x0800;
const ETH_TEB = 0x6558;

const mac = (b: Uint8Array, at: number) => Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ipv4 = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

/** Ethernet (+ one VLAN tag): the ethertype and where its payload starts, or null when too short. */
function ethernet(b: Uint8Array, at: number): { type: number; vlan: number | null; payload: number } | null {
  if (b.length < at + 14) return null;
  let type = u16(b, at + 12);
  let payload = at + 14;
  let vlan: number | null = null;
  if (type === ETH_8021Q || type === ETH_8021AD) {
    if (b.length < payload + 4) return null;
    vlan = u16(b, payload) & 0x0fff;
    type = u16(b, payload + 2);
    payload += 4;
  }
  return { type, vlan, payload };
}

/** IPv4 header: addresses, protocol and where its payload starts; null when not IPv4 or truncated. */
function ipv4Header(b: Uint8Array, at: number): { src: string; dst: string; protocol: number; payload: number } | null {
  if (b.length < at + 20 || b[at]! >> 4 !== 4) return null;
  const ihl = (b[at]! & 0x0f) * 4;
  if (ihl < 20 || b.length < at + ihl) return null;
  return { src: ipv4(b, at + 12), dst: ipv4(b, at + 16), protocol: b[at + 9]!, payload: at + ihl };
}

function innerPacket(b: Uint8Array, at: number): InnerPacket | null {
  const eth = ethernet(b, at);
  if (!eth || eth.type !== ETH_IPV4) return null;
  const ip = ipv4Header(b, eth.payload);
  if (!ip) return null;
  const icmpType = ip.protocol === 1 && b.length > ip.payload ? b[ip.payload]! : null;
  return { srcMac: mac(b, at + 6), dstMac: mac(b, at), src: ip.src, dst: ip.dst, protocol: ip.protocol, icmpType };
}

/**
 * Decodes an Ethernet frame carrying IPv4/UDP to `port` (Geneve); null for
 * anything else (ARP, IPv6, other UDP, truncated headers).
 */
export function decodeGeneve(b: Uint8Array, port = GENEVE_PORT): GeneveFrame | null {
  const eth = ethernet(b, 0);
  if (!eth || eth.type !== ETH_IPV4) return null;
  const ip = ipv4Header(b, eth.payload);
  if (!ip || ip.protocol !== 17 || b.length < ip.payload + 8) return null;
  const srcPort = u16(b, ip.payload);
  const dstPort = u16(b, ip.payload + 2);
  if (dstPort !== port) return null;
  const g = ip.payload + 8;
  if (b.length < g + 8 || b[g]! >> 6 !== 0) return null;
  const optLen = (b[g]! & 0x3f) * 4;
  const vni = (b[g + 4]! << 16) | (b[g + 5]! << 8) | b[g + 6]!;
  const inner = u16(b, g + 2) === ETH_TEB ? innerPacket(b, g + 8 + optLen) : null;
  return { srcMac: mac(b, 6), dstMac: mac(b, 0), vlan: eth.vlan, outerSrc: ip.src, outerDst: ip.dst, srcPort, dstPort, vni, inner };
}

/** Every Geneve frame of an Ethernet pcap stream, in capture order. */
export function geneveFrames(bytes: Uint8Array, port = GENEVE_PORT): GeneveFrame[] {
  const pcap = parsePcap(bytes);
  if (pcap.linkType !== LINKTYPE_ETHERNET) {
    throw new PcapError('pcap-link-type', `pcap link type ${pcap.linkType} is not Ethernet (1): capture on the PF itself, not '-i any'`, pcap.linkType);
  }
  return pcap.packets.map((p) => decodeGeneve(p.data, port)).filter((f): f is GeneveFrame => f !== null);
}
