import type { CliIo } from '../command.ts';
import { bounded, parseSeconds, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { Deadline } from '../../util/deadline.ts';
import { loadNodeSpec } from '../../config/nodeSpec.ts';
import { traceLive, type TraceResult } from '../../trace/index.ts';
import { requireRoot, runNodeProbe, type NodeProbeResult, type ProbeExpectation } from '../../probe/index.ts';
import { findRuntime, which } from '../../lab/runtime.ts';

/**
 * `mvtep probe --node` (docs/probe.md): the probe on a real node with a
 * kernel datapath. The pod's br-int port, MAC and IP and the expected tunnel
 * come from trace (the SB, this node's OVSDB and ofproto/trace); the PFs and
 * their VTEPs from the node spec; the packets are injected with ovs-ofctl
 * packet-out and seen on this node's PFs only.
 */

export const DEFAULT_NODE_OVSDB = 'unix:/var/run/openvswitch/db.sock';

export interface NodeProbeValues {
  readonly from?: string; readonly to?: string; readonly count?: string; readonly timeout?: string; readonly json?: boolean;
  readonly spec?: string; readonly sb?: string; readonly ovsdb?: string; readonly netns?: string;
  readonly 'appctl-target'?: string; readonly target?: string;
}

const INJECT_WHY = 'it captures with tcpdump on the PF netdevs and injects packets into br-int with ovs-ofctl';
const MAX_COUNT = 100;

/** What a probe is judged against: the tunnel ofproto/trace took, within the model's candidates (lab and node probes alike). */
export function expectationOf(trace: TraceResult, vlan: number | null): ProbeExpectation {
  const observed = trace.confirm?.observed ?? null;
  return {
    source: observed ? `ofproto/trace ${observed.tunnel}` : 'model',
    localIp: observed?.local_ip ?? trace.local_ip,
    remoteIp: observed?.remote_ip ?? trace.remote_ip,
    vlan,
    candidates: trace.candidates.map((c) => ({ localIp: c.local_ip, remoteIp: c.remote_ip })),
  };
}

export function formatNodeProbe(r: NodeProbeResult): string {
  const e = r.expected;
  const lines = [
    `probe --node ${r.from.pod} (${r.from.node}, ${r.from.ip}) -> ${r.to.pod} (${r.to.ip}): ${r.injected} echo requests injected at its br-int port, `
      + `${(r.durationMs / 1000).toFixed(1)} s`,
    `  expected ${e.localIp ?? '*'} -> ${e.remoteIp ?? '*'}, leaving ${r.from.node}/${e.sourcePf ?? '?'}${e.vlan === undefined ? '' : e.vlan === null ? ', untagged' : `, vlan ${e.vlan}`} (${e.source})`,
    ...r.left.map((o) => `  left     ${`${o.node}/${o.pf}`.padEnd(14)} ${o.outerSrc} -> ${o.outerDst}  ${o.vlan === null ? 'untagged' : `vlan ${o.vlan}`}  vni ${o.vni}  ${o.frames} frame${o.frames === 1 ? '' : 's'}`),
    ...(r.left.length === 0 ? [`  left     nothing seen on ${r.captured.join(', ')}`] : []),
    ...r.differences.map((d) => `  DIFFERS  ${d}`),
    r.verdict === 'agrees' ? '  wire agrees (this node\'s side: the remote node is not captured)'
      : r.verdict === 'unreachable' ? '  not seen: no probe frame left this node within the timeout' : '  wire DISAGREES',
  ];
  return lines.join('\n') + '\n';
}

export async function runNodeProbeCommand(values: NodeProbeValues, io: CliIo): Promise<number> {
  const fromName = requireOption(values.from, 'from');
  const toName = requireOption(values.to, 'to');
  const specFile = requireOption(values.spec, 'spec');
  const sb = requireOption(values.sb, 'sb');
  if (values.count !== undefined && (!/^\d+$/.test(values.count) || Number(values.count) < 1 || Number(values.count) > MAX_COUNT)) {
    throw new UsageError(`--count: '${values.count}' is not a number from 1 to ${MAX_COUNT}`, values.count);
  }
  const count = values.count === undefined ? 3 : Number(values.count);
  const timeoutMs = parseSeconds(values.timeout) ?? 10_000;
  requireRoot('mvtep probe --node', INJECT_WHY);
  const spec = await loadNodeSpec(specFile);
  const deadline = new Deadline(timeoutMs);
  const ovsdb = values.ovsdb ?? DEFAULT_NODE_OVSDB;
  const { result: trace } = await bounded(traceLive({
    from: fromName, to: toName, sb, ovsdb, spec: specFile, confirm: true, timeoutMs: deadline.remainingMs(),
    ...(values.netns ? { netns: values.netns } : {}), ...(values['appctl-target'] ? { appctlTarget: values['appctl-target'] } : {}),
  }), timeoutMs, `trace ${fromName} -> ${toName}`);
  const src = trace.source;
  if (src.ofport === null) throw new UsageError(`${fromName} has no br-int port on this node (${trace.source_chassis}): run the probe on the pod's node`, fromName);
  const dst = trace.destination;
  if (!src.mac || !src.ip || !dst.mac || !dst.ip) {
    throw new UsageError(`the SB gives no MAC and IPv4 address for ${!src.mac || !src.ip ? fromName : toName}: nothing to address the echo request with`,
      !src.mac || !src.ip ? fromName : toName);
  }
  const nic = spec.nics.find((n) => n.ip.address === (trace.confirm?.observed?.local_ip ?? trace.local_ip));
  // The node's own ovs-ofctl; without one on PATH, the mvtep runtime's (a lab on this machine).
  const ofctl = (await which('ovs-ofctl', io.env)) ? ['ovs-ofctl'] : (await findRuntime({ env: io.env }))?.argv('ovs-ofctl') ?? ['ovs-ofctl'];
  const result = await runNodeProbe({
    ofctl, target: values.target ?? 'br-int',
    from: { name: fromName, ofport: src.ofport, mac: src.mac, ip: src.ip },
    to: { name: toName, mac: dst.mac, ip: dst.ip },
    node: { name: trace.source_chassis, ...(values.netns ? { netns: values.netns } : {}), pfs: spec.nics.map((n) => ({ pf: n.pf, vtep: n.ip.address })) },
    expect: expectationOf(trace, nic?.vlan ?? null),
    count, timeoutMs: deadline.remainingMs(),
  });
  if (values.json) io.stdout.write(JSON.stringify(result) + '\n');
  else io.stdout.write(formatNodeProbe(result));
  return result.verdict === 'agrees' ? 0 : result.verdict === 'disagrees' ? 1 : 3;
}
