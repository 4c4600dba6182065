import { detectOvnKubernetes, fatalForOvnKubernetes, PF_MAPPING_KEY, type ConfigWarning } from '../../config/index.ts';
import type { CheckContext, NodeContext } from '../context.ts';
import type { CheckId, Finding, Severity } from '../findings.ts';
import { finding } from './util.ts';

const HINTS: Record<string, string> = {
  'encap-ip-syntax': 'set ovn-encap-ip to comma-separated addresses without spaces, e.g. 192.0.2.1,192.0.2.2',
  'default-not-listed': 'set ovn-encap-ip-default to exactly one of the ovn-encap-ip strings (same spelling, no spaces)',
  'mapping-syntax': 'write ovn-pf-encap-ip-mapping as pf:ip,pf:ip with each PF once',
  'mapping-ip-not-encap': 'map each PF to an IP listed in ovn-encap-ip (exact string), or add the IP to ovn-encap-ip',
  'mapping-ovnk-incompatible': 'if ovnkube-node reads this mapping: no spaces, no empty entries, IPv4 only (it splits on every ":")',
  'encap-ip-ignored': 'list at least two VTEPs in ovn-encap-ip, or drop the PF mapping',
};

function classify(n: NodeContext, w: ConfigWarning): { check: CheckId; severity: Severity } | undefined {
  const listKey = n.config.value.encapIps.key;
  if (w.key === PF_MAPPING_KEY) {
    // On an ovnkube-node node the consequence (every SR-IOV pod add fails) is the severity.
    if (fatalForOvnKubernetes(w) && detectOvnKubernetes(n.node.openVswitch.externalIds)) return { check: 'mapping-ovnk-incompatible', severity: 'error' };
    switch (w.code) {
      case 'mapped-ip-not-encap': return { check: 'mapping-ip-not-encap', severity: 'error' };
      case 'duplicate-pf': return { check: 'mapping-syntax', severity: 'warning' };
      default: return { check: 'mapping-ovnk-incompatible', severity: 'warning' };
    }
  }
  if (w.code === 'single-encap-ip') return { check: 'encap-ip-ignored', severity: 'warning' };
  if (w.key === listKey) {
    switch (w.code) {
      case 'whitespace': return { check: 'encap-ip-syntax', severity: 'error' };
      case 'ip-spelling': return { check: 'encap-ip-syntax', severity: 'warning' };
      case 'chassis-override': return undefined;
      default: return { check: 'encap-ip-syntax', severity: 'info' };
    }
  }
  return { check: 'default-not-listed', severity: 'error' };
}

export function configChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.nodes) {
    const subject = `chassis ${n.chassisName ?? n.node.label}`;
    if (!n.model.configured) {
      out.push(finding('chassis-unregistered', 'error', subject,
        'ovn-encap-ip or ovn-encap-type is missing: ovn-controller does not register this chassis',
        'set external_ids:ovn-encap-type (geneve) and ovn-encap-ip on the Open_vSwitch row'));
    }
    const listKey = n.config.value.encapIps.key;
    for (const e of n.config.errors) {
      const check: CheckId = e.key === PF_MAPPING_KEY ? 'mapping-syntax' : e.key === listKey ? 'encap-ip-syntax' : 'default-not-listed';
      out.push(finding(check, 'error', subject, e.message, HINTS[check]!));
    }
    for (const w of n.config.warnings) {
      const c = classify(n, w);
      if (c) out.push(finding(c.check, c.severity, subject, w.message, HINTS[c.check]!));
    }
  }
  return out;
}
