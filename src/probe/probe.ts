import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import { notYet, pollUntil, ready } from '../util/wait.ts';
import { Capture, type CaptureSpec } from './capture.ts';
import { arrivals, isProbeFrame, judge, observe, type Judgement, type ProbeExpectation, type ProbeNode, type WireObservation } from './judge.ts';
import { GENEVE_PORT, geneveFrames } from './pcap.ts';

/**
 * `mvtep probe`: real packets and where they went on the wire. Pings the
 * destination pod from the source pod's namespace while tcpdump captures on
 * every PF of both nodes (outbound on the source node, inbound on the
 * destination node; Geneve to/from the nodes' VTEPs only), then decodes the
 * frames carrying the probe's echo requests and judges them against the
 * expected tunnel (judge.ts). Captures are bounded by packet count and time
 * and always stopped by PID, also on error.
 */

export class ProbeError extends MvtepError {}

export interface ProbeEndpoint {
  readonly name: string;
  readonly ip: string;
  readonly node: ProbeNode;
}

export interface ProbeOptions {
  /** The source pod, with the namespace its packets are sent from. */
  readonly from: ProbeEndpoint & { readonly netns: string };
  readonly to: ProbeEndpoint;
  readonly expect: ProbeExpectation;
  /** Echo requests to send (default 3). */
  readonly count?: number;
  /** The whole probe, captures started to captures stopped (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly tcpdump?: string;
}

export interface ProbeResult extends Judgement {
  readonly from: { readonly pod: string; readonly ip: string; readonly node: string };
  readonly to: { readonly pod: string; readonly ip: string; readonly node: string };
  readonly sent: number;
  readonly replies: number;
  /** Probe frames sent out of the source node's PFs. */
  readonly left: readonly WireObservation[];
  /** Probe frames received on a destination PF addressed to that PF's VTEP. */
  readonly arrived: readonly WireObservation[];
  /** Probe frames that reached a destination PF addressed to another VTEP (fabric flooding). */
  readonly flooded: number;
  /** PFs captured on, `node/pf`. */
  readonly captured: readonly string[];
  readonly durationMs: number;
}

export const DEFAULT_COUNT = 3;
export const DEFAULT_TIMEOUT_MS = 5000;
const PING_INTERVAL_S = 0.2;
const READY_MS = 3000;

/** Capturing needs CAP_NET_RAW and entering namespaces CAP_SYS_ADMIN: root. */
export function requireRoot(what = 'mvtep probe'): void {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0) {
    throw new ProbeError('probe-needs-root', `${what} needs root: it captures with tcpdump on the PF netdevs and sends from the pod's `
      + `network namespace (running as uid ${uid}); run it with sudo`, { uid });
  }
}

/** The capture filter: Geneve (tagged or not) from or to one of `vteps`. */
export function captureFilter(vteps: readonly string[]): string {
  const hosts = vteps.length > 0 ? ` and (${vteps.map((v) => `host ${v}`).join(' or ')})` : '';
  const geneve = `udp port ${GENEVE_PORT}${hosts}`;
  return `(${geneve}) or (vlan and ${geneve})`;
}

function pingCounts(text: string): { sent: number; replies: number } {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  return { sent: m ? Number(m[1]) : 0, replies: m ? Number(m[2]) : 0 };
}

interface PfCapture { readonly node: ProbeNode; readonly pf: ProbeNode['pfs'][number]; readonly side: 'source' | 'destination'; readonly capture: Capture }

export async function runProbe(opts: ProbeOptions): Promise<ProbeResult> {
  requireRoot();
  const { from, to } = opts;
  const count = opts.count ?? DEFAULT_COUNT;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new ProbeError('probe-bad-count', `count ${count}: give 1 to 1000 echo requests`, count);
  if (from.node.name === to.node.name) {
    throw new ProbeError('probe-same-node', `${from.name} and ${to.name} are both on ${from.node.name}: no tunnel to probe`, [from.name, to.name]);
  }
  for (const n of [from.node, to.node]) {
    if (n.pfs.length === 0) throw new ProbeError('probe-no-pfs', `node ${n.name} has no PF to capture on`, n.name);
  }
  // The echo requests, the last reply's wait, and time to start the captures must fit in the budget.
  const needMs = (count - 1) * PING_INTERVAL_S * 1000 + 1000 + 500;
  if (needMs > timeoutMs) {
    throw new ProbeError('probe-bad-count', `${count} echo requests ${PING_INTERVAL_S} s apart need about ${(needMs / 1000).toFixed(1)} s, `
      + `more than the timeout of ${timeoutMs / 1000} s: send fewer or give more time`, { count, timeoutMs });
  }
  const started = Date.now();
  const end = started + timeoutMs;
  const vteps = [...new Set([...from.node.pfs, ...to.node.pfs].map((p) => p.vtep).filter((v): v is string => v !== null))];
  const filter = captureFilter(vteps);
  // Every PF of both nodes gets its own tcpdump; other tunnels' traffic may share them, so room for more frames.
  const maxPackets = count * 8 + 64;
  const specs = [
    ...from.node.pfs.map((pf) => ({ node: from.node, pf, side: 'source' as const })),
    ...to.node.pfs.map((pf) => ({ node: to.node, pf, side: 'destination' as const })),
  ];
  const captures: PfCapture[] = [];
  try {
    const starts = await Promise.allSettled(specs.map(async (s) => {
      const spec: CaptureSpec = {
        ...(s.node.netns ? { netns: s.node.netns } : {}), device: s.pf.pf, direction: s.side === 'source' ? 'out' : 'in',
        filter, maxPackets, maxMs: timeoutMs + 2000, ...(opts.tcpdump ? { tcpdump: opts.tcpdump } : {}),
      };
      const capture = await Capture.start(spec, Math.min(READY_MS, Math.max(1, end - Date.now())));
      captures.push({ ...s, capture });
    }));
    const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // No -w: with a deadline ping keeps sending until `count` replies came. Bounded by the timer instead.
    const ping = await run(['ip', 'netns', 'exec', from.netns, 'ping', '-n', '-q', '-c', String(count), '-i', String(PING_INTERVAL_S),
      '-W', '1', to.ip], { allowFailure: true, timeoutMs: Math.max(1, end - Date.now()) });
    const { sent, replies } = pingCounts(ping.stdout);
    if (sent === 0 && ping.code !== 0 && ping.code !== 1) {
      throw new ProbeError('probe-send-failed', `ping from ${from.name} (netns ${from.netns}) failed: ${(ping.stderr || ping.stdout).trim() || `exit ${ping.code}`}`, from.netns);
    }
    const ours = (c: PfCapture) => {
      try {
        return geneveFrames(c.capture.bytes()).filter((f) => isProbeFrame(f, from.ip, to.ip));
      } catch {
        return [];
      }
    };
    // Every reply means its request crossed both nodes' PFs: wait (bounded) until tcpdump has written them.
    const want = Math.max(replies, 1);
    await pollUntil(async () => {
      const out = captures.filter((c) => c.side === 'source').reduce((n, c) => n + ours(c).length, 0);
      const inn = captures.filter((c) => c.side === 'destination').reduce((n, c) => n + arrivals(c.node.name, c.pf, ours(c)).arrived.reduce((m, o) => m + o.frames, 0), 0);
      return out >= want && inn >= want ? ready(true) : notYet(`${out} frames left, ${inn} arrived`);
    }, Math.max(1, Math.min(1000, end - Date.now())), { onTimeout: (why) => new ProbeError('probe-wait', why) }).catch(() => false);
    await Promise.all(captures.map((c) => c.capture.stop()));
    const left: WireObservation[] = [];
    const arrived: WireObservation[] = [];
    let flooded = 0;
    for (const c of captures) {
      const frames = geneveFrames(c.capture.bytes()).filter((f) => isProbeFrame(f, from.ip, to.ip));
      if (c.side === 'source') left.push(...observe(c.node.name, c.pf, frames));
      else {
        const a = arrivals(c.node.name, c.pf, frames);
        arrived.push(...a.arrived);
        flooded += a.flooded;
      }
    }
    const byPf = (a: WireObservation, b: WireObservation) => b.frames - a.frames || a.pf.localeCompare(b.pf);
    left.sort(byPf);
    arrived.sort(byPf);
    return {
      from: { pod: from.name, ip: from.ip, node: from.node.name },
      to: { pod: to.name, ip: to.ip, node: to.node.name },
      sent, replies, left, arrived, flooded,
      captured: captures.map((c) => `${c.node.name}/${c.pf.pf}`).sort(),
      ...judge(opts.expect, from.node, to.node, left, arrived),
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all(captures.map((c) => c.capture.stop()));
  }
}
