import { setTimeout as delay } from 'node:timers/promises';
import { run } from '../util/exec.ts';
import { notYet, pollUntil, ready } from '../util/wait.ts';
import { Capture, type CaptureSpec } from './capture.ts';
import { echoRequestFrame, hexOf } from './frame.ts';
import { isProbeFrame, judge, observe, type Judgement, type ProbeExpectation, type ProbeNode, type WireObservation } from './judge.ts';
import { geneveFrames } from './pcap.ts';
import { captureFilter, ProbeError, requireRoot } from './probe.ts';

/**
 * The probe on a real node (kernel datapath), where the pod's namespace is
 * not ours to enter: the probe's echo request is injected with an OpenFlow
 * packet-out at the pod's own br-int port (`actions=table`: through the flow
 * table as if the pod had sent it, so OVN's pipeline picks the tunnel), while
 * tcpdump captures outbound on this node's PF netdevs, filtered to Geneve of
 * this node's VTEPs and the expected remote VTEP, bounded by packet count and
 * time, and stopped by PID, also on error. Only this node's side is seen (the
 * remote node is another machine): the verdict rests on what left.
 */

export interface NodeProbeOptions {
  /** ovs-ofctl's argv prefix (default ['ovs-ofctl']); a runtime's loader or `--strict` go here. */
  readonly ofctl?: readonly string[];
  /** The switch to inject into: a bridge name (default br-int) or an OpenFlow connection (unix:/run/openvswitch/br-int.mgmt). */
  readonly target?: string;
  /** The source pod: its br-int port and the MAC/IP it sends with. */
  readonly from: { readonly name: string; readonly ofport: number; readonly mac: string; readonly ip: string };
  /** The destination pod: the MAC/IP the request is addressed to (same logical switch). */
  readonly to: { readonly name: string; readonly mac: string; readonly ip: string };
  /** This node and its PFs (their VTEPs). */
  readonly node: ProbeNode;
  readonly expect: ProbeExpectation;
  /** Echo requests to inject, 0.2 s apart (default 3, at most 100). */
  readonly count?: number;
  /** The whole probe (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly tcpdump?: string;
}

export interface NodeProbeResult extends Judgement {
  readonly from: { readonly pod: string; readonly ip: string; readonly node: string };
  readonly to: { readonly pod: string; readonly ip: string };
  /** Packet-outs ovs-ofctl accepted. */
  readonly injected: number;
  readonly left: readonly WireObservation[];
  readonly captured: readonly string[];
  readonly durationMs: number;
}

const INTERVAL_MS = 200;
const MAX_COUNT = 100;
/** The ICMP identifier of the probe's requests ("mv"): tells them from the pod's own pings. */
export const PROBE_ICMP_ID = 0x6d76;

/** `ovs-ofctl packet-out TARGET in_port=N,packet=HEX,actions=table`: the frame enters the pipeline at the pod's port. */
export function packetOutArgv(ofctl: readonly string[], target: string, inPort: number, frame: Uint8Array): string[] {
  if (!Number.isInteger(inPort) || inPort < 1 || inPort > 0xfeff) {
    throw new ProbeError('probe-bad-port', `in_port ${inPort}: not an OpenFlow port number of a pod (1-65279)`, inPort);
  }
  // One argv word that ovs-ofctl must not take for an option.
  if (!/^[A-Za-z0-9_./:-]{1,200}$/.test(target) || target.startsWith('-')) {
    throw new ProbeError('probe-bad-target', `'${target}' is not a bridge name or an OpenFlow connection (unix:PATH)`, target);
  }
  return [...ofctl, 'packet-out', target, `in_port=${inPort},packet=${hexOf(frame)},actions=table`];
}

/** The frames, the argv and the bounds, checked before anything starts. */
export function planNodeProbe(opts: NodeProbeOptions): { argvs: string[][]; count: number; timeoutMs: number } {
  const count = opts.count ?? 3;
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new ProbeError('probe-bad-count', `count ${count}: give 1 to ${MAX_COUNT} echo requests`, count);
  const needMs = (count - 1) * INTERVAL_MS + 1000;
  if (needMs > timeoutMs) {
    throw new ProbeError('probe-bad-count', `${count} echo requests ${INTERVAL_MS} ms apart need about ${(needMs / 1000).toFixed(1)} s, `
      + `more than the timeout of ${timeoutMs / 1000} s: send fewer or give more time`, { count, timeoutMs });
  }
  if (opts.node.pfs.length === 0) throw new ProbeError('probe-no-pfs', `node ${opts.node.name} has no PF to capture on`, opts.node.name);
  const argvs = Array.from({ length: count }, (_, seq) => packetOutArgv(opts.ofctl ?? ['ovs-ofctl'], opts.target ?? 'br-int', opts.from.ofport,
    echoRequestFrame({ srcMac: opts.from.mac, dstMac: opts.to.mac, srcIp: opts.from.ip, dstIp: opts.to.ip, id: PROBE_ICMP_ID, seq: seq + 1 })));
  return { argvs, count, timeoutMs };
}

export async function runNodeProbe(opts: NodeProbeOptions): Promise<NodeProbeResult> {
  requireRoot('mvtep probe --node', 'it captures with tcpdump on the PF netdevs and injects packets into br-int with ovs-ofctl');
  const { argvs, count, timeoutMs } = planNodeProbe(opts);
  const started = Date.now();
  const end = started + timeoutMs;
  const vteps = [...new Set([...opts.node.pfs.map((p) => p.vtep), opts.expect.remoteIp].filter((v): v is string => v !== null))];
  const filter = captureFilter(vteps);
  const captures: { pf: ProbeNode['pfs'][number]; capture: Capture }[] = [];
  try {
    const starts = await Promise.allSettled(opts.node.pfs.map(async (pf) => {
      const spec: CaptureSpec = {
        ...(opts.node.netns ? { netns: opts.node.netns } : {}), device: pf.pf, direction: 'out', filter,
        maxPackets: count * 8 + 64, maxMs: timeoutMs + 2000, ...(opts.tcpdump ? { tcpdump: opts.tcpdump } : {}),
      };
      captures.push({ pf, capture: await Capture.start(spec, Math.min(3000, Math.max(1, end - Date.now()))) });
    }));
    const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    let injected = 0;
    for (const [i, argv] of argvs.entries()) {
      if (i > 0) await delay(INTERVAL_MS);
      const r = await run(argv, { allowFailure: true, timeoutMs: Math.max(1, Math.min(2000, end - Date.now())) });
      if (r.code !== 0) {
        throw new ProbeError('probe-inject-failed', `ovs-ofctl packet-out at ${opts.target ?? 'br-int'} port ${opts.from.ofport} failed: `
          + `${r.stderr.trim() || `exit ${r.code}`}`, { port: opts.from.ofport });
      }
      injected++;
    }
    const ours = (c: (typeof captures)[number]) => {
      try {
        return geneveFrames(c.capture.bytes()).filter((f) => isProbeFrame(f, opts.from.ip, opts.to.ip));
      } catch {
        return [];
      }
    };
    // Each request leaves within a moment, or not at all: wait (bounded) until tcpdump has written them.
    await pollUntil(async () => {
      const n = captures.reduce((m, c) => m + ours(c).length, 0);
      return n >= injected ? ready(true) : notYet(`${n} of ${injected} frames seen`);
    }, Math.max(1, Math.min(1000, end - Date.now())), { onTimeout: (why) => new ProbeError('probe-wait', why) }).catch(() => false);
    await Promise.all(captures.map((c) => c.capture.stop()));
    const left = captures.flatMap((c) => observe(opts.node.name, c.pf, geneveFrames(c.capture.bytes()).filter((f) => isProbeFrame(f, opts.from.ip, opts.to.ip))))
      .sort((a, b) => b.frames - a.frames || a.pf.localeCompare(b.pf));
    return {
      from: { pod: opts.from.name, ip: opts.from.ip, node: opts.node.name },
      to: { pod: opts.to.name, ip: opts.to.ip },
      injected, left, captured: captures.map((c) => `${opts.node.name}/${c.pf.pf}`).sort(),
      ...judge(opts.expect, opts.node, null, left, []),
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all(captures.map((c) => c.capture.stop()));
  }
}
