import { isIP } from 'node:net';

/**
 * `ovs-appctl ofproto/trace` is how mvtep asks OVS which tunnel OVN's flows
 * pick. One builder and one parser for every caller (lab, trace --confirm,
 * demo, tests), so a flow and its reading cannot drift apart.
 */
/** One end of the traced packet: its MAC, and its IP when known. */
export type TraceEnd = readonly [mac: string, ip?: string | null];

/** An ICMP echo request (ICMPv6 echo for IPv6) when both IPs of one family are known, else a bare Ethernet frame. */
export function icmpEchoFlow(inPort: number, [srcMac, s]: TraceEnd, [dstMac, d]: TraceEnd): string {
  const base = `in_port=${inPort},dl_src=${srcMac},dl_dst=${dstMac}`;
  if (s && d && isIP(s) === 4 && isIP(d) === 4) return `${base},icmp,nw_src=${s},nw_dst=${d},nw_ttl=64,icmp_type=8,icmp_code=0`;
  if (s && d && isIP(s) === 6 && isIP(d) === 6) return `${base},icmp6,ipv6_src=${s},ipv6_dst=${d},nw_ttl=64,icmpv6_type=128,icmpv6_code=0`;
  return base;
}

/** Ofports the trace outputs to, first appearance order, each once (from `output:N` actions, N matched whole). */
export function outputOfports(trace: string): number[] {
  const out: number[] = [];
  for (const m of trace.matchAll(/(?:^|[\s,])output:(\d+)\b/gm)) out.push(Number(m[1]));
  return [...new Set(out)];
}

/** The one tunnel port a trace leaves on: exactly one output, and it is a tunnel's ofport. */
export function tracedTunnel<T extends { readonly ofport: number | null }>(trace: string, tunnels: readonly T[]): T | undefined {
  const ports = outputOfports(trace);
  if (ports.length !== 1) return undefined;
  return tunnels.find((t) => t.ofport === ports[0]);
}
