import type { Command } from '../command.ts';
import { parseCommandArgs, parseSeconds, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { untilStopSignal } from '../../web/signals.ts';
import { loadZonesFile, parseL3Subnets } from '../../config/index.ts';
import { SteerController, formatReport, probeFeatures, steerOnce, type SteerReport } from '../../ic/index.ts';
import { jsonLogger } from '../../node/agent/index.ts';

const steer: Command = {
  name: 'ic steer',
  summary: 'pin every cross-zone pod port to its pod\'s own VTEP (OVN interconnect)',
  usage: `Usage: mvtep ic steer --zones FILE [--once] [--l3-subnets LIST] [--dry-run] [--uninstall] [--timeout S] [--resync S] [--json]

In OVN interconnect mode (one zone per node, as OVN-Kubernetes runs), a pod
port seen from another zone is a type=remote Port_Binding with no encap, so
traffic to it arrives on an arbitrary VTEP of the pod's node. ic steer pins
each such port, in every zone, to the Encap row of the pod's own VTEP (its
Port_Binding.encap in its home zone; geneve preferred), writing the remote
Port_Binding.encap in the zone's SB. Each zone it manages carries the key
SB_Global external_ids:mvtep-ic-steer. See docs/interconnect.md.

Routed (L3) traffic crosses one transit port per node, so pinning alone
cannot choose among a node's VTEPs. With --l3-subnets, ic steer adds per
zone one router port per VTEP index on the transit switch (mvtep-ts-ZONE-K,
address: host number ZONE-POSITION in the K-th subnet), pins its published
peer to that VTEP in every other zone, and routes each remote pod's /32
through the port of its VTEP's index. Every NB row it adds carries
external_ids:mvtep-ic-steer=l3.

Without --once it runs as a controller: it monitors every zone's SB and
re-converges after any change (pod moved, encap-ip changed, zone restarted,
remote chassis' encaps synced). Logs are JSON lines on stderr; SIGTERM and
SIGINT stop it. Zones that cannot be reached are retried, and ports whose
home zone is unreachable are left as they are. The controller's own writes
are not echoed back to it; a remote port's encap changed by another writer
is put back at the next resync (--resync).

  --zones FILE   the zones file (YAML; mvtep lab up writes one for IC labs)
  --once         one run: steer, re-read until nothing is left to write, exit
  --l3-subnets LIST  comma-separated IPv4 subnets, one per VTEP index (a node's
                 VTEPs in address order), each with room for every zone;
                 enables L3 steering (the controller then also monitors
                 every zone's NB)
  --dry-run      with --once: print what would be written, write nothing
  --uninstall    clear every encap steering wrote and the marker key, exit
  --timeout S    connect and per-transaction deadline in seconds (default 10)
  --resync S     controller: re-read every zone's remote-port encaps every S
                 seconds (default 60)
  --json         print the report as JSON (with --once / --uninstall)

Exit codes: 0 converged; 1 ports left pending; 3 a zone (its SB, or its NB
where L3 steering needs it) was unreachable or a write failed.

Examples:
  mvtep ic steer --zones /tmp/mvtep-lab/seed-ic/zones.yaml --once
  mvtep ic steer --zones zones.yaml --once --l3-subnets 203.0.113.128/28,203.0.113.144/28,203.0.113.160/28
  mvtep ic steer --zones zones.yaml --uninstall`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      zones: { type: 'string' }, once: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, uninstall: { type: 'boolean' },
      timeout: { type: 'string' }, json: { type: 'boolean' }, 'l3-subnets': { type: 'string' }, resync: { type: 'string' },
    });
    const zones = await loadZonesFile(requireOption(values.zones, 'zones'));
    const timeoutMs = parseSeconds(values.timeout) ?? 10_000;
    const once = values.once === true || values.uninstall === true;
    if (values['dry-run'] && !once) throw new UsageError('--dry-run needs --once or --uninstall', '--dry-run');
    const l3Subnets = values['l3-subnets'] === undefined ? undefined : parseL3Subnets(values['l3-subnets'], zones.zones.length);
    if (l3Subnets && values.uninstall) throw new UsageError('--l3-subnets is not used by --uninstall (it removes every row it finds marked)', '--l3-subnets');
    if (values.json && !once) throw new UsageError('--json needs --once or --uninstall (the controller logs JSON lines on stderr)', '--json');
    const resyncMs = parseSeconds(values.resync, 'resync');
    if (resyncMs !== undefined && once) throw new UsageError('--resync is for the controller (without --once or --uninstall)', '--resync');
    if (once) {
      const report = await steerOnce(zones, { timeoutMs, dryRun: values['dry-run'] ?? false, uninstall: values.uninstall ?? false, ...(l3Subnets ? { l3Subnets } : {}) });
      io.stdout.write((values.json ? JSON.stringify(report) : formatReport(report)) + '\n');
      return exitCode(report);
    }
    const log = jsonLogger(io.stderr, 'info', { component: 'mvtep-ic-steer' });
    const controller = new SteerController(zones, { timeoutMs, ...(l3Subnets ? { l3Subnets } : {}), ...(resyncMs === undefined ? {} : { resyncMs }) });
    controller.on('event', (e) => {
      if (e.kind === 'wrote') log('info', 'steered', { zone: e.zone, writes: e.writes.length, ms: Math.round(e.ms) });
      else if (e.kind === 'wrote-nb') log('info', 'l3 steering rows changed', { zone: e.zone, changes: e.changes, ms: Math.round(e.ms) });
      else if (e.kind === 'write-failed') log('warn', 'write failed, retrying', { zone: e.zone, error: e.error });
      else if (e.kind === 'converged') log('info', 'converged', { steered: e.steered, pending: e.pending });
    });
    controller.start();
    // Handlers first: a supervisor may signal as soon as it reads this line.
    const stopped = untilStopSignal(log);
    log('info', 'watching zones', { zones: zones.zones.map((z) => z.name) });
    await stopped;
    controller.close();
    return 0;
  },
};

function exitCode(r: SteerReport): number {
  if (r.totals.unreachable > 0 || r.zones.some((z) => z.error !== undefined)) return 3;
  return r.totals.pending > 0 ? 1 : 0;
}

const features: Command = {
  name: 'ic features',
  summary: 'probe each zone\'s northd for the requested-encap-ip LSP option',
  usage: `Usage: mvtep ic features --zones FILE [--timeout S] [--json]

Whether each zone's ovn-northd honours the requested-encap-ip option of a
logical switch port (OVN's main branch after 26.03; no schema column tells,
so it is found by behaviour, never by version string): a throw-away switch
mvtep-probe-* (external_ids:mvtep-ic-steer=probe) with one type=remote port
asking for one Encap of a remote chassis is created in the zone's NB, the
probe waits for northd to catch up (NB_Global.nb_cfg, as ovn-nbctl
--wait=sb), reads what northd put in that port's Port_Binding.encap, and
deletes the switch again. Verdicts: honoured, ignored, unknown (with why).
ic steer writes Port_Binding.encap on every release (what ovn-controller
follows either way). See docs/interconnect.md.

Options:
  --zones FILE   the zones file (name, nb, sb per zone)
  --timeout S    deadline per zone (default 10)
  --json         print [{zone, requestedEncapIp, detail}]

Exit status: 0 every zone probed, 3 a zone could not be probed (unknown).

Examples:
  mvtep ic features --zones /tmp/mvtep-lab/seed-ic/zones.yaml
  mvtep ic features --zones zones.yaml --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { zones: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } });
    const zones = await loadZonesFile(requireOption(values.zones, 'zones'));
    const timeoutMs = parseSeconds(values.timeout) ?? 10_000;
    const found = await probeFeatures(zones.zones, { timeoutMs });
    if (values.json) io.stdout.write(JSON.stringify(found) + '\n');
    else for (const f of found) io.stdout.write(`${f.zone}: requested-encap-ip ${f.requestedEncapIp} (${f.detail})\n`);
    return found.some((f) => f.requestedEncapIp === 'unknown') ? 3 : 0;
  },
};

export const icCommands: Command[] = [steer, features];
