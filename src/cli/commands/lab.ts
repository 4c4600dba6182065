import { isAbsolute, join } from 'node:path';
import type { CliIo, Command } from '../command.ts';
import { parseCommandArgs, releaseOption, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { requireRuntime } from '../../lab/runtime.ts';
import {
  attachLab, defaultLabRoot, downLab, listLabs, loadScenario, startLab, type LabState, type LabStatus,
} from '../../lab/index.ts';

function formatStatus(s: LabStatus): string {
  const lines = [
    `lab ${s.name} (id ${s.id}): ${s.phase}${s.upMs !== undefined ? `, came up in ${(s.upMs / 1000).toFixed(1)}s` : ''}`,
    `  work dir  ${s.workDir}`,
    `  NB        ${s.nb ?? '-'}`,
    `  SB        ${s.sb ?? '-'}`,
    `  fabric    netns ${s.fabric?.netns ?? '-'}, bridge ${s.fabric?.bridge ?? '-'}, gateway ${s.fabric?.gateway ?? '-'}${s.fabric?.vlan ? `, vlan ${s.fabric.vlan}` : ''}`,
    `  daemons   ${s.daemons.filter((d) => d.alive).length}/${s.daemons.length} running`,
  ];
  if (s.zones.length > 0) lines.push(`  zones     ${s.zones.length} (interconnect; zones file ${s.zonesFile ?? '-'})`);
  for (const z of s.zones) lines.push(`  zone ${z.name}: chassis ${z.chassis}, NB ${z.nb}, SB ${z.sb}`);
  for (const c of s.chassis) {
    lines.push(`  chassis ${c.name}: netns ${c.netns}, PFs ${c.pfs.join(',')}, encap ${c.ovnEncapIps.join(',') || '(not set)'}, `
      + `${c.sbRegistered ? 'registered' : 'not registered'}, ${c.tunnels} tunnels`);
    lines.push(`    ovsdb ${c.ovsdbRemote}  vswitchd ${c.vswitchdCtl}  sysfs ${c.sysfsRoot}`);
  }
  for (const p of s.pods) {
    lines.push(`  pod ${p.name}: ${p.chassis}/${p.representor} ${p.ip} ${p.bound ? (p.up ? 'bound, up' : 'bound, down') : 'unbound'}`
      + `${p.encapIp ? `, encap ${p.encapIp}` : ''}`);
  }
  lines.push(s.pending.length === 0 ? '  ready' : `  pending: ${s.pending.join('; ')}`);
  return lines.join('\n') + '\n';
}

const rootOption = { dir: { type: 'string' }, name: { type: 'string' } } as const;

const up: Command = {
  name: 'lab up',
  summary: 'start a multi-chassis OVN lab from a scenario file',
  usage: `Usage: mvtep lab up --scenario FILE [--name NAME] [--dir ROOT] [--release R] [--hold] [--json]

Starts a real OVN on this machine as the scenario (YAML, see docs/lab.md)
describes: NB/SB ovsdb-server and ovn-northd; per chassis its own netns,
ovsdb-server, ovs-vswitchd (dummy br-int), ovn-controller and fixture sysfs;
the fabric netns; logical switches and pods. Returns when every chassis is
registered, tunnels exist and pods are bound; the daemons keep running.

  --scenario FILE  the scenario (required)
  --name NAME      lab name (default: the scenario's name); work dir ROOT/NAME
  --dir ROOT       lab root (default: $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab)
  --hold           stay in the foreground; Ctrl-C (or SIGTERM) tears the lab down
  --release R      OVN release to run (25.03, 26.03; default $MVTEP_OVN_RELEASE, else 25.03)
  --json           print the status as JSON

Ctrl-C during start removes everything started so far. Stop with 'mvtep lab down'.

Examples:
  mvtep lab up --scenario examples/seed.yaml
  mvtep lab up --scenario examples/two-node.yaml --name t1 --release 26.03 --json
  mvtep lab up --scenario examples/seed-ic.yaml --hold`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      scenario: { type: 'string' }, json: { type: 'boolean' }, hold: { type: 'boolean' }, release: { type: 'string' }, ...rootOption,
    });
    const release = releaseOption(values.release);
    const file = requireOption(values.scenario, 'scenario');
    const scenario = await loadScenario(isAbsolute(file) ? file : join(io.cwd, file));
    const runtime = await requireRuntime({ env: io.env, ...(release ? { release } : {}) });
    const root = values.dir ?? defaultLabRoot(io.env);
    const name = values.name ?? scenario.name;
    const lab = await startLab(scenario, {
      runtime, workDir: join(root, name), detached: !values.hold,
      log: values.json ? undefined : (l) => io.stderr.write(`lab: ${l}\n`),
    });
    const status = await lab.status();
    io.stdout.write(values.json ? JSON.stringify(status) + '\n' : formatStatus(status));
    if (!values.hold) return 0;
    io.stderr.write('lab: holding; press Ctrl-C to tear down\n');
    await new Promise<void>((resolve) => {
      // Signal listeners alone do not keep Node's event loop alive.
      const keepAlive = setInterval(() => {}, 1 << 30);
      const stop = () => {
        clearInterval(keepAlive);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await lab.down();
    io.stderr.write(`lab: ${lab.name} torn down\n`);
    return 0;
  },
};

async function pickLabs(io: CliIo, values: { dir?: string; name?: string; all?: boolean }, forDown: boolean): Promise<LabState[]> {
  const root = values.dir ?? defaultLabRoot(io.env);
  const all = await listLabs(root);
  if (values.name) return all.filter((s) => s.workDir === join(root, values.name!) || s.name === values.name);
  // Without --name or --all, `down` only considers labs started by `lab up`
  // (labs that tests started through the library are left alone).
  return forDown && !values.all ? all.filter((s) => s.detached) : all;
}

/** What `status` and `exec` say when no lab matches. */
function noLab(io: CliIo, values: { dir?: string; name?: string }): string {
  return `no lab${values.name ? ` named ${values.name}` : ''} under ${values.dir ?? defaultLabRoot(io.env)}\n`;
}

const status: Command = {
  name: 'lab status',
  summary: 'show running labs: chassis, tunnels, bindings, sockets',
  usage: `Usage: mvtep lab status [--name NAME] [--dir ROOT] [--json]

Prints every lab under ROOT (or the named one). Exit 0 when at least one lab
was found and all shown are up with nothing pending, 1 otherwise.

  --name NAME      only this lab
  --dir ROOT       lab root (default: $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab)
  --json           print the status as JSON

Examples:
  mvtep lab status
  mvtep lab status --name seed --json
  mvtep lab status --dir /tmp/labs`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...rootOption });
    const states = await pickLabs(io, values, false);
    if (states.length === 0) {
      if (values.json) io.stdout.write('[]\n');
      else io.stdout.write(noLab(io, values));
      return 1;
    }
    const out: LabStatus[] = [];
    // Each lab with the tools of the release it runs.
    for (const s of states) out.push(await (await attachLab(s.workDir, { env: io.env })).status());
    io.stdout.write(values.json ? JSON.stringify(out) + '\n' : out.map(formatStatus).join('\n'));
    return out.every((s) => s.phase === 'up' && s.pending.length === 0) ? 0 : 1;
  },
};

const down: Command = {
  name: 'lab down',
  summary: 'stop a lab and remove its processes, netns and files',
  usage: `Usage: mvtep lab down [--name NAME] [--dir ROOT] [--all]

Stops the lab started by 'mvtep lab up' (by the PIDs in its state file),
deletes its network namespaces and its work dir. Without --name there must be
exactly one such lab; --all stops every lab under ROOT (also ones started
through the library or with --hold). Safe to run twice: no lab is not an error.

  --name NAME      the lab to stop (needed when several run)
  --dir ROOT       lab root (default: $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab)
  --all            stop every lab under ROOT

Examples:
  mvtep lab down
  mvtep lab down --name seed
  mvtep lab down --dir /tmp/labs --all`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { all: { type: 'boolean' }, ...rootOption });
    const states = await pickLabs(io, values, true);
    if (states.length === 0) {
      io.stdout.write(`no lab${values.name ? ` named ${values.name}` : ''} running\n`);
      return 0;
    }
    if (states.length > 1 && !values.all && !values.name) {
      throw new UsageError(`several labs are running (${states.map((s) => s.name).join(', ')}): give --name or --all`);
    }
    for (const s of states) {
      await downLab(s.workDir);
      io.stdout.write(`lab ${s.name} down\n`);
    }
    return 0;
  },
};

const exec: Command = {
  name: 'lab exec',
  summary: "run a command in a pod's network namespace (datapath: netdev labs)",
  usage: `Usage: mvtep lab exec [--name NAME] [--dir ROOT] POD -- COMMAND [ARG...]

Runs COMMAND (as an argument list, no shell) in pod POD's network namespace
of a running lab: its eth0 carries the pod's MAC and IP, and its packets
cross the lab's br-int, tunnels and fabric. Output is passed through as it
comes, stdin too; the exit status is COMMAND's (128+N when killed by
signal N). Ctrl-C or SIGTERM is passed on to COMMAND.

Pods have a network namespace only with 'datapath: netdev' in the scenario
(OVS >= 3.7, release 26.03; docs/lab.md). Exit 2 for an unknown pod (the
known pods are listed) or a pod of a dummy-datapath lab; no running lab
is exit 1, as for 'mvtep lab status'.

  --name NAME      the lab (needed when several run)
  --dir ROOT       lab root (default: $MVTEP_LAB_DIR or <tmpdir>/mvtep-lab)

Examples:
  mvtep lab exec stream-1 -- ping -c 3 203.0.113.72
  mvtep lab exec --name seed-netdev stream-2 -- ip -br addr
  mvtep lab exec stream-1 -- tcpdump -n -e -i eth0 icmp`,
  async run(argv, io) {
    // Everything after the first `--` is the command's, options included.
    const cut = argv.indexOf('--');
    const own = cut < 0 ? argv : argv.slice(0, cut);
    const command = cut < 0 ? [] : argv.slice(cut + 1);
    const { values, positionals } = parseCommandArgs(own, rootOption, true);
    const [pod, ...extra] = positionals;
    if (pod === undefined) throw new UsageError('the pod is required: mvtep lab exec POD -- COMMAND');
    if (extra.length > 0 || command.length === 0) {
      throw new UsageError(`the command goes after '--': mvtep lab exec ${pod} -- COMMAND${extra.length > 0 ? ` (got '${extra.join(' ')}' before it)` : ''}`);
    }
    const states = await pickLabs(io, values, false);
    if (states.length === 0) {
      io.stderr.write(noLab(io, values));
      return 1;
    }
    if (states.length > 1) throw new UsageError(`several labs are running (${states.map((s) => s.name).join(', ')}): give --name`);
    const lab = await attachLab(states[0]!.workDir, { env: io.env });
    const handle = lab.pods[pod];
    if (!handle) throw new UsageError(`lab ${lab.name} has no pod '${pod}' (pods: ${Object.keys(lab.pods).join(', ') || 'none'})`, pod);
    if (!handle.netns) {
      throw new UsageError(`pod ${pod} has no network namespace: pods have a network namespace only with datapath: netdev `
        + `(lab ${lab.name} runs datapath: ${lab.scenario?.datapath ?? 'dummy'})`, pod);
    }
    // Only the real terminal's stdin is worth giving; in-process callers (tests) have none.
    return lab.execPassthrough(pod, command, { stdout: io.stdout, stderr: io.stderr, inheritStdin: io.stdout === process.stdout });
  },
};

export const labCommands: Command[] = [up, status, down, exec];
