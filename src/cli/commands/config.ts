import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import {
  checkNodeEncapConfig, ENCAP_IP_DEFAULT_KEY, ENCAP_IP_KEY, PF_MAPPING_KEY, type Checked, type NodeEncapConfig,
} from '../../config/index.ts';
import { readOpenVswitchExternalIds } from '../../node/agent/readConfig.ts';

function report(c: Checked<NodeEncapConfig>): string {
  const v = c.value;
  const lines: string[] = [];
  const q = (s: string) => JSON.stringify(s);
  lines.push(`chassis: ${v.chassis ?? '(no system-id)'}`);
  lines.push(`${v.encapIps.key}: ${v.encapIps.raw === '' ? '(unset)' : q(v.encapIps.raw)}`);
  lines.push(`  mvtep reads: ${v.encapIps.ips.map((x) => x.ip).join(', ') || '-'}`);
  lines.push(`  OVN reads:   ${v.ovn.encapIps.map(q).join(', ') || '-'}`);
  lines.push(`${ENCAP_IP_DEFAULT_KEY}: ${v.defaultIp ? v.defaultIp.ip : '(unset or invalid)'}; OVN uses: ${v.ovn.defaultIp ?? 'none'}`);
  lines.push(`${PF_MAPPING_KEY}: ${v.mapping.raw === '' ? '(unset)' : q(v.mapping.raw)}`);
  for (const e of v.mapping.entries) lines.push(`  ${e.pf} -> ${e.ip}${v.ovn.encapIps.includes(e.ip) ? '' : '  (not an OVN encap IP)'}`);
  for (const pf of v.mapping.unusablePfs) lines.push(`  ${pf} -> ? (entry rejected; its pods are left alone)`);
  for (const w of c.warnings) lines.push(`warning [${w.code}]: ${w.message}`);
  for (const e of c.errors) lines.push(`error [${e.code}]: ${e.message}`);
  lines.push(c.errors.length === 0 ? `ok (${c.warnings.length} warning(s))` : `${c.errors.length} error(s), ${c.warnings.length} warning(s)`);
  return lines.join('\n') + '\n';
}

export function configJson(c: Checked<NodeEncapConfig>): unknown {
  const v = c.value;
  return {
    ok: c.errors.length === 0,
    chassis: v.chassis ?? null,
    encapIp: { key: v.encapIps.key, raw: v.encapIps.raw, ips: v.encapIps.ips, ovn: v.ovn.encapIps },
    default: { ip: v.defaultIp?.ip ?? null, ovn: v.ovn.defaultIp ?? null },
    mapping: { raw: v.mapping.raw, entries: v.mapping.entries, unusablePfs: [...v.mapping.unusablePfs] },
    errors: c.errors.map((e) => e.toJSON()),
    warnings: c.warnings,
  };
}

const check: Command = {
  name: 'config check',
  summary: 'check ovn-encap-ip, ovn-encap-ip-default and ovn-pf-encap-ip-mapping',
  usage: `Usage: mvtep config check [--ovsdb REMOTE] [--encap-ip S] [--mapping S] [--default S]
                          [--chassis NAME] [--json]

Parses the node's multi-VTEP keys the way mvtep does and reports where OVN
or ovnkube-node would read them differently (spaces, empty entries, IPv6
values ovnkube-node rejects, duplicate PFs, mapped IPs missing from
ovn-encap-ip, a default that is not listed).

  --ovsdb REMOTE   read the keys from this Open_vSwitch database
                   (unix:/var/run/openvswitch/db.sock, tcp:HOST:PORT)
  --encap-ip S     ovn-encap-ip value (overrides the database's)
  --mapping S      ovn-pf-encap-ip-mapping value (overrides the database's)
  --default S      ovn-encap-ip-default value (overrides the database's)
  --chassis NAME   chassis name for ovn-encap-ip-<chassis> (default: system-id)
  --json           machine-readable output

Exit 0 when valid (warnings allowed), 1 on errors, 2 on bad usage.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, 'encap-ip': { type: 'string' }, mapping: { type: 'string' },
      default: { type: 'string' }, chassis: { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.ovsdb === undefined && values['encap-ip'] === undefined && values.mapping === undefined && values.default === undefined) {
      throw new UsageError('give --ovsdb REMOTE, or the values with --encap-ip/--mapping/--default');
    }
    const ids = values.ovsdb !== undefined ? await readOpenVswitchExternalIds(values.ovsdb) : new Map<string, string>();
    // A given value replaces whichever key OVN would read (plain or chassis-specific).
    const chassis = values.chassis ?? ids.get('system-id');
    const put = (key: string, v: string | undefined) => {
      if (v === undefined) return;
      if (chassis !== undefined) ids.delete(`${key}-${chassis}`);
      ids.set(key, v);
    };
    put(ENCAP_IP_KEY, values['encap-ip']);
    put(ENCAP_IP_DEFAULT_KEY, values.default);
    if (values.mapping !== undefined) ids.set(PF_MAPPING_KEY, values.mapping);
    const c = checkNodeEncapConfig(ids, chassis === undefined ? {} : { chassis });
    io.stdout.write(values.json ? JSON.stringify(configJson(c)) + '\n' : report(c));
    return c.errors.length === 0 ? 0 : 1;
  },
};

export const configCommands: Command[] = [check];
