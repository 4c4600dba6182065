import { resolve } from 'node:path';
import { writeFilesAtomically } from '../../util/atomicFiles.ts';
import type { CliIo, Command } from '../command.ts';
import { bounded, commandTimeout, parseCommandArgs, requireOption, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { loadNodeSpec, type NodeSpec } from '../../config/nodeSpec.ts';
import { resolveCompat } from '../../config/index.ts';
import {
  applyNodeSpec, describeChange, describeDrift, exportNetworkManager, exportNmstate, planNodeSpec,
  type Change, type Problem, type UnderlayRunOptions,
} from '../../node/underlay/index.ts';

const DEFAULT_OVSDB = 'unix:/run/openvswitch/db.sock';

const COMMON = {
  spec: { type: 'string' },
  ovsdb: { type: 'string' },
  netns: { type: 'string' },
  json: { type: 'boolean' },
  'fix-rp-filter': { type: 'boolean' },
  'allow-unreachable-gateway': { type: 'boolean' },
  timeout: { type: 'string' },
  compat: { type: 'string' },
  'appctl-target': { type: 'string' },
} as const;

const COMMON_HELP = `Options:
  --spec FILE        node spec YAML (required; format in docs/underlay.md)
  --ovsdb REMOTE     local Open_vSwitch database (default ${DEFAULT_OVSDB}, or $MVTEP_OVSDB)
  --netns NAME       network namespace holding the VTEP devices (default: the current one)
  --fix-rp-filter    where rp_filter is strict (1) on a VTEP device, plan setting it loose (2)
                     instead of refusing
  --allow-unreachable-gateway
                     accept a gateway outside the VTEP subnets (the kernel will refuse the
                     route; for exercising rollback)
  --compat C         ovn-kubernetes: an IPv6 VTEP in the PF mapping makes ovnkube-node fail
                     every SR-IOV pod add, so plan reports it as an error and apply refuses
                     it (unless --force); none: a warning. Default: ovn-kubernetes when the
                     node's external_ids show ovnkube-node, else none
  --appctl-target S  ovs-vswitchd's control socket (default: the one next to a unix: --ovsdb):
                     on a userspace-datapath node (OVS >= 3.7) apply waits until OVS's own
                     rule table (ovs/route/rule/show) holds every VTEP rule, else rolls back
${TIMEOUT_HELP}
  --json             machine-readable output`;

interface Loaded {
  spec: NodeSpec;
  run: UnderlayRunOptions;
  json: boolean;
  dryRun: boolean;
  timeoutMs: number;
}

async function load(argv: string[], io: CliIo, extra: Record<string, { type: 'boolean' }> = {}): Promise<Loaded> {
  const { values } = parseCommandArgs(argv, { ...COMMON, ...extra });
  const v = values as Record<string, string | boolean | undefined>;
  const file = resolve(io.cwd, requireOption(v['spec'] as string | undefined, 'spec'));
  const spec = await loadNodeSpec(file, { allowUnreachableGateway: v['allow-unreachable-gateway'] === true });
  const netns = v['netns'] as string | undefined;
  const compatText = v['compat'] as string | undefined;
  const compat = compatText === undefined ? undefined : resolveCompat(compatText, undefined);
  if (netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(netns)) throw new UsageError(`--netns: not a namespace name: ${JSON.stringify(netns)}`, netns);
  const timeoutMs = commandTimeout(v['timeout'] as string | undefined);
  return {
    spec,
    json: v['json'] === true,
    dryRun: v['dry-run'] === true,
    timeoutMs,
    run: {
      timeoutMs,
      ovsdb: (v['ovsdb'] as string | undefined) ?? io.env['MVTEP_OVSDB'] ?? DEFAULT_OVSDB,
      ...(netns !== undefined ? { netns } : {}),
      fixRpFilter: v['fix-rp-filter'] === true,
      ...(compat ? { compat } : {}),
      ...(v['force'] === true ? { force: true } : {}),
      ...(typeof v['appctl-target'] === 'string' ? { appctlTarget: v['appctl-target'] } : {}),
    },
  };
}

function problemLines(problems: readonly Problem[]): string[] {
  return problems.map((p) => `  ${p.severity}: ${p.subject}: ${p.message}`);
}

function jsonOut(io: CliIo, spec: NodeSpec, changes: readonly Change[], problems: readonly Problem[], extra: Record<string, unknown>): void {
  io.stdout.write(JSON.stringify({
    node: spec.node ?? null, spec: spec.source,
    changes: changes.map((c) => ({ ...c, description: describeChange(c) })),
    problems, ...extra,
  }) + '\n');
}

const blocking = (problems: readonly Problem[]) => problems.some((p) => p.severity === 'error');

const plan: Command = {
  name: 'node plan',
  summary: 'show exactly what `node apply` would change (OVS, addresses, rules, routes)',
  usage: `Usage: mvtep node plan --spec FILE [--ovsdb REMOTE] [--netns NAME] [--fix-rp-filter]
                       [--compat C] [--timeout SECONDS] [--json]

Reads the node (OVS database, links, rules, routes, rp_filter) and prints the
changes apply would make, in order, and what the pre-apply checks found.
Changes nothing. Exit 0, or 1 when a check would block apply.

${COMMON_HELP}

Examples:
  mvtep node plan --spec examples/node-hv1.yaml
  mvtep node plan --spec /etc/mvtep/node.yaml --ovsdb unix:/run/openvswitch/db.sock --json
  mvtep node plan --spec examples/node-dualstack.yaml --netns node1 --compat none`,
  async run(argv, io) {
    const l = await load(argv, io);
    const p = await bounded(planNodeSpec(l.spec, l.run), l.timeoutMs, `node plan via ${String(l.run.ovsdb)}`);
    if (l.json) jsonOut(io, l.spec, p.changes, p.problems, { blocked: blocking(p.problems) });
    else {
      const head = p.changes.length === 0 ? `node ${l.spec.node ?? ''} matches ${l.spec.source}: nothing to change`
        : `node ${l.spec.node ?? ''}: apply would make ${p.changes.length} change(s):`;
      io.stdout.write([head, ...p.changes.map((c) => `  + ${describeChange(c)}`), ...problemLines(p.problems), ''].join('\n'));
    }
    return blocking(p.problems) ? 1 : 0;
  },
};

const diff: Command = {
  name: 'node diff',
  summary: 'show drift between a node spec and the node',
  usage: `Usage: mvtep node diff --spec FILE [--ovsdb REMOTE] [--netns NAME] [--timeout SECONDS] [--json]

Lists what differs: missing bridges, ports, addresses, rules and routes,
values that changed, and stale rules/routes carrying mvtep's protocol mark.
Exit 0 when the node matches the spec, 1 when it drifted.

${COMMON_HELP}

Exit status (docs/cli.md): 0 in sync, 1 drift, 2 bad usage or spec, 3 OVSDB unreachable.

Examples:
  mvtep node diff --spec examples/node-hv1.yaml
  mvtep node diff --spec /etc/mvtep/node.yaml --json
  mvtep node diff --spec examples/node-hv1.yaml --netns node1 --timeout 5`,
  async run(argv, io) {
    const l = await load(argv, io);
    const p = await bounded(planNodeSpec(l.spec, l.run), l.timeoutMs, `node diff via ${String(l.run.ovsdb)}`);
    if (l.json) jsonOut(io, l.spec, p.changes, p.problems, { inSync: p.changes.length === 0 });
    else {
      const head = p.changes.length === 0 ? `in sync with ${l.spec.source}` : `${p.changes.length} difference(s) from ${l.spec.source}:`;
      io.stdout.write([head, ...p.changes.map((c) => `  ~ ${describeDrift(c)}`), ...problemLines(p.problems), ''].join('\n'));
    }
    return p.changes.length === 0 ? 0 : 1;
  },
};

const apply: Command = {
  name: 'node apply',
  summary: 'configure VTEP ports, OVS keys and source-based routing from a node spec',
  usage: `Usage: mvtep node apply --spec FILE [--ovsdb REMOTE] [--netns NAME] [--dry-run] [--fix-rp-filter]
                        [--compat C] [--force] [--timeout SECONDS] [--json]

Brings the node to the spec: PF bridges, VLAN-tagged internal VTEP ports and
the Open_vSwitch external_ids (single-key mutates), then each VTEP's address,
MTU and link state, its ip rule and its routing table. Idempotent: a second
apply changes nothing and says so. When a step fails, every applied step is
undone in reverse order and the node is left as it was. Only rules and routes
carrying mvtep's protocol mark (157) are ever removed.

  --dry-run          print the changes without making them
  --force            write what the --compat reader cannot parse (an IPv6 PF mapping
                     next to ovnkube-node) instead of refusing

${COMMON_HELP}

--timeout bounds each OVSDB request; a running apply is never cut short (it
finishes or rolls back).

Examples:
  mvtep node apply --spec examples/node-hv1.yaml --dry-run
  mvtep node apply --spec /etc/mvtep/node.yaml --ovsdb unix:/run/openvswitch/db.sock
  mvtep node apply --spec examples/node-dualstack.yaml --netns node1 --force --json`,
  async run(argv, io) {
    const l = await load(argv, io, { 'dry-run': { type: 'boolean' }, force: { type: 'boolean' } });
    const out = await applyNodeSpec(l.spec, {
      ...l.run, dryRun: l.dryRun,
      ...(l.json ? {} : { log: (line: string) => io.stderr.write(`${l.dryRun ? 'would: ' : ''}${line}\n`) }),
    });
    if (l.json) jsonOut(io, l.spec, out.changes, out.problems, { applied: !l.dryRun && !out.noop, dryRun: l.dryRun, noop: out.noop, ...(out.ovsImported ? { ovsImported: out.ovsImported } : {}) });
    else {
      const lines = out.noop ? [`node ${l.spec.node ?? ''} already matches ${l.spec.source}: nothing changed`]
        : l.dryRun ? [`dry run: apply would make ${out.changes.length} change(s):`, ...out.changes.map((c) => `  + ${describeChange(c)}`)]
          : [`applied ${out.changes.length} change(s) from ${l.spec.source}`];
      const imported = out.ovsImported ? [`OVS routes the tunnels (userspace datapath) and imported every VTEP rule: ${out.ovsImported.join('; ')}`] : [];
      io.stdout.write([...lines, ...imported, ...problemLines(out.problems), ''].join('\n'));
    }
    return 0;
  },
};

const exportCmd: Command = {
  name: 'node export',
  summary: 'write a node spec as nmstate YAML or NetworkManager keyfiles',
  usage: `Usage: mvtep node export --spec FILE --format nmstate|networkmanager [--out DIR]

For hosts whose network is managed by nmstate or NetworkManager: the same
bridges, VLAN-tagged VTEP ports, addresses, routing rules and per-table routes.
The Open_vSwitch external_ids (ovn-encap-ip, ...) are in the nmstate file's
ovs-db section; NetworkManager cannot set them (use mvtep node apply).
Without --out the files are printed; with --out they are written there
(keyfiles mode 0600, as NetworkManager requires), all or nothing: every
target is checked first and written through temp files; on any failure no
file is left behind and existing ones are kept.

  --spec FILE        node spec YAML (required; format in docs/underlay.md)
  --format F         nmstate (one YAML file) or networkmanager (keyfiles)
  --out DIR          write the files into DIR instead of printing them
  --allow-unreachable-gateway
                     accept a gateway outside the VTEP subnets (as plan/apply do)

Examples:
  mvtep node export --spec examples/node-hv1.yaml --format nmstate
  mvtep node export --spec examples/node-hv1.yaml --format networkmanager --out /etc/NetworkManager/system-connections
  mvtep node export --spec /etc/mvtep/node.yaml --format nmstate --out /tmp/nmstate`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      spec: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'allow-unreachable-gateway': { type: 'boolean' },
    });
    const spec = await loadNodeSpec(resolve(io.cwd, requireOption(values.spec, 'spec')), { allowUnreachableGateway: values['allow-unreachable-gateway'] ?? false });
    const format = requireOption(values.format, 'format');
    if (format !== 'nmstate' && format !== 'networkmanager') throw new UsageError(`--format: ${JSON.stringify(format)} is not nmstate or networkmanager`, format);
    const files = format === 'nmstate' ? exportNmstate(spec) : exportNetworkManager(spec);
    if (values.out === undefined) {
      io.stdout.write(files.length === 1 ? files[0]!.content
        : files.map((f) => `# ==== ${f.name} ====\n${f.content}`).join('\n'));
      return 0;
    }
    const dir = resolve(io.cwd, values.out);
    await writeFilesAtomically(dir, files);
    io.stdout.write(`wrote ${files.length} file(s) to ${dir}: ${files.map((f) => f.name).join(', ')}\n`);
    return 0;
  },
};

export const nodeCommands: Command[] = [plan, diff, apply, exportCmd];
