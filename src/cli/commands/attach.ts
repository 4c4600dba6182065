import type { Command } from '../command.ts';
import { parseCommandArgs, parseSeconds, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { NodeAttacher } from '../../node/attach.ts';

function parseExtraIds(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--external-id takes KEY=VALUE, not '${kv}'`, kv);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

const attach: Command = {
  name: 'attach',
  summary: 'plug a VF/SF representor into br-int with iface-id and its PF\'s encap-ip (CNI ADD)',
  usage: `Usage: mvtep attach --ovsdb REMOTE --iface REP --iface-id LPORT [--sysfs DIR] [--device ID]
                    [--bridge br-int] [--mac MAC] [--iface-id-ver VER]
                    [--external-id KEY=VALUE]... [--type TYPE] [--wait] [--timeout SECONDS] [--json]

One transaction adds Port and Interface REP to the bridge with
external_ids iface-id, iface-status=active, attached-mac (with --mac) and
encap-ip = the VTEP that ovn-pf-encap-ip-mapping gives the representor's PF.
Refuses (nothing written) when that IP is not in ovn-encap-ip, when the PF's
mapping entry is malformed, or when the device is not REP's VF. A PF that is
not mapped is attached without encap-ip (warning). Idempotent.

  --device ID   VF PCI address or SF auxiliary device (the CNI device id);
                default: resolved from the representor
  --sysfs DIR   sysfs root (default /sys)
  --type TYPE   Interface type of a new port (default: system; 'internal' in labs)
  --wait        return once ovs-vswitchd has applied it (like ovs-vsctl --wait)`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, sysfs: { type: 'string' }, iface: { type: 'string' }, 'iface-id': { type: 'string' },
      device: { type: 'string' }, bridge: { type: 'string' }, mac: { type: 'string' }, 'iface-id-ver': { type: 'string' },
      'external-id': { type: 'string', multiple: true }, wait: { type: 'boolean' }, timeout: { type: 'string' },
      type: { type: 'string' }, json: { type: 'boolean' },
    });
    const remote = requireOption(values.ovsdb, 'ovsdb');
    const iface = requireOption(values.iface, 'iface');
    const ifaceId = requireOption(values['iface-id'], 'iface-id');
    if (values.mac !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(values.mac)) throw new UsageError(`--mac '${values.mac}' is not a MAC address`, values.mac);
    const timeoutMs = parseSeconds(values.timeout);
    const extraIds = parseExtraIds(values['external-id']);
    const a = await NodeAttacher.open({ ovsdb: remote, sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int' });
    try {
      const r = await a.attach({
        iface, ifaceId, extraIds, wait: values.wait ?? false,
        ...(values.device === undefined ? {} : { device: values.device }),
        ...(values.type === undefined ? {} : { ifaceType: values.type }),
        ...(values.mac === undefined ? {} : { attachedMac: values.mac }),
        ...(values['iface-id-ver'] === undefined ? {} : { ifaceIdVer: values['iface-id-ver'] }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      if (values.json) io.stdout.write(JSON.stringify(r) + '\n');
      else {
        for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
        io.stdout.write(`${r.action}: ${r.iface} iface-id=${r.ifaceId} on ${r.bridge} (PF ${r.pf ?? '?'}, encap-ip ${r.encapIp ?? 'none'})\n`);
      }
      return 0;
    } finally {
      a.close();
    }
  },
};

const detach: Command = {
  name: 'detach',
  summary: 'remove a representor\'s port from br-int (CNI DEL)',
  usage: `Usage: mvtep detach --ovsdb REMOTE (--iface REP | --iface-id LPORT) [--bridge br-int]
                    [--wait] [--timeout SECONDS] [--json]

Removes the port from the bridge (OVS drops its Port and Interface rows).
Detaching a port that is not there succeeds ("absent").`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, iface: { type: 'string' }, 'iface-id': { type: 'string' }, bridge: { type: 'string' },
      wait: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' },
    });
    const remote = requireOption(values.ovsdb, 'ovsdb');
    if (values.iface === undefined && values['iface-id'] === undefined) throw new UsageError('give --iface or --iface-id');
    const timeoutMs = parseSeconds(values.timeout);
    const a = await NodeAttacher.open({ ovsdb: remote, bridge: values.bridge ?? 'br-int' });
    try {
      const r = await a.detach({
        wait: values.wait ?? false,
        ...(values.iface === undefined ? {} : { iface: values.iface }),
        ...(values['iface-id'] === undefined ? {} : { ifaceId: values['iface-id'] }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      io.stdout.write(values.json ? JSON.stringify(r) + '\n' : `${r.action}${r.iface ? `: ${r.iface}` : ''}\n`);
      return 0;
    } finally {
      a.close();
    }
  },
};

export const attachCommands: Command[] = [attach, detach];
