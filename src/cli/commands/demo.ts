import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { defaultCacheDir, findRuntime, installRuntime, type OvnRuntime } from '../../lab/runtime.ts';
import { NETDEV_MIN_OVS, runsNetdev } from '../../lab/podNetns.ts';
import { BREAK_CHECKS, parseBreakCheck } from '../../demo/break.ts';
import { chooseDatapath, missingWirePrograms, type DatapathChoice } from '../../demo/datapath.ts';
import { DEMO_DATAPATHS, MAX_NODES, MIN_NODES, seedFileDatapath } from '../../demo/plan.ts';
import { runDemo, type DemoOutcome } from '../../demo/run.ts';
import { formatSteeringTable, summaryLine } from '../../demo/table.ts';
import { wireSummary, type WireReport } from '../../demo/wire.ts';
import { parseListen } from '../../config/index.ts';
import { DEFAULT_LISTEN } from '../../web/listen.ts';
import { waitForSignal } from '../../web/signals.ts';
import type { DashboardView } from '../../web/view.ts';
import type { CliIo } from '../command.ts';
import type { ListenAddress } from '../../config/index.ts';
import { runIcDemo } from '../../demo/ic.ts';
import { formatIcTable } from '../../demo/icTable.ts';
import { ViewHub } from '../../web/hub.ts';
import { ZonesPoller } from '../../web/zonesView.ts';
import { startDashboardServer } from '../../web/server.ts';

const SEED = fileURLToPath(new URL('../../../examples/seed.yaml', import.meta.url));
const SEED_IC = fileURLToPath(new URL('../../../examples/seed-ic.yaml', import.meta.url));

function findingsText(view: DashboardView): string {
  if (view.findings.length === 0) return 'verify: no findings\n';
  return ['verify:', ...view.findings.map((f) => `  ${f.severity.padEnd(7)} ${f.check}  ${f.subject}: ${f.message}`)].join('\n') + '\n';
}

/** The steering table, its summary line, the wire's (netdev) and verify's findings. */
function steeringText(view: DashboardView, wire: WireReport | undefined): string {
  return `${formatSteeringTable(view, wire)}${summaryLine(view)}\n${wire ? `${wireSummary(wire)}\n` : ''}${findingsText(view)}`;
}

function report(out: DemoOutcome): string {
  const parts = ['', 'Steering (healthy):', steeringText(out.healthy, out.wire?.healthy)];
  if (out.injected && out.broken && out.verdict) {
    const v = out.verdict;
    parts.push(`Break '${out.injected.check}': ${out.injected.description}`, '', 'Steering (after the break):',
      steeringText(out.broken, out.wire?.broken),
      `verify caught it: ${v.caught ? 'yes' : 'NO'}; trace shows ${out.injected.pod} on the wrong NIC: ${v.wrongNicShown ? 'yes' : 'NO'}`
      + (v.wireWrongNic === null ? '' : `; the wire shows its packets on the wrong NIC: ${v.wireWrongNic ? 'yes' : 'NO'}`));
    for (const e of v.wireEvidence.slice(0, 4)) parts.push(`  ${e}`);
  }
  const t = out.timings;
  parts.push('', `timings: ${Object.entries(t).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}`);
  return parts.join('\n') + '\n';
}

const demo: Command = {
  name: 'demo',
  summary: 'the whole feature on a real OVN lab: steering table, verify, trace and the dashboard',
  usage: `Usage: mvtep demo [--no-ui] [--nodes N] [--keep] [--break CHECK] [--listen HOST:PORT]
                  [--seed FILE] [--datapath dummy|netdev] [--json]
       mvtep demo --ic [--no-ui] [--keep] [--listen HOST:PORT] [--seed FILE] [--json]

Runs the seed's user story on a real OVN on this machine (docs/demo.md):
a lab of N nodes x 3 SR-IOV NICs (management, streaming, storage), the
underlay applied from node specs, the node agent on every chassis, pods on
VFs of each NIC (the agent sets their encap-ip), then verify and trace,
confirmed against ofproto/trace and the kernel's 'ip route get', printed as a
steering table; then the dashboard on ${DEFAULT_LISTEN.host} until Ctrl-C, and full
teardown (also on failure and Ctrl-C). Installs the OVN runtime when missing.

With --datapath netdev (the default when release 26.03, tcpdump and ping are
installed) br-int runs OVS's userspace datapath and packets really move:
every cross-node pod pair pings while tcpdump captures on every PF, and the
CONFIRMED column says 'wire' for a path whose packets left on the source
pod's NIC with its VTEP as outer source and arrived on the destination pod's
NIC addressed to its VTEP, else what the wire showed. --datapath dummy (the
default on 25.03) confirms with ofproto/trace and 'ip route get' only.

With --ic, the same NICs in OVN interconnect mode, as OVN-Kubernetes runs
(examples/seed-ic.yaml: a zone per node, the real ovn-ic, an L2 stretched
switch and the routed L3 network): every cross-zone pod pair is traced with
ofproto/trace before steering (upstream targets an arbitrary VTEP of the
destination node; verify --zones says so), then 'mvtep ic steer' runs as a
controller and every pair is traced again, on its own NIC at both ends. The
dashboard is then 'mvtep ui --zones' on the lab.

Options:
  --ic             the interconnect demo (see above)
  --no-ui          print and exit instead of serving the dashboard
  --nodes N        chassis (${MIN_NODES}-${MAX_NODES}, default 3)
  --keep           leave the lab running (remove it with 'mvtep lab down');
                   the agents run in this process and stop with it
  --break CHECK    after setup, inject one misconfiguration and show verify
                   catching it and trace sending the pod out of the wrong NIC:
                   ${BREAK_CHECKS.join(', ')}
  --listen H:P     dashboard address (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}); a
                   non-loopback address is served only when given here
  --seed FILE      scenario to start from (default examples/seed.yaml)
  --datapath D     dummy or netdev (default: the seed's datapath: if it has
                   one, else netdev when release 26.03 is installed, else dummy)
  --json           print the outcome (views, wire, verdict, timings) as JSON

Exit status: with --ic, 0 when the problem was shown before steering and
every cross-zone path is on its own VTEPs after, 1 otherwise. Without --break, 0 when every path is confirmed on its own NIC
(netdev: and seen so on the wire) and verify has no error, 1 otherwise; with --break, 0 when verify caught the
injected check and trace (netdev: and the wire) showed the wrong NIC, 1 when not. 2 bad usage,
130 interrupted during setup.

Examples:
  mvtep demo
  mvtep demo --no-ui --datapath netdev --break rule-missing --json
  mvtep demo --ic --no-ui`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      'no-ui': { type: 'boolean' }, nodes: { type: 'string' }, keep: { type: 'boolean' }, break: { type: 'string' },
      listen: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, ic: { type: 'boolean' }, datapath: { type: 'string' },
    });
    if (values.ic) {
      for (const k of ['nodes', 'break', 'datapath'] as const) if (values[k] !== undefined) throw new UsageError(`--ic runs the interconnect seed as it is: --${k} does not apply`, `--${k}`);
    }
    const datapathFlag = values.datapath === undefined ? undefined : DEMO_DATAPATHS.find((d) => d === values.datapath);
    if (values.datapath !== undefined && !datapathFlag) {
      throw new UsageError(`--datapath: '${values.datapath}' is not one of ${DEMO_DATAPATHS.join(', ')}`, values.datapath);
    }
    const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
    if (!/^\d+$/.test(values.nodes ?? '3') || nodes < MIN_NODES || nodes > MAX_NODES) {
      throw new UsageError(`--nodes: '${values.nodes}' is not a number from ${MIN_NODES} to ${MAX_NODES}`, values.nodes);
    }
    let breakCheck;
    try {
      breakCheck = values.break === undefined ? undefined : parseBreakCheck(values.break);
    } catch (err) {
      throw new UsageError((err as Error).message, values.break);
    }
    const listen = values.listen === undefined ? DEFAULT_LISTEN : parseListen(values.listen);
    const started = Date.now();
    const log = (line: string) => io.stderr.write(`demo [${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);

    const cacheDir = defaultCacheDir(io.env);
    let choice: DatapathChoice | undefined;
    let runtime: OvnRuntime | undefined;
    if (values.ic) {
      if (!await findRuntime({ env: io.env, cacheDir })) {
        log('OVN runtime missing: installing it into the project cache (once)');
        await installRuntime({ env: io.env, cacheDir, preferCache: false, log: (l) => log(`  runtime: ${l}`) });
      }
    } else {
      const seedFile = values.seed ?? SEED;
      const seed = await seedFileDatapath(seedFile);
      choice = await chooseDatapath({ ...(datapathFlag ? { flag: datapathFlag } : {}), ...(seed ? { seed } : {}), env: io.env, cacheDir });
      runtime = await demoRuntime(io, choice, cacheDir, log);
      log(`datapath ${choice.datapath}, OVN ${runtime.manifest.ovnVersion} / OVS ${runtime.manifest.ovsVersion} (${choice.why})`);
    }
    const signal = waitForSignal(['SIGINT', 'SIGTERM'], (sig) => log(`${sig} again: still tearing down, please wait`));
    let interrupted = false;
    void signal.promise.then((sig) => {
      interrupted = true;
      log(`${sig}: stopping`);
    });
    try {
      if (values.ic) {
        return await icDemo(io, { ui: !(values['no-ui'] ?? false), keep: values.keep ?? false, json: values.json ?? false,
          seed: values.seed ?? SEED_IC, listen, allowNonLoopback: values.listen !== undefined, log, stop: signal.promise });
      }
      const out = await runDemo({
        seedFile: values.seed ?? SEED,
        nodes,
        datapath: choice!.datapath,
        ...(runtime ? { runtime } : {}),
        keep: values.keep ?? false,
        ...(breakCheck ? { breakCheck } : {}),
        ui: !(values['no-ui'] ?? false),
        listen,
        allowNonLoopback: values.listen !== undefined,
        log,
        stop: signal.promise,
        // The table goes out before the dashboard starts, so it is visible while the UI runs.
        onReady: (view, wire) => {
          if (!values.json && !breakCheck) io.stdout.write(`\nSteering:\n${steeringText(view, wire)}`);
        },
      });
      if (values.json) {
        io.stdout.write(JSON.stringify({
          allConfirmed: out.allConfirmed, datapath: choice!.datapath, release: runtime?.release ?? null,
          timings: out.timings, injected: out.injected ?? null, verdict: out.verdict ?? null,
          healthy: out.healthy, broken: out.broken ?? null,
          wire: out.wire ? { healthy: out.wire.healthy, broken: out.wire.broken ?? null } : null, keptLab: out.keptLab ?? null,
        }, null, 2) + '\n');
      } else if (breakCheck) {
        io.stdout.write(report(out));
      } else {
        io.stdout.write(`\ntimings: ${Object.entries(out.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}\n`);
      }
      if (out.verdict) return out.verdict.caught && out.verdict.wrongNicShown && out.verdict.wireWrongNic !== false ? 0 : 1;
      return out.allConfirmed ? 0 : 1;
    } catch (err) {
      if (interrupted) {
        log('interrupted: everything the demo created was removed');
        return 130;
      }
      throw err;
    } finally {
      signal.cancel();
    }
  },
};

/**
 * The runtime of the chosen release, installed when missing; a netdev demo
 * on an OVS that cannot run it, or without tcpdump/ping, is refused before
 * anything starts.
 */
async function demoRuntime(io: CliIo, choice: DatapathChoice, cacheDir: string, log: (line: string) => void): Promise<OvnRuntime> {
  const release = choice.release ? { release: choice.release } : {};
  let runtime = await findRuntime({ env: io.env, cacheDir, ...release });
  if (!runtime) {
    log(`OVN runtime${choice.release ? ` ${choice.release}` : ''} missing: installing it into the project cache (once)`);
    runtime = await installRuntime({ env: io.env, cacheDir, preferCache: false, ...release, log: (l) => log(`  runtime: ${l}`) });
  }
  if (choice.datapath !== 'netdev') return runtime;
  if (!runsNetdev(runtime)) {
    throw new UsageError(`datapath netdev (${choice.why}) needs OVS >= ${NETDEV_MIN_OVS.join('.')}, but release ${runtime.release} has OVS `
      + `${runtime.manifest.ovsVersion || 'unknown'}: use release 26.03 (MVTEP_OVN_RELEASE=26.03) or --datapath dummy`,
    { key: 'datapath', release: runtime.release, ovsVersion: runtime.manifest.ovsVersion });
  }
  const missing = await missingWirePrograms(io.env);
  if (missing.length > 0) {
    throw new UsageError(`datapath netdev (${choice.why}) checks every path on the wire with ${missing.join(' and ')}, not found on PATH `
      + `(Debian packages tcpdump, iputils-ping), or use --datapath dummy`, missing);
  }
  return runtime;
}

interface IcDemoCliOptions {
  readonly ui: boolean;
  readonly keep: boolean;
  readonly json: boolean;
  readonly seed: string;
  readonly listen: ListenAddress;
  readonly allowNonLoopback: boolean;
  readonly log: (line: string) => void;
  readonly stop: Promise<unknown>;
}

async function icDemo(io: CliIo, o: IcDemoCliOptions): Promise<number> {
  const out = await runIcDemo({
    seedFile: o.seed, keep: o.keep, log: o.log, stop: o.stop,
    whileRunning: async (result, zones) => {
      if (!o.json) io.stdout.write(`\nCross-zone paths (ofproto/trace on each source chassis):\n${formatIcTable(result)}`);
      if (!o.ui) return;
      const hub = new ViewHub();
      const poller = await ZonesPoller.start({ zones, hub, log: o.log });
      try {
        const server = await startDashboardServer({ hub, listen: o.listen, allowNonLoopback: o.allowNonLoopback });
        o.log(`dashboard (ui --zones) on ${server.url} (Ctrl-C to stop and tear down)`);
        await o.stop;
        await server.close();
      } finally {
        poller.close();
      }
    },
  });
  if (o.json) io.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else io.stdout.write(`\ntimings: ${Object.entries(out.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}\n`);
  if (out.keptLab) o.log(`--keep: the lab is left running in ${out.keptLab}; zones file ${out.zonesFile}`);
  return out.problemShown && out.allConfirmed ? 0 : 1;
}

export const demoCommands: Command[] = [demo];
