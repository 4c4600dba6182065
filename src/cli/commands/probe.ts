import { join } from 'node:path';
import type { Command } from '../command.ts';
import { bounded, parseCommandArgs, parseSeconds, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { Deadline } from '../../util/deadline.ts';
import { attachLab, defaultLabRoot, listLabs, type ChassisHandle, type Lab } from '../../lab/index.ts';
import { isOvnRelease, requireRuntime } from '../../lab/runtime.ts';
import { isNetdevLab, NETDEV_MIN_OVS, runsNetdev } from '../../lab/podNetns.ts';
import { traceLive } from '../../trace/index.ts';
import { DEFAULT_NODE_OVSDB, expectationOf, runNodeProbeCommand } from './probeNode.ts';
import {
  DEFAULT_COUNT, formatProbe, ProbeError, requireRoot, runProbe, type ProbeNode, type ProbeResult,
} from '../../probe/index.ts';

const DEFAULT_TIMEOUT_S = 10;

const usage = `Usage: mvtep probe --from POD --to POD [--count N] [--timeout SECONDS] [--name NAME] [--dir ROOT] [--json]
       mvtep probe --node --spec FILE --sb REMOTE --from LPORT --to LPORT [--ovsdb REMOTE] [--netns NAME]
                   [--target SWITCH] [--appctl-target PATH] [--count N] [--timeout SECONDS] [--json]

Sends real packets (ping) from pod POD's network namespace to the other pod's
overlay IP in a running datapath: netdev lab, while tcpdump captures on every
PF netdev of both nodes (outbound on the source node, inbound on the
destination node, Geneve to/from the nodes' VTEPs only, bounded by packet
count and time, always stopped). Reports the PF the probe left on, outer
source/destination IP, VLAN tag and Geneve VNI, the PF it arrived on, and
whether the wire agrees with trace (ofproto/trace, and the model's candidates)
for the same pair. Frames reaching a destination PF addressed to another VTEP
(fabric flooding) are counted apart, not as arrivals.

Needs root (tcpdump, pod namespaces) and a lab with datapath: netdev
(OVS >= 3.7: release 26.03; docs/probe.md).

  --from POD         the source pod (its netns sends the echo requests)
  --to POD           the destination pod (on another node)
  --count N          echo requests to send (default ${DEFAULT_COUNT})
  --timeout SECONDS  the whole probe, trace included (default ${DEFAULT_TIMEOUT_S})
  --name NAME        the lab (needed when several run)
  --dir ROOT         lab root (default: $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab)
  --json             one JSON object

With --node, on a real node (kernel datapath, no pod namespace to enter):
the echo requests are injected with 'ovs-ofctl packet-out' at the pod's own
br-int port (through the flow table, as if the pod had sent them) while
tcpdump captures outbound on this node's PFs (from the node spec, with
their VTEPs); the pod's port, MAC and IP and the expected tunnel come from
trace (--sb, --ovsdb, ofproto/trace). Only this node's side is seen.

  --node             the real-node mode (needs root, tcpdump and ovs-ofctl)
  --spec FILE        this node's spec (PFs, VTEPs, VLANs; docs/underlay.md)
  --sb REMOTE        the OVN Southbound database
  --ovsdb REMOTE     this node's Open_vSwitch database (default ${DEFAULT_NODE_OVSDB})
  --netns NAME       the network namespace of the PF netdevs (default: this one)
  --target SWITCH    where ovs-ofctl injects: br-int (default) or unix:PATH
  --appctl-target P  ovs-vswitchd control socket (default: found next to --ovsdb)

Exit status (docs/cli.md): 0 the wire agrees, 1 it disagrees, 2 bad usage
(unknown pod, not root, no netdev lab), 3 no probe frame arrived in time
(--node: none left this node).

Examples:
  mvtep probe --from stream-1 --to stream-2
  mvtep probe --node --spec /etc/mvtep/node.yaml --sb tcp:192.0.2.10:6642 --from default_web-0 --to default_db-0
  mvtep probe --name seed-netdev --from storage-2 --to storage-1 --count 5 --json`;

/** The nodes' PFs with the VTEP each one carries (the scenario's NICs). */
function probeNode(c: ChassisHandle): ProbeNode {
  return { name: c.name, netns: c.netns, pfs: c.nics.map((n) => ({ pf: n.pf, vtep: n.vtep ?? null })) };
}


async function findLab(io: Parameters<Command['run']>[1], name: string | undefined, dir: string | undefined): Promise<Lab> {
  const root = dir ?? defaultLabRoot(io.env);
  const all = await listLabs(root);
  const states = name ? all.filter((s) => s.workDir === join(root, name) || s.name === name) : all;
  if (states.length === 0) {
    throw new UsageError(`no lab${name ? ` named ${name}` : ''} under ${root}: mvtep probe needs a running datapath: netdev lab `
      + `(MVTEP_OVN_RELEASE=26.03 mvtep demo --seed examples/seed-netdev.yaml --no-ui --keep)`, name ?? root);
  }
  if (states.length > 1) throw new UsageError(`several labs are running (${states.map((s) => s.name).join(', ')}): give --name`);
  const state = states[0]!;
  const runtime = await requireRuntime({ env: io.env, ...(state.release && isOvnRelease(state.release) ? { release: state.release } : {}) });
  const lab = await attachLab(state.workDir, { runtime });
  if (!isNetdevLab(lab.scenario)) {
    const old = !runsNetdev(runtime);
    throw new ProbeError('probe-unsupported', `lab ${lab.name} runs datapath: ${lab.scenario?.datapath ?? 'dummy'}: its br-int moves no packet, so `
      + `there is nothing on the wire to probe; mvtep probe needs a datapath: netdev lab`
      + (old ? `, which release ${runtime.release} (OVS ${runtime.manifest.ovsVersion || 'unknown'}) cannot run: userspace tunnels routed by `
        + `source need OVS >= ${NETDEV_MIN_OVS.join('.')} (release 26.03, MVTEP_OVN_RELEASE=26.03)` : ` (datapath: netdev in the scenario)`),
    { lab: lab.name, datapath: lab.scenario?.datapath ?? 'dummy', release: runtime.release, ovsVersion: runtime.manifest.ovsVersion });
  }
  return lab;
}

/** What `probe --json` prints: the probe and the trace it was judged against. */
export type ProbeReport = ProbeResult & {
  readonly trace: {
    readonly reason: string; readonly determined: boolean;
    readonly modelLocalIp: string | null; readonly modelRemoteIp: string | null;
    readonly tracedTunnel: string | null; readonly tracedLocalIp: string | null; readonly tracedRemoteIp: string | null;
    readonly agrees: boolean | null; readonly differences: readonly string[];
  };
};

export const probeCommand: Command = {
  name: 'probe',
  summary: 'send real packets between two lab pods and report the NICs, VTEPs and VLAN they used on the wire',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      from: { type: 'string' }, to: { type: 'string' }, count: { type: 'string' }, timeout: { type: 'string' },
      json: { type: 'boolean' }, name: { type: 'string' }, dir: { type: 'string' },
      node: { type: 'boolean' }, spec: { type: 'string' }, sb: { type: 'string' }, ovsdb: { type: 'string' }, netns: { type: 'string' },
      target: { type: 'string' }, 'appctl-target': { type: 'string' },
    });
    if (values.node) {
      if (values.name !== undefined || values.dir !== undefined) throw new UsageError('--node probes this node, not a lab: --name/--dir do not apply', '--node');
      return runNodeProbeCommand(values, io);
    }
    for (const k of ['spec', 'sb', 'ovsdb', 'netns', 'target', 'appctl-target'] as const) {
      if (values[k] !== undefined) throw new UsageError(`--${k} belongs to the real-node mode: add --node`, `--${k}`);
    }
    const fromName = requireOption(values.from, 'from');
    const toName = requireOption(values.to, 'to');
    if (values.count !== undefined && (!/^\d+$/.test(values.count) || Number(values.count) < 1 || Number(values.count) > 1000)) {
      throw new UsageError(`--count: '${values.count}' is not a number from 1 to 1000`, values.count);
    }
    const count = values.count === undefined ? DEFAULT_COUNT : Number(values.count);
    const timeoutMs = parseSeconds(values.timeout) ?? DEFAULT_TIMEOUT_S * 1000;
    requireRoot();
    const lab = await findLab(io, values.name, values.dir);
    const pod = (n: string) => {
      const p = lab.pods[n];
      if (!p) throw new UsageError(`lab ${lab.name} has no pod '${n}' (pods: ${Object.keys(lab.pods).join(', ') || 'none'})`, n);
      return p;
    };
    const from = pod(fromName);
    const to = pod(toName);
    if (from.chassis === to.chassis) throw new UsageError(`${fromName} and ${toName} are both on ${from.chassis}: no tunnel to probe (pick pods on two nodes)`, [fromName, toName]);
    const src = lab.chassis[from.chassis]!;
    const dst = lab.chassis[to.chassis]!;
    const deadline = new Deadline(timeoutMs);
    const { result: trace } = await bounded(traceLive({
      from: from.lport, to: to.lport, sb: lab.sb.remote, ovsdb: src.ovsdbRemote, netns: src.netns, sysfs: src.sysfsRoot,
      appctlTarget: src.vswitchdCtl, confirm: true, timeoutMs: deadline.remainingMs(),
    }), timeoutMs, `trace ${fromName} -> ${toName}`);
    const result = await runProbe({
      from: { name: from.name, ip: from.ip, node: probeNode(src), netns: from.netns! },
      to: { name: to.name, ip: to.ip, node: probeNode(dst) },
      expect: expectationOf(trace, trace.underlay?.vlan ?? lab.fabric.vlan ?? null),
      count, timeoutMs: deadline.remainingMs(),
    });
    const report: ProbeReport = {
      ...result,
      trace: {
        reason: trace.reason, determined: trace.determined, modelLocalIp: trace.local_ip, modelRemoteIp: trace.remote_ip,
        tracedTunnel: trace.confirm?.observed?.tunnel ?? null, tracedLocalIp: trace.confirm?.observed?.local_ip ?? null,
        tracedRemoteIp: trace.confirm?.observed?.remote_ip ?? null, agrees: trace.confirm?.agrees ?? null,
        differences: trace.confirm?.differences ?? [],
      },
    };
    if (values.json) io.stdout.write(JSON.stringify(report) + '\n');
    else {
      const t = report.trace;
      io.stdout.write(formatProbe(result) + `  trace: ${t.reason}${t.determined ? '' : ' (arbitrary)'}, model ${t.modelLocalIp ?? '*'} -> ${t.modelRemoteIp ?? '*'}, `
        + `ofproto/trace ${t.tracedTunnel ?? '-'} ${t.tracedLocalIp ?? '*'} -> ${t.tracedRemoteIp ?? '*'}${t.agrees === false ? ` DISAGREES: ${t.differences.join('; ')}` : ''}\n`);
    }
    return result.verdict === 'agrees' ? 0 : result.verdict === 'disagrees' ? 1 : 3;
  },
};

export const probeCommands: Command[] = [probeCommand];
