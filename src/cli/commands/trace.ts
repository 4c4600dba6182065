import type { Command } from '../command.ts';
import { camelCaseKeys } from '../jsonCase.ts';
import { bounded, commandTimeout, parseCommandArgs, requireOption, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { explainAcrossZones, explainPath, formatTrace, traceAcrossZones, type TraceResult } from '../../trace/index.ts';
import { loadZonesFile } from '../../config/index.ts';
import { traceLive } from '../../trace/live.ts';
import { readSnapshot } from '../../verify/index.ts';

const usage = `Usage: mvtep trace --from LPORT --to LPORT (--sb REMOTE | --snapshot FILE)
                   [--ovsdb REMOTE] [--netns NAME] [--sysfs DIR] [--spec FILE]
                   [--confirm] [--appctl-target PATH] [--ovn-version V] [--timeout SECONDS] [--json]
       mvtep trace --zones FILE --from POD --to POD [--confirm] [--timeout SECONDS] [--json]

Explains which tunnel (local VTEP -> remote VTEP) a unicast packet from one
logical port to another takes, step by step, and whether OVN's choice is
determined or arbitrary (then: the candidate set).

  --from LPORT           the source logical port (the pod's iface-id)
  --to LPORT             the destination logical port
  --sb REMOTE            the OVN Southbound to read ports, chassis and encaps from
  --snapshot FILE        a verify state (mvtep verify --dump-state) instead of live sources
  --ovn-version V        OVN version, when the Southbound does not tell it
  --ovsdb REMOTE         Open_vSwitch DB of the source chassis: real tunnel ports,
                         ofports, the VIF's interface and the chassis' encap order
  --netns NAME           netns of the source chassis' VTEPs: 'ip route get' per candidate
  --sysfs DIR, --spec F  representor -> PF, and the VTEP's bridge/VLAN/PF
  --confirm              run ofproto/trace on the source chassis' vswitchd (and
                         'ip route get' with --netns) and report agreement
  --appctl-target PATH   ovs-vswitchd control socket (default: found next to --ovsdb)
  --zones FILE           interconnect: find each pod's home zone, trace the source
                         zone (with its chassis' ovsdb, netns and vswitchdCtl from
                         the file when listed) and judge the destination VTEP
                         against the destination pod's own; --snapshot of
                         verify --zones --dump-state works the same, offline
${TIMEOUT_HELP}
  --json                 machine-readable result

Exit status (docs/cli.md): 0 explained (and confirmed when asked), 1 --confirm
disagrees, 2 bad usage, unknown port or unreadable input, 3 a server did not answer.

Examples:
  mvtep trace --sb unix:/run/ovn/ovnsb_db.sock --from default_web-0 --to default_db-0
  mvtep trace --sb tcp:192.0.2.10:6642 --from lp1 --to lp2 --ovsdb unix:/run/openvswitch/db.sock --netns node1 --confirm
  mvtep trace --snapshot state.json --from lp1 --to lp2 --json`;

const TRACE_OPTIONS = {
  from: { type: 'string' }, to: { type: 'string' }, sb: { type: 'string' }, ovsdb: { type: 'string' },
  netns: { type: 'string' }, sysfs: { type: 'string' }, spec: { type: 'string' }, snapshot: { type: 'string' },
  confirm: { type: 'boolean' }, 'appctl-target': { type: 'string' }, 'ovn-version': { type: 'string' }, json: { type: 'boolean' },
  timeout: { type: 'string' }, zones: { type: 'string' },
} as const;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'explain (and confirm) the tunnel a pod-to-pod packet takes',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, TRACE_OPTIONS);
    const from = requireOption(values.from, 'from');
    const to = requireOption(values.to, 'to');
    if (values.zones) {
      for (const k of ['sb', 'snapshot', 'ovsdb', 'netns', 'sysfs', 'spec', 'appctl-target'] as const) {
        if (values[k]) throw new UsageError(`--zones cannot be combined with --${k} (the zones file names each chassis' sources)`, k);
      }
    } else if (!values.sb && !values.snapshot) throw new UsageError('give --sb REMOTE, --zones FILE or --snapshot FILE');
    if (values.sb && values.snapshot) throw new UsageError('--sb and --snapshot exclude each other');
    if (values.snapshot && (values.confirm || values.ovsdb || values.netns)) throw new UsageError('--snapshot cannot be combined with live options (--ovsdb, --netns, --confirm)');
    if (values.confirm && !values.ovsdb && !values.zones) throw new UsageError('--confirm needs --ovsdb of the source chassis (or --zones naming it)');
    const timeoutMs = commandTimeout(values.timeout);
    // Errors are mapped once (src/cli/exitCodes.ts): unknown port or unreadable input 2, silent server 3.
    let result: TraceResult;
    if (values.zones) {
      const zones = await loadZonesFile(values.zones);
      ({ result } = await bounded(traceAcrossZones({ zones, from, to, timeoutMs, confirm: values.confirm ?? false }), timeoutMs, `trace across the zones of ${zones.file}`));
    } else if (values.snapshot) {
      const state = await readSnapshot(values.snapshot);
      result = state.zones ? explainAcrossZones(state, from, to) : explainPath(state, from, to);
    } else {
      ({ result } = await bounded(traceLive({
        from, to, sb: values.sb!, timeoutMs,
        ...(values.ovsdb ? { ovsdb: values.ovsdb } : {}), ...(values.netns ? { netns: values.netns } : {}),
        ...(values.sysfs ? { sysfs: values.sysfs } : {}), ...(values.spec ? { spec: values.spec } : {}),
        ...(values['ovn-version'] ? { ovnVersion: values['ovn-version'] } : {}),
        ...(values['appctl-target'] ? { appctlTarget: values['appctl-target'] } : {}),
        confirm: values.confirm ?? false,
      }), timeoutMs, `trace via ${values.sb!}`));
    }
    io.stdout.write(values.json ? JSON.stringify(camelCaseKeys(result, true), null, 2) + '\n' : formatTrace(result));
    return result.confirm && !result.confirm.agrees ? 1 : 0;
  },
};

export const traceCommands: Command[] = [traceCommand];
