/**
 * `mvtep demo --break CHECK`: one deliberate misconfiguration on the running
 * demo, of the kind multi-VTEP hides (spec §2, §7), so verify can be seen
 * catching it and trace can be seen sending the pod out of the wrong NIC.
 */
import type { NodeSpec } from '../config/nodeSpec.ts';
import type { Lab } from '../lab/index.ts';
import { isNetdevLab } from '../lab/podNetns.ts';
import { vtepRule } from '../node/underlay/index.ts';
import { OvsdbClient } from '../ovsdb/index.ts';
import { Iproute2 } from '../routing/index.ts';
import { notYet, pollUntil, ready } from '../util/wait.ts';
import type { DashboardView } from '../web/view.ts';
import { DemoError } from './plan.ts';
import type { WireReport } from './wire.ts';

export const BREAK_CHECKS = ['encap-ip-unknown', 'encap-ip-mismatch', 'rule-missing'] as const;
export type BreakCheck = (typeof BREAK_CHECKS)[number];

/** An address in the VTEP subnet that no chassis of the demo uses (they use .11-.93 and the gateway .254). */
export const BOGUS_ENCAP_IP = '192.0.2.199';

export function parseBreakCheck(text: string): BreakCheck {
  const found = BREAK_CHECKS.find((c) => c === text);
  if (!found) throw new DemoError('demo-break-unknown', `--break: unknown check '${text}' (one of: ${BREAK_CHECKS.join(', ')})`, text);
  return found;
}

export interface Injected {
  readonly check: BreakCheck;
  readonly chassis: string;
  /** The logical port whose traffic the break moves off its NIC. */
  readonly pod: string;
  readonly description: string;
  /** The agent on this chassis was stopped first, or it would repair the break at once. */
  readonly agentStopped: boolean;
}

export interface BreakContext {
  readonly lab: Lab;
  readonly specs: ReadonlyMap<string, NodeSpec>;
  /** Stops the node agent of a chassis (OVSDB breaks only). */
  readonly stopAgent: (chassis: string) => Promise<void>;
}

/** The device OVS's own tunnel router picks for `remote` by the main table (`ovs/route/lookup` without a source). */
async function ovsMainDevice(lab: Lab, chassis: string, remote: string): Promise<string | undefined> {
  const out = await lab.appctl(chassis, ['ovs/route/lookup', remote]);
  return /^dev (\S+)/m.exec(out)?.[1];
}

/** OVS imports rule changes from netlink: waits until its own rule table no longer has `from <ip> lookup`. */
async function ovsRuleGone(lab: Lab, chassis: string, ip: string): Promise<void> {
  await pollUntil(async () => ((await lab.appctl(chassis, ['ovs/route/rule/show'])).includes(`from ${ip} lookup`) ? notYet(`OVS still has the rule from ${ip}`) : ready(true)),
    10_000, { onTimeout: (why) => new DemoError('demo-break-timeout', `${chassis}: ${why} after 10 s`, ip) });
}

async function setEncapIp(remote: string, iface: string, value: string): Promise<void> {
  const client = await OvsdbClient.connect(remote, { reconnect: false, connectTimeoutMs: 30_000 });
  try {
    const tx = client.transaction('Open_vSwitch');
    // Single-key mutate: every other external_ids key of the interface stays as it is.
    tx.setMapKeys('Interface', [['name', '==', iface]], 'external_ids', { 'encap-ip': value });
    await tx.commit();
  } finally {
    client.close();
  }
}

/**
 * Breaks the first chassis. OVSDB breaks hit the pod on its last NIC; the
 * rule break hits a NIC whose VTEP device is not the one the main table
 * would pick anyway (otherwise the missing rule would not change the egress).
 */
export async function injectBreak(check: BreakCheck, ctx: BreakContext): Promise<Injected> {
  const chassis = Object.values(ctx.lab.chassis)[0];
  const spec = chassis ? ctx.specs.get(chassis.name) : undefined;
  if (!chassis || !spec) throw new DemoError('demo-break-target', 'the demo has no chassis to break', check);
  const pods = Object.values(ctx.lab.pods).filter((p) => p.chassis === chassis.name);
  const podOnNic = (pf: string) => pods.find((p) => p.pf === pf);

  if (check === 'rule-missing') {
    const ip = new Iproute2({ netns: chassis.netns });
    const remote = Object.values(ctx.lab.chassis).find((c) => c.name !== chassis.name)?.nics[0]?.vtep;
    if (!remote) throw new DemoError('demo-break-target', 'rule-missing needs a second chassis with a VTEP', check);
    const kernelDev = (await ip.routeGet(remote)).dev;
    // On the userspace datapath OVS routes the tunnels itself (its main-table choice may differ from the kernel's).
    const netdev = isNetdevLab(ctx.lab.scenario);
    const mainDev = netdev ? await ovsMainDevice(ctx.lab, chassis.name, remote) : kernelDev;
    const nic = [...spec.nics].reverse().find((n) => n.vtep !== mainDev && podOnNic(n.pf));
    if (!nic) throw new DemoError('demo-break-target', `no NIC on ${chassis.name} whose VTEP differs from the main table's ${mainDev}`, check);
    await ip.deleteRule(vtepRule(nic));
    if (netdev) await ovsRuleGone(ctx.lab, chassis.name, nic.ip.address);
    return {
      check, chassis: chassis.name, pod: podOnNic(nic.pf)!.lport, agentStopped: false,
      description: `deleted 'ip rule from ${nic.ip.address} lookup ${nic.table}' in ${chassis.name}'s netns: `
        + (netdev
          ? `OVS (which imports the kernel's rules) now routes ${nic.vtep}'s tunnels by the main table, out of ${mainDev ?? '?'} (the kernel's main table: ${kernelDev ?? '?'})`
          : `Linux now routes ${nic.vtep}'s tunnels by the main table (out of ${mainDev ?? '?'})`),
    };
  }

  const nic = [...spec.nics].reverse().find((n) => podOnNic(n.pf));
  const pod = nic ? podOnNic(nic.pf) : undefined;
  if (!nic || !pod) throw new DemoError('demo-break-target', `no pod on a NIC of ${chassis.name}`, check);
  const other = spec.nics.find((n) => n !== nic);
  const value = check === 'encap-ip-unknown' ? BOGUS_ENCAP_IP : other?.ip.address;
  if (!value) throw new DemoError('demo-break-target', `${check} needs a second VTEP on ${chassis.name}`, check);
  await ctx.stopAgent(chassis.name);
  await setEncapIp(chassis.ovsdbRemote, pod.representor, value);
  return {
    check, chassis: chassis.name, pod: pod.lport, agentStopped: true,
    description: check === 'encap-ip-unknown'
      ? `stopped ${chassis.name}'s agent and set ${pod.representor}'s encap-ip to ${value}, which is not a VTEP of ${chassis.name}: OVN silently ignores it`
      : `stopped ${chassis.name}'s agent and set ${pod.representor}'s encap-ip to ${value} (${other!.vtep}, the ${other!.class ?? 'other'} VTEP) instead of ${nic.ip.address}`,
  };
}

export interface BreakVerdict {
  /** verify reported the injected check as an error. */
  readonly caught: boolean;
  /** trace shows the pod's traffic leaving on another VTEP or device than its NIC's. */
  readonly wrongNicShown: boolean;
  readonly findings: readonly string[];
  /** netdev: packets to or from the pod were seen on the wire on another NIC than its own; null without a wire check. */
  readonly wireWrongNic: boolean | null;
  /** The wire's evidence: `from -> to: what the wire showed`, for the pod's paths off its NIC. */
  readonly wireEvidence: readonly string[];
}

/** Paths to or from `pod` that the wire saw on another NIC. */
export function wireOffNic(pod: string, wire: WireReport): string[] {
  return wire.paths.filter((p) => (p.from === pod || p.to === pod) && p.verdict === 'wrong-nic').map((p) => `${p.from} -> ${p.to}: ${p.text}`);
}

export function judgeBreak(injected: Injected, after: DashboardView, wire?: WireReport): BreakVerdict {
  const hits = after.findings.filter((f) => f.check === injected.check && f.severity === 'error');
  const row = after.steering.find((r) => r.pod === injected.pod);
  const evidence = wire ? wireOffNic(injected.pod, wire) : [];
  return {
    caught: hits.length > 0,
    wrongNicShown: row?.status === 'wrong-nic',
    findings: hits.map((f) => `${f.subject}: ${f.message}`),
    wireWrongNic: wire ? evidence.length > 0 : null,
    wireEvidence: evidence,
  };
}
