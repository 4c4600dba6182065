import type { Command } from '../command.ts';
import { bounded, commandTimeout, parseCommandArgs, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import type { GatheredState } from '../../verify/index.ts';

// The checks, the observe layer and the config parsers are imported when
// verify runs, not for its --help: they are most of its start-up time.
const verifyLib = () => import('../../verify/index.ts');
const observeLib = () => import('../../observe/index.ts');

const usage = `Usage: mvtep verify [--ovsdb REMOTE] [--sb REMOTE] [--sysfs DIR] [--netns NAME | --routing]
                    [--spec FILE] [--appctl-target SOCKET] [--snapshot FILE] [--dump-state FILE]
                    [--ovn-version X.Y.Z] [--timeout SECONDS] [--json]
       mvtep verify --zones FILE [--dump-state FILE] [--timeout SECONDS] [--json]

Reads the live state it is given and reports multi-VTEP misconfigurations
(check ids, severities and hints: docs/verify.md).

  --ovsdb REMOTE     the node's Open_vSwitch database (unix:/run/openvswitch/db.sock)
  --sb REMOTE        the OVN Southbound; alone, checks every chassis it shows
  --sysfs DIR        sysfs root for SR-IOV discovery (/sys on a node)
  --netns NAME       network namespace holding the VTEPs (routing checks);
                     without it, --routing reads the current namespace
  --routing          read rules/routes of the current namespace
  --spec FILE        node spec (YAML) to compare MTU and VTEP devices against
  --appctl-target S  ovs-vswitchd's control socket: on a netdev br-int, OVS's own
                     router (ovs/route/rule/show, ovs/route/lookup) is read from it
                     (default: the one next to a unix: --ovsdb)
  --zones FILE       interconnect: every zone's SB of a zones file (mvtep lab up
                     writes one for IC labs), read in parallel; remote ports and
                     remote chassis judged against their home zones; each
                     zone is read within --timeout, an unreadable one reported
  --snapshot FILE    check a state written by --dump-state instead of live sources
  --dump-state FILE  also write the gathered state to FILE
  --ovn-version V    OVN version, when the Southbound does not tell it
${TIMEOUT_HELP}
  --json             machine-readable report

Exit status (docs/cli.md): 0 no errors, 1 errors found, 2 bad usage or unreadable input,
3 a server did not answer (with --zones: a zone's SB; the other zones are still checked and reported).
The report ends with how many checks ran and which did not for want of an input.

Examples:
  mvtep verify --ovsdb unix:/run/openvswitch/db.sock --sysfs /sys --routing
  mvtep verify --sb tcp:192.0.2.10:6642 --timeout 10 --json
  mvtep verify --snapshot state.json`;

async function loadState(values: Record<string, string | boolean | undefined>): Promise<GatheredState> {
  const s = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  if (s('snapshot')) {
    for (const k of ['ovsdb', 'sb', 'sysfs', 'netns', 'spec', 'zones', 'appctl-target']) {
      if (s(k)) throw new UsageError(`--snapshot cannot be combined with --${k}`, k);
    }
    const state = await (await verifyLib()).readSnapshot(s('snapshot')!);
    return s('ovn-version') ? { ...state, ovnVersion: s('ovn-version')! } : state;
  }
  const version = s('ovn-version');
  if (version !== undefined && !/^\d+\.\d+(\.\d+)?/.test(version)) throw new UsageError(`--ovn-version: not a version: ${version}`, version);
  const timeoutMs = commandTimeout(s('timeout'));
  if (s('zones')) {
    // One picture per run: a node or central SB next to zones would be checked against neither.
    for (const k of ['ovsdb', 'sb', 'sysfs', 'netns', 'spec']) {
      if (s(k)) throw new UsageError(`--zones cannot be combined with --${k}`, k);
    }
    if (values['routing'] === true) throw new UsageError('--zones cannot be combined with --routing', 'routing');
    const { loadZonesFile } = await import('../../config/index.ts');
    const { gatherState } = await observeLib();
    const zones = await loadZonesFile(s('zones')!);
    if (zones.zones.length === 0) throw new UsageError(`${zones.file}: lists no zone (verify does not discover zones from icSb yet)`, zones.file);
    // Zones are read in parallel, each within the budget; a dead zone is a finding, not an abort.
    // NB routing and the pods' addresses: which transit port each routed pod's traffic crosses.
    return bounded(gatherState({ zones, withMacs: true, withRouting: true, ...(s('ovn-version') ? { ovnVersion: s('ovn-version')! } : {}), timeoutMs }), timeoutMs, `reading the zones of ${zones.file}`);
  }
  if (!s('ovsdb') && !s('sb')) throw new UsageError('give --ovsdb, --sb, --zones or --snapshot');
  for (const k of ['sysfs', 'netns', 'spec', 'appctl-target']) {
    if (s(k) && !s('ovsdb')) throw new UsageError(`--${k} describes a node and needs --ovsdb`, k);
  }
  const sources = [s('sb'), s('ovsdb')].filter((x) => x !== undefined).join(' and ');
  const { gatherState } = await observeLib();
  return bounded(gatherState({
    ...(s('ovsdb') ? { ovsdb: s('ovsdb')! } : {}),
    ...(s('sb') ? { sb: s('sb')! } : {}),
    ...(s('sysfs') ? { sysfs: s('sysfs')! } : {}),
    ...(s('netns') ? { netns: s('netns')! } : {}),
    ...(values['routing'] === true ? { routing: true } : {}),
    ...(s('spec') ? { spec: s('spec')! } : {}),
    ...(s('appctl-target') ? { appctlTarget: s('appctl-target')! } : {}),
    ...(s('ovn-version') ? { ovnVersion: s('ovn-version')! } : {}),
    timeoutMs,
  }), timeoutMs, `reading ${sources}`);
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'find multi-VTEP misconfigurations on a node or cluster',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, sb: { type: 'string' }, sysfs: { type: 'string' }, netns: { type: 'string' },
      routing: { type: 'boolean' }, spec: { type: 'string' }, 'appctl-target': { type: 'string' }, snapshot: { type: 'string' }, 'dump-state': { type: 'string' },
      'ovn-version': { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, zones: { type: 'string' },
    });
    // Unreadable input exits 2, an unreachable or silent server 3 (src/cli/exitCodes.ts): never "0 errors".
    const state = await loadState(values);
    const { formatReport, makeReport, runChecks, writeSnapshot } = await verifyLib();
    if (values['dump-state']) await writeSnapshot(values['dump-state'], state);
    const report = makeReport(state, runChecks(state));
    io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    if (report.scope.unreachableZones?.length) return 3;
    return report.ok ? 0 : 1;
  },
};

export const verifyCommands: Command[] = [verifyCommand];
