import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import { notYet, pollUntil, ready } from '../util/wait.ts';
import { Capture, type CaptureSpec } from './capture.ts';
import { arrivals, isProbeFrame, judge, observe, type Judgement, type ProbeExpectation, type ProbeNode, type WireObservation } from './judge.ts';
import { GENEVE_PORT, geneveFrames, type GeneveFrame } from './pcap.ts';

/**
 * `mvtep probe`: real packets and where they went on the wire. Pings the
 * destination pod from the source pod's namespace while tcpdump captures on
 * every PF of both nodes (outbound on the source node, inbound on the
 * destination node; Geneve to/from the nodes' VTEPs only), then decodes the
 * frames carrying the probe's echo requests and judges them against the
 * expected tunnel (judge.ts). Captures are bounded by packet count and time
 * and always stopped by PID, also on error.
 *
 * `runProbes` does the same for many pairs with one capture set: one
 * tcpdump per PF and direction, all pairs pinging at once, each pair's
 * frames told apart by its inner addresses (the demo probes every pair in
 * about the time of one). `runProbe` is its one-pair case.
 */

export class ProbeError extends MvtepError {}

export interface ProbeEndpoint {
  readonly name: string;
  readonly ip: string;
  readonly node: ProbeNode;
}

/** One pair to probe: the source pod with the namespace its packets are sent from, and what the wire should show. */
export interface ProbePair {
  readonly from: ProbeEndpoint & { readonly netns: string };
  readonly to: ProbeEndpoint;
  readonly expect: ProbeExpectation;
}

interface ProbeBounds {
  /** Echo requests per pair (default 3). */
  readonly count?: number;
  /** The whole probe, captures started to captures stopped (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly tcpdump?: string;
}

export type ProbeOptions = ProbePair & ProbeBounds;

export interface ProbeBatchOptions extends ProbeBounds {
  readonly pairs: readonly ProbePair[];
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
export function requireRoot(what = 'mvtep probe',
  why = "it captures with tcpdump on the PF netdevs and sends from the pod's network namespace"): void {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0) {
    throw new ProbeError('probe-needs-root', `${what} needs root: ${why} (running as uid ${uid}); run it with sudo`, { uid });
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

/** Each capture's Geneve frames, decoded once; a capture still being written may end in a partial record. */
function decodeAll(captures: readonly PfCapture[], partial: boolean): Map<PfCapture, GeneveFrame[]> {
  return new Map(captures.map((c) => {
    try {
      return [c, geneveFrames(c.capture.bytes())];
    } catch (err) {
      if (partial) return [c, []];
      throw err;
    }
  }));
}

/** The probe's echo requests of one pair among a capture's frames. */
const framesOf = (decoded: Map<PfCapture, GeneveFrame[]>, c: PfCapture, pair: ProbePair) =>
  (decoded.get(c) ?? []).filter((f) => isProbeFrame(f, pair.from.ip, pair.to.ip));

/** The captures of a pair: its source node's outbound ones and its destination node's inbound ones. */
function capturesOf(captures: readonly PfCapture[], pair: ProbePair): { out: PfCapture[]; in: PfCapture[] } {
  return {
    out: captures.filter((c) => c.side === 'source' && c.node.name === pair.from.node.name),
    in: captures.filter((c) => c.side === 'destination' && c.node.name === pair.to.node.name),
  };
}

interface IpAddrLink { readonly address?: string; readonly addr_info?: readonly { readonly local?: string }[] }

/**
 * The node with each PF's VTEP MAC filled in (`ip -j addr show` in its netns,
 * the device holding the VTEP address), so arrivals are told by the MAC a
 * frame is addressed to. A VTEP no device holds keeps mac null.
 */
export async function withVtepMacs(node: ProbeNode): Promise<ProbeNode> {
  if (node.pfs.every((p) => p.mac !== undefined || p.vtep === null)) return node;
  const out = await run(['ip', ...(node.netns ? ['-n', node.netns] : []), '-j', 'addr', 'show']);
  const links = JSON.parse(out.stdout || '[]') as IpAddrLink[];
  const macOf = (ip: string) => links.find((l) => l.addr_info?.some((a) => a.local === ip))?.address ?? null;
  return { ...node, pfs: node.pfs.map((p) => (p.mac !== undefined || p.vtep === null ? p : { ...p, mac: macOf(p.vtep) })) };
}

function checkPairs(pairs: readonly ProbePair[]): void {
  if (pairs.length === 0) throw new ProbeError('probe-no-pairs', 'no pod pair to probe', []);
  for (const { from, to } of pairs) {
    if (from.node.name === to.node.name) {
      throw new ProbeError('probe-same-node', `${from.name} and ${to.name} are both on ${from.node.name}: no tunnel to probe`, [from.name, to.name]);
    }
    for (const n of [from.node, to.node]) {
      if (n.pfs.length === 0) throw new ProbeError('probe-no-pfs', `node ${n.name} has no PF to capture on`, n.name);
    }
  }
}

/** One pair: real packets, where they went on the wire, and whether that agrees with `expect`. */
export async function runProbe(opts: ProbeOptions): Promise<ProbeResult> {
  const { from, to, expect, ...bounds } = opts;
  const [result] = await runProbes({ ...bounds, pairs: [{ from, to, expect }] });
  return result!;
}

/**
 * Every pair at once, over one capture set: outbound on every PF of each
 * source node, inbound on every PF of each destination node. Results in the
 * order of `pairs`; `durationMs` is the whole batch's.
 */
export async function runProbes(opts: ProbeBatchOptions): Promise<ProbeResult[]> {
  requireRoot();
  const { pairs } = opts;
  const count = opts.count ?? DEFAULT_COUNT;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new ProbeError('probe-bad-count', `count ${count}: give 1 to 1000 echo requests`, count);
  checkPairs(pairs);
  // The echo requests, the last reply's wait, and time to start the captures must fit in the budget (the pairs ping in parallel).
  const needMs = (count - 1) * PING_INTERVAL_S * 1000 + 1000 + 500;
  if (needMs > timeoutMs) {
    throw new ProbeError('probe-bad-count', `${count} echo requests ${PING_INTERVAL_S} s apart need about ${(needMs / 1000).toFixed(1)} s, `
      + `more than the timeout of ${timeoutMs / 1000} s: send fewer or give more time`, { count, timeoutMs });
  }
  const started = Date.now();
  const end = started + timeoutMs;
  const nodes = new Map<string, ProbeNode>();
  for (const p of pairs) for (const n of [p.from.node, p.to.node]) if (!nodes.has(n.name)) nodes.set(n.name, n);
  for (const n of await Promise.all([...nodes.values()].map(withVtepMacs))) nodes.set(n.name, n);
  const sources = new Set(pairs.map((p) => p.from.node.name));
  const destinations = new Set(pairs.map((p) => p.to.node.name));
  const vteps = [...new Set([...nodes.values()].flatMap((n) => n.pfs.map((p) => p.vtep)).filter((v): v is string => v !== null))];
  const filter = captureFilter(vteps);
  // Other tunnels' traffic (and, on a flooding fabric, every pair's) may share a PF: room for more frames.
  const maxPackets = count * pairs.length * 8 + 64;
  const specs = [...nodes.values()].flatMap((node) => [
    ...(sources.has(node.name) ? node.pfs.map((pf) => ({ node, pf, side: 'source' as const })) : []),
    ...(destinations.has(node.name) ? node.pfs.map((pf) => ({ node, pf, side: 'destination' as const })) : []),
  ]);
  const captures: PfCapture[] = [];
  try {
    const starts = await Promise.allSettled(specs.map(async (s) => {
      const spec: CaptureSpec = {
        ...(s.node.netns ? { netns: s.node.netns } : {}), device: s.pf.pf, direction: s.side === 'source' ? 'out' : 'in',
        filter, maxPackets, maxMs: timeoutMs + 2000, ...(opts.tcpdump ? { tcpdump: opts.tcpdump } : {}),
      };
      // A big batch starts many tcpdumps at once: give them up to half the budget to listen.
      const capture = await Capture.start(spec, Math.min(Math.max(READY_MS, timeoutMs / 2), Math.max(1, end - Date.now())));
      captures.push({ ...s, capture });
    }));
    const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // No -w: with a deadline ping keeps sending until `count` replies came. Bounded by a timer instead, which
    // leaves ping at least the time its requests need once the captures listen (starting many tcpdumps on a
    // loaded machine can eat most of the budget).
    const pingMs = (count - 1) * PING_INTERVAL_S * 1000 + 1000 + 500;
    const pings = await Promise.all(pairs.map(async ({ from, to }) => {
      const ping = await run(['ip', 'netns', 'exec', from.netns, 'ping', '-n', '-q', '-c', String(count), '-i', String(PING_INTERVAL_S),
        '-W', '1', to.ip], { allowFailure: true, timeoutMs: Math.max(pingMs, end - Date.now()) });
      const counts = pingCounts(ping.stdout);
      // Killed by the timer (run() reports 128) before its summary: every request was sent by then, the replies are unknown.
      if (counts.sent === 0 && ping.code === 128) return { sent: count, replies: 0 };
      if (counts.sent === 0 && ping.code !== 0 && ping.code !== 1) {
        throw new ProbeError('probe-send-failed', `ping from ${from.name} (netns ${from.netns}) failed: ${(ping.stderr || ping.stdout).trim() || `exit ${ping.code}`}`, from.netns);
      }
      return counts;
    }));
    // Every reply means its request crossed both nodes' PFs: wait (bounded) until tcpdump has written them.
    await pollUntil(async () => {
      const decoded = decodeAll(captures, true);
      for (const [i, pair] of pairs.entries()) {
        const want = Math.max(pings[i]!.replies, 1);
        const mine = capturesOf(captures, pair);
        const out = mine.out.reduce((n, c) => n + framesOf(decoded, c, pair).length, 0);
        const inn = mine.in.reduce((n, c) => n + arrivals(c.node.name, c.pf, framesOf(decoded, c, pair)).arrived.reduce((m, o) => m + o.frames, 0), 0);
        if (out < want || inn < want) return notYet(`${pair.from.name} -> ${pair.to.name}: ${out} frames left, ${inn} arrived`);
      }
      return ready(true);
    }, Math.max(1, Math.min(1000, end - Date.now())), { onTimeout: (why) => new ProbeError('probe-wait', why) }).catch(() => false);
    await Promise.all(captures.map((c) => c.capture.stop()));
    const durationMs = Date.now() - started;
    const decoded = decodeAll(captures, false);
    const byPf = (a: WireObservation, b: WireObservation) => b.frames - a.frames || a.pf.localeCompare(b.pf);
    return pairs.map((pair, i) => {
      const mine = capturesOf(captures, pair);
      const left = mine.out.flatMap((c) => observe(c.node.name, c.pf, framesOf(decoded, c, pair))).sort(byPf);
      const arrived: WireObservation[] = [];
      let flooded = 0;
      for (const c of mine.in) {
        const a = arrivals(c.node.name, c.pf, framesOf(decoded, c, pair));
        arrived.push(...a.arrived);
        flooded += a.flooded;
      }
      arrived.sort(byPf);
      const { from, to } = pair;
      return {
        from: { pod: from.name, ip: from.ip, node: from.node.name },
        to: { pod: to.name, ip: to.ip, node: to.node.name },
        sent: pings[i]!.sent, replies: pings[i]!.replies, left, arrived, flooded,
        captured: [...mine.out, ...mine.in].map((c) => `${c.node.name}/${c.pf.pf}`).sort(),
        ...judge(pair.expect, from.node, to.node, left, arrived),
        durationMs,
      };
    });
  } finally {
    await Promise.all(captures.map((c) => c.capture.stop()));
  }
}
