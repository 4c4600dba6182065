import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { readSnapshot, runChecks } from '../../verify/index.ts';
import { buildDashboardView } from '../../web/buildView.ts';
import { inputsFromGathered } from '../../web/fromState.ts';
import { ViewHub } from '../../web/hub.ts';
import { loadZonesFile, parseListen, type ZonesFile } from '../../config/index.ts';
import { computeZonesView, zonesDashboardView, ZonesPoller } from '../../web/zonesView.ts';
import { DEFAULT_LISTEN } from '../../web/listen.ts';
import { computeView, LiveView, type LiveViewOptions } from '../../web/live.ts';
import { startDashboardServer } from '../../web/server.ts';
import { waitForSignal } from '../../web/signals.ts';
import { labLiveOptions } from '../../demo/labSource.ts';
import { makeTracer } from '../../demo/trace.ts';

const ui: Command = {
  name: 'ui',
  summary: 'serve the steering dashboard for a cluster, a running lab or a verify snapshot',
  usage: `Usage: mvtep ui [--ovsdb REMOTE ...] [--netns NAME] [--sysfs DIR] [--sb REMOTE]
                [--lab NAME] [--zones FILE] [--snapshot FILE] [--listen HOST:PORT] [--json]

The read-only dashboard (docs/dashboard.md): a topology graph (chassis, PF
bridges, VTEPs coloured by traffic class, tunnels), the per-pod steering table
and verify's findings with hints, updated live from OVSDB monitors.

Sources (at least one):
  --ovsdb REMOTE    a node's Open_vSwitch database (repeatable: one per node)
  --netns NAME      read routing (rules, routes, ip route get) in this netns;
                    only with exactly one --ovsdb
  --sysfs DIR       sysfs root for SR-IOV discovery; only with one --ovsdb
  --sb REMOTE       the Southbound: every chassis, Encap and binding
  --lab NAME        a running lab (mvtep lab up): every chassis, its netns and
                    sysfs, the SB, and trace confirmed by ofproto/trace
  --zones FILE      interconnect: every zone of a zones file, re-read every 2 s;
                    one row per zone and the zone x zone matrix of cross-zone
                    verdicts (remote pod ports steered / arbitrary / wrong)
  --snapshot FILE   a verify state file (mvtep verify --dump-state, also of
                    verify --zones); static

Options:
  --listen HOST:PORT  default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; a non-loopback address is
                      served only when given here explicitly
  --json              print the current view as JSON and exit (no server)

Runs until Ctrl-C. Exit status (docs/cli.md): 0 on a clean stop, 2 bad usage
or a source that cannot be read, 3 a server that cannot be reached.

Examples:
  mvtep ui --lab seed
  mvtep ui --sb unix:/run/ovn/ovnsb_db.sock --ovsdb unix:/run/openvswitch/db.sock --listen 127.0.0.1:8700
  mvtep ui --snapshot state.json --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string', multiple: true }, netns: { type: 'string' }, sysfs: { type: 'string' },
      sb: { type: 'string' }, lab: { type: 'string' }, snapshot: { type: 'string' }, zones: { type: 'string' },
      listen: { type: 'string' }, json: { type: 'boolean' },
    });
    const ovsdb = values.ovsdb ?? [];
    const live = ovsdb.length > 0 || values.sb !== undefined;
    const kinds = [live, values.lab !== undefined, values.snapshot !== undefined, values.zones !== undefined].filter(Boolean).length;
    if (kinds === 0) throw new UsageError('give a source: --ovsdb/--sb, --lab, --zones or --snapshot');
    if (kinds > 1) throw new UsageError('--ovsdb/--sb, --lab, --zones and --snapshot are exclusive');
    if ((values.netns !== undefined || values.sysfs !== undefined) && ovsdb.length !== 1) {
      throw new UsageError('--netns and --sysfs need exactly one --ovsdb (they describe that node)');
    }
    const listen = values.listen !== undefined ? parseListen(values.listen) : DEFAULT_LISTEN;
    const log = (line: string) => io.stderr.write(`ui: ${line}\n`);
    const hub = new ViewHub();
    let liveView: LiveView | ZonesPoller | undefined;
    let liveOpts: Omit<LiveViewOptions, 'hub'> | undefined;
    let closeSource = async () => {};

    let zones: ZonesFile | undefined;
    if (values.snapshot !== undefined) {
      const state = await readSnapshot(values.snapshot);
      hub.publish(state.zones ? { ...zonesDashboardView(state, values.snapshot), source: { kind: 'snapshot', name: values.snapshot } }
        : buildDashboardView(inputsFromGathered(state, {
          source: { kind: 'snapshot', name: values.snapshot }, findings: runChecks(state),
        })));
    } else if (values.zones !== undefined) {
      zones = await loadZonesFile(values.zones);
    } else if (values.lab !== undefined) {
      const lab = await labLiveOptions(values.lab, log);
      liveOpts = lab.options;
      closeSource = lab.close;
    } else {
      liveOpts = {
        source: { kind: 'cluster', name: values.sb ?? ovsdb.join(', ') },
        ...(values.sb !== undefined ? { sb: values.sb } : {}),
        nodes: ovsdb.map((remote) => ({
          ovsdb: remote,
          ...(values.netns !== undefined ? { netns: values.netns } : {}),
          ...(values.sysfs !== undefined ? { sysfs: values.sysfs } : {}),
        })),
        // Predictions only: confirming needs each source chassis' vswitchd, which only a lab hands us.
        tracer: makeTracer(),
        log,
      };
    }
    try {
      if (values.json) {
        const view = zones ? await computeZonesView(zones) : liveOpts ? (await computeView(liveOpts)).view : hub.current();
        io.stdout.write(JSON.stringify(view, null, 2) + '\n');
        return 0;
      }
      if (liveOpts) liveView = await LiveView.start({ ...liveOpts, hub });
      if (zones) liveView = await ZonesPoller.start({ zones, hub, log });
      const server = await startDashboardServer({ hub, listen, allowNonLoopback: values.listen !== undefined });
      io.stderr.write(`ui: dashboard on ${server.url} (Ctrl-C to stop)\n`);
      const signal = waitForSignal();
      const sig = await signal.promise;
      signal.cancel();
      io.stderr.write(`ui: ${sig}: stopping\n`);
      await server.close();
      return 0;
    } finally {
      liveView?.close();
      await closeSource();
    }
  },
};

export const uiCommands: Command[] = [ui];
