import type { Command } from '../command.ts';
import { bounded, commandTimeout, parseCommandArgs, requireOption, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import type { AttachInput, AttachResult, DetachInput, DetachResult, NodeAttacher } from '../../node/attach.ts';

function parseExtraIds(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--external-id takes KEY=VALUE, not '${kv}'`, kv);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

const ATTACH_OPTIONS = {
  ovsdb: { type: 'string' }, agent: { type: 'string' }, sysfs: { type: 'string' }, iface: { type: 'string' }, 'iface-id': { type: 'string' },
  device: { type: 'string' }, bridge: { type: 'string' }, mac: { type: 'string' }, 'iface-id-ver': { type: 'string' },
  'external-id': { type: 'string', multiple: true }, wait: { type: 'boolean' }, timeout: { type: 'string' },
  type: { type: 'string' }, json: { type: 'boolean' },
} as const;

/** --ovsdb REMOTE (direct) or --agent SOCKET (the agent's group commit): exactly one. */
function target(values: { ovsdb?: string | undefined; agent?: string | undefined; sysfs?: string | undefined }): { remote: string } | { socket: string } {
  if (values.ovsdb !== undefined && values.agent !== undefined) throw new UsageError('give --ovsdb or --agent, not both', values.agent);
  if (values.agent !== undefined) {
    if (values.sysfs !== undefined) throw new UsageError('--sysfs is the agent\'s own (mvtep agent --sysfs) with --agent', values.sysfs);
    return { socket: values.agent };
  }
  return { remote: requireOption(values.ovsdb, 'ovsdb') };
}

/** One session for one CNI step: opened, used once, closed (also when the step fails). */
async function withAttacher<T>(opts: Parameters<typeof NodeAttacher.open>[0], use: (a: NodeAttacher) => Promise<T>): Promise<T> {
  // Loaded here: `--agent` never needs the OVSDB client, and a CNI step pays for what it loads.
  const { NodeAttacher } = await import('../../node/attach.ts');
  const a = await NodeAttacher.open(opts);
  try {
    return await use(a);
  } finally {
    a.close();
  }
}

const attach: Command = {
  name: 'attach',
  summary: 'plug a VF/SF representor into br-int with iface-id and its PF\'s encap-ip (CNI ADD)',
  usage: `Usage: mvtep attach (--ovsdb REMOTE [--sysfs DIR] | --agent SOCKET) --iface REP --iface-id LPORT [--device ID]
                    [--bridge br-int] [--mac MAC] [--iface-id-ver VER]
                    [--external-id KEY=VALUE]... [--type TYPE] [--wait] [--timeout SECONDS] [--json]

One transaction adds Port and Interface REP to the bridge with
external_ids iface-id, iface-status=active, attached-mac (with --mac) and
encap-ip = the VTEP that ovn-pf-encap-ip-mapping gives the representor's PF.
Refuses (nothing written) when that IP is not in ovn-encap-ip, when the PF's
mapping entry is malformed, or when the device is not REP's VF. A PF that is
not mapped is attached without encap-ip (warning). Idempotent.

With --agent the request goes to a running \`mvtep agent --attach-socket\`,
which writes it together with the other requests that arrive meanwhile in
one transaction (one ovs-vswitchd reconfiguration for all); the options,
results, errors and exit codes are those of the direct attach.

  --ovsdb REMOTE       the node's Open_vSwitch database (unix:/run/openvswitch/db.sock)
  --agent SOCKET       send the request to the agent's attach socket instead
  --iface REP          the representor netdev to plug (the Interface and Port name)
  --iface-id LPORT     the OVN logical switch port (external_ids:iface-id)
  --sysfs DIR          sysfs root for representor -> PF resolution (default /sys)
  --device ID          VF PCI address or SF auxiliary device (the CNI device id);
                       default: resolved from the representor
  --bridge NAME        integration bridge (default br-int)
  --mac MAC            the pod's MAC, written as external_ids:attached-mac
  --iface-id-ver VER   external_ids:iface-id-ver (ovn-controller claims only a matching version)
  --external-id K=V    one more external_ids key; repeatable
  --type TYPE          Interface type of a new port (default: system; 'internal' in labs)
  --wait               return once ovs-vswitchd has applied it (like ovs-vsctl --wait)
${TIMEOUT_HELP}
  --json               print the result as one JSON object

Examples:
  mvtep attach --ovsdb unix:/run/openvswitch/db.sock --iface enp1s0f0_3 --iface-id default_web-0
  mvtep attach --ovsdb unix:/run/openvswitch/db.sock --iface enp1s0f0_3 --iface-id default_web-0 \\
               --device 0000:03:00.4 --mac 0a:58:c0:00:02:05 --wait --timeout 5
  mvtep attach --agent /run/mvtep/attach.sock --iface enp1s0f0_3 --iface-id default_web-0 --wait`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, ATTACH_OPTIONS);
    const to = target(values);
    const iface = requireOption(values.iface, 'iface');
    const ifaceId = requireOption(values['iface-id'], 'iface-id');
    if (values.mac !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(values.mac)) throw new UsageError(`--mac '${values.mac}' is not a MAC address`, values.mac);
    const timeoutMs = commandTimeout(values.timeout);
    const input: AttachInput = {
      iface, ifaceId, extraIds: parseExtraIds(values['external-id']), wait: values.wait ?? false, timeoutMs,
      ...(values.device === undefined ? {} : { device: values.device }),
      ...(values.type === undefined ? {} : { ifaceType: values.type }),
      ...(values.mac === undefined ? {} : { attachedMac: values.mac }),
      ...(values['iface-id-ver'] === undefined ? {} : { ifaceIdVer: values['iface-id-ver'] }),
    };
    let r: AttachResult;
    if ('socket' in to) {
      const { attachViaAgent } = await import('../../node/attachClient.ts');
      r = await attachViaAgent(to.socket, values.bridge === undefined ? input : { ...input, bridge: values.bridge }, timeoutMs);
    } else {
      r = await bounded(withAttacher({ ovsdb: to.remote, sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int', timeoutMs },
        (a) => a.attach(input)), timeoutMs, `attach ${iface} via ${to.remote}`);
    }
    if (values.json) io.stdout.write(JSON.stringify(r) + '\n');
    else {
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
      io.stdout.write(`${r.action}: ${r.iface} iface-id=${r.ifaceId} on ${r.bridge} (PF ${r.pf ?? '?'}, encap-ip ${r.encapIp ?? 'none'})\n`);
    }
    return 0;
  },
};

const detach: Command = {
  name: 'detach',
  summary: 'remove a representor\'s port from br-int (CNI DEL)',
  usage: `Usage: mvtep detach (--ovsdb REMOTE | --agent SOCKET) (--iface REP | --iface-id LPORT) [--bridge br-int]
                    [--wait] [--timeout SECONDS] [--json]

Removes the port from the bridge (OVS drops its Port and Interface rows).
Detaching a port that is not there succeeds ("absent"). With --agent, the
agent's attach socket writes it (group commit, as for attach).

  --ovsdb REMOTE       the node's Open_vSwitch database (unix:/run/openvswitch/db.sock)
  --agent SOCKET       send the request to the agent's attach socket instead
  --iface REP          the representor whose port to remove
  --iface-id LPORT     or: the port whose Interface has this external_ids:iface-id
  --bridge NAME        integration bridge (default br-int)
  --wait               return once ovs-vswitchd has applied it (like ovs-vsctl --wait)
${TIMEOUT_HELP}
  --json               print the result as one JSON object

Examples:
  mvtep detach --ovsdb unix:/run/openvswitch/db.sock --iface enp1s0f0_3
  mvtep detach --ovsdb unix:/run/openvswitch/db.sock --iface-id default_web-0 --wait --timeout 5
  mvtep detach --ovsdb tcp:127.0.0.1:6640 --iface rep0 --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, agent: { type: 'string' }, iface: { type: 'string' }, 'iface-id': { type: 'string' }, bridge: { type: 'string' },
      wait: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' },
    });
    const to = target(values);
    if (values.iface === undefined && values['iface-id'] === undefined) throw new UsageError('give --iface or --iface-id');
    const timeoutMs = commandTimeout(values.timeout);
    const by: DetachInput = {
      wait: values.wait ?? false, timeoutMs,
      ...(values.iface === undefined ? {} : { iface: values.iface }),
      ...(values['iface-id'] === undefined ? {} : { ifaceId: values['iface-id'] }),
    };
    let r: DetachResult;
    if ('socket' in to) {
      const { detachViaAgent } = await import('../../node/attachClient.ts');
      r = await detachViaAgent(to.socket, values.bridge === undefined ? by : { ...by, bridge: values.bridge }, timeoutMs);
    } else {
      r = await bounded(withAttacher({ ovsdb: to.remote, bridge: values.bridge ?? 'br-int', timeoutMs }, (a) => a.detach(by)), timeoutMs, `detach via ${to.remote}`);
    }
    io.stdout.write(values.json ? JSON.stringify(r) + '\n' : `${r.action}${r.iface ? `: ${r.iface}` : ''}\n`);
    return 0;
  },
};

export const attachCommands: Command[] = [attach, detach];
