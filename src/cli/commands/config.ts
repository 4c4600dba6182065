import type { Command } from '../command.ts';
import { commandTimeout, parseCommandArgs, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import {
  checkNodeEncapConfig, ENCAP_IP_DEFAULT_KEY, ENCAP_IP_KEY, fatalForOvnKubernetes, PF_MAPPING_KEY, resolveCompat,
  type Checked, type Compat, type ConfigWarning, type NodeEncapConfig,
} from '../../config/index.ts';
import { readOpenVswitchExternalIds } from '../../node/agent/readConfig.ts';

/** With ovn-kubernetes, the mapping warnings that fail every SR-IOV pod are errors: their consequence is the severity. */
function withCompat(c: Checked<NodeEncapConfig>, compat: Compat): { checked: Checked<NodeEncapConfig>; promoted: readonly ConfigWarning[] } {
  if (compat !== 'ovn-kubernetes') return { checked: c, promoted: [] };
  const promoted = c.warnings.filter(fatalForOvnKubernetes);
  return { checked: { ...c, warnings: c.warnings.filter((w) => !fatalForOvnKubernetes(w)) }, promoted };
}

function report(c: Checked<NodeEncapConfig>, promoted: readonly ConfigWarning[], compat: Compat): string {
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
  for (const w of promoted) lines.push(`error [${w.code}] (--compat ovn-kubernetes): ${w.message}`);
  const errors = c.errors.length + promoted.length;
  lines.push(`${errors === 0 ? `ok (${c.warnings.length} warning(s))` : `${errors} error(s), ${c.warnings.length} warning(s)`}; compat: ${compat}`);
  return lines.join('\n') + '\n';
}

export function configJson(c: Checked<NodeEncapConfig>, promoted: readonly ConfigWarning[] = [], compat: Compat = 'none'): unknown {
  const v = c.value;
  return {
    ok: c.errors.length === 0 && promoted.length === 0,
    compat,
    chassis: v.chassis ?? null,
    encapIp: { key: v.encapIps.key, raw: v.encapIps.raw, ips: v.encapIps.ips, ovn: v.ovn.encapIps },
    default: { ip: v.defaultIp?.ip ?? null, ovn: v.ovn.defaultIp ?? null },
    mapping: { raw: v.mapping.raw, entries: v.mapping.entries, unusablePfs: [...v.mapping.unusablePfs] },
    errors: [...c.errors.map((e) => e.toJSON()),
      ...promoted.map((w) => ({ code: w.code, message: w.message, input: { key: w.key, entry: w.entry ?? null, position: w.position ?? null } }))],
    warnings: c.warnings,
  };
}

const check: Command = {
  name: 'config check',
  summary: 'check ovn-encap-ip, ovn-encap-ip-default and ovn-pf-encap-ip-mapping',
  usage: `Usage: mvtep config check [--ovsdb REMOTE] [--encap-ip S] [--mapping S] [--default S]
                          [--chassis NAME] [--compat ovn-kubernetes|none] [--timeout SECONDS] [--json]

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
  --compat C       ovn-kubernetes: a mapping ovnkube-node cannot parse (IPv6 value, empty
                   entry) fails every SR-IOV pod add on the node, so it is an error;
                   none: OVN's reading only. Default: ovn-kubernetes when the node's
                   external_ids show ovnkube-node (hostname, ovn-set-local-ip and
                   ovn-ofctrl-wait-before-clear all set), else none
${TIMEOUT_HELP}
  --json           machine-readable output

Exit status (docs/cli.md): 0 valid (warnings allowed), 1 errors, 2 bad usage,
3 the database is unreachable or does not answer within --timeout.

Examples:
  mvtep config check --ovsdb unix:/run/openvswitch/db.sock
  mvtep config check --ovsdb unix:/run/openvswitch/db.sock --mapping enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2
  mvtep config check --encap-ip 192.0.2.1,192.0.2.2 --mapping 'enp1s0f0:2001:db8::1' --compat ovn-kubernetes --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, 'encap-ip': { type: 'string' }, mapping: { type: 'string' },
      default: { type: 'string' }, chassis: { type: 'string' }, json: { type: 'boolean' }, compat: { type: 'string' },
      timeout: { type: 'string' },
    });
    if (values.ovsdb === undefined && values['encap-ip'] === undefined && values.mapping === undefined && values.default === undefined) {
      throw new UsageError('give --ovsdb REMOTE, or the values with --encap-ip/--mapping/--default');
    }
    // Validated before connecting: a bad --compat is bad usage whatever the database says.
    resolveCompat(values.compat, undefined);
    const timeoutMs = commandTimeout(values.timeout);
    const ids = values.ovsdb !== undefined ? await readOpenVswitchExternalIds(values.ovsdb, timeoutMs) : new Map<string, string>();
    const compat = resolveCompat(values.compat, ids);
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
    const { checked, promoted } = withCompat(checkNodeEncapConfig(ids, chassis === undefined ? {} : { chassis }), compat);
    io.stdout.write(values.json ? JSON.stringify(configJson(checked, promoted, compat)) + '\n' : report(checked, promoted, compat));
    return checked.errors.length + promoted.length === 0 ? 0 : 1;
  },
};

export const configCommands: Command[] = [check];
