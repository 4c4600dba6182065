import { MvtepError } from '../util/errors.ts';

/**
 * The probe's own packet for a real node, where there is no pod namespace
 * to ping from: an Ethernet frame carrying an ICMP echo request from the
 * source pod's MAC/IP to the destination pod's, with valid IPv4 and ICMP
 * checksums, so OVN's pipeline takes it for the pod's own traffic. The
 * decoder (pcap.ts) and `isProbeFrame` recognise it on the wire like a ping.
 */

export class FrameError extends MvtepError {}

export interface EchoRequest {
  readonly srcMac: string;
  readonly dstMac: string;
  readonly srcIp: string;
  readonly dstIp: string;
  /** ICMP identifier and sequence number (tell the probe's packets apart). */
  readonly id: number;
  readonly seq: number;
  /** Bytes of payload after the ICMP header (default 32). */
  readonly payloadBytes?: number;
  /** IPv4 TTL (default 64). */
  readonly ttl?: number;
}

function macBytes(text: string, key: string): number[] {
  const m = /^([0-9a-f]{2})(?::([0-9a-f]{2})){5}$/i.test(text) ? text.split(':').map((h) => parseInt(h, 16)) : undefined;
  if (!m) throw new FrameError('probe-frame-mac', `${key}: '${text}' is not a MAC address (aa:bb:cc:dd:ee:ff)`, { key, token: text });
  return m;
}

function ipv4Bytes(text: string, key: string): number[] {
  const parts = text.split('.');
  const ok = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
  if (!ok) throw new FrameError('probe-frame-ip', `${key}: '${text}' is not an IPv4 address`, { key, token: text });
  return parts.map(Number);
}

/** The Internet checksum (RFC 1071) of `b[from, to)`. */
export function internetChecksum(b: Uint8Array, from = 0, to = b.length): number {
  let sum = 0;
  for (let i = from; i < to; i += 2) sum += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const u16 = (b: Uint8Array, at: number, v: number) => {
  b[at] = (v >> 8) & 0xff;
  b[at + 1] = v & 0xff;
};

/** Ethernet + IPv4 + ICMP echo request, checksums filled in. */
export function echoRequestFrame(r: EchoRequest): Uint8Array {
  const payload = r.payloadBytes ?? 32;
  for (const [key, v, max] of [['id', r.id, 0xffff], ['seq', r.seq, 0xffff], ['payloadBytes', payload, 1400], ['ttl', r.ttl ?? 64, 255]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max || (key === 'ttl' && v === 0)) {
      throw new FrameError('probe-frame-field', `${key}: ${v} is not an integer from ${key === 'ttl' ? 1 : 0} to ${max}`, { key, token: v });
    }
  }
  const frame = new Uint8Array(14 + 20 + 8 + payload);
  frame.set(macBytes(r.dstMac, 'dstMac'), 0);
  frame.set(macBytes(r.srcMac, 'srcMac'), 6);
  u16(frame, 12, 0x0800);
  const ip = 14;
  frame[ip] = 0x45; // IPv4, 20-byte header
  u16(frame, ip + 2, 20 + 8 + payload);
  u16(frame, ip + 4, r.seq); // identification
  u16(frame, ip + 6, 0x4000); // don't fragment
  frame[ip + 8] = r.ttl ?? 64;
  frame[ip + 9] = 1; // ICMP
  frame.set(ipv4Bytes(r.srcIp, 'srcIp'), ip + 12);
  frame.set(ipv4Bytes(r.dstIp, 'dstIp'), ip + 16);
  u16(frame, ip + 10, internetChecksum(frame, ip, ip + 20));
  const icmp = ip + 20;
  frame[icmp] = 8; // echo request
  u16(frame, icmp + 4, r.id);
  u16(frame, icmp + 6, r.seq);
  // A recognisable payload: 0x00, 0x01, ... like ping's pattern.
  for (let i = 0; i < payload; i++) frame[icmp + 8 + i] = i & 0xff;
  u16(frame, icmp + 2, internetChecksum(frame, icmp, frame.length));
  return frame;
}

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
