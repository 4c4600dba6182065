import type { GatheredState } from '../observe/index.ts';
import type { CheckId } from './findings.ts';

/** An input a check reads; absent, the check cannot run (it is reported as not run, never as passed). */
export type CheckInput = 'node' | 'sb' | 'sysfs' | 'routing' | 'version' | 'zones';

/** What each check needs. A Record over CheckId: a new check without an entry does not compile. */
export const CHECK_INPUTS: Readonly<Record<CheckId, readonly CheckInput[]>> = {
  'ovn-too-old': ['version'],
  'default-unsupported': ['node', 'version'],
  'chassis-unregistered': ['node', 'sb'],
  'encap-ip-syntax': ['node'],
  'default-not-listed': ['node'],
  'mapping-syntax': ['node'],
  'mapping-ip-not-encap': ['node'],
  'mapping-ovnk-incompatible': ['node'],
  'encap-ip-unknown': ['node'],
  'encap-ip-ignored': ['node'],
  'encap-ip-mismatch': ['node', 'sysfs'],
  'pf-unmapped': ['node', 'sysfs'],
  'duplicate-encap-ip': ['sb'],
  'encap-missing': ['sb'],
  'binding-encap-mismatch': ['node', 'sb'],
  'remote-vtep-unpinned': ['sb'],
  'tunnel-missing': ['node', 'sb'],
  'tunnel-extra': ['node', 'sb'],
  'tunnel-down': ['node', 'sb'],
  'vtep-no-device': ['node', 'routing'],
  'rule-missing': ['node', 'routing'],
  'route-egress-wrong': ['node', 'routing'],
  'mtu-too-small': ['node', 'routing'],
  'rp-filter-strict': ['node', 'routing'],
  'userspace-tunnel-routing': ['node'],
  'ic-zone-unreachable': ['zones'],
  'ic-zone-nb-unreadable': ['zones'],
  'ic-destination-arbitrary': ['zones'],
  'ic-steering-drift': ['zones'],
  'ic-remote-encaps-differ': ['zones'],
  'ic-duplicate-vtep': ['zones'],
};

/** How to provide each input, for the "not run" line. */
export const INPUT_OPTION: Readonly<Record<CheckInput, string>> = {
  node: '--ovsdb', sb: '--sb', sysfs: '--sysfs', routing: '--netns or --routing', version: '--sb or --ovn-version', zones: '--zones',
};

export interface CheckCoverage {
  readonly total: number;
  readonly ran: number;
  readonly notRun: readonly { readonly check: CheckId; readonly missing: readonly CheckInput[] }[];
}

function available(state: GatheredState): Set<CheckInput> {
  const have = new Set<CheckInput>();
  const nodes = state.nodes;
  if (nodes.length > 0) have.add('node');
  if (state.southbound) have.add('sb');
  if (state.ovnVersion) have.add('version');
  if (state.zones && state.zones.length > 0) have.add('zones');
  if (nodes.length > 0 && nodes.every((n) => n.sriov)) have.add('sysfs');
  if (nodes.length > 0 && nodes.every((n) => n.routing)) have.add('routing');
  return have;
}

/** Which checks could run on this state, and which could not for want of which input. */
export function checkCoverage(state: GatheredState): CheckCoverage {
  const have = available(state);
  const notRun: { check: CheckId; missing: CheckInput[] }[] = [];
  const all = Object.entries(CHECK_INPUTS) as [CheckId, readonly CheckInput[]][];
  for (const [check, needs] of all) {
    const missing = needs.filter((i) => !have.has(i));
    if (missing.length > 0) notRun.push({ check, missing });
  }
  return { total: all.length, ran: all.length - notRun.length, notRun };
}

/** "pf-unmapped, encap-ip-mismatch (need --sysfs); ..." grouped by what is missing. */
export function describeNotRun(c: CheckCoverage): string {
  const groups = new Map<string, CheckId[]>();
  for (const n of c.notRun) {
    const key = n.missing.map((m) => INPUT_OPTION[m]).join(' and ');
    groups.set(key, [...(groups.get(key) ?? []), n.check]);
  }
  return [...groups].map(([need, checks]) => `${checks.join(', ')} (need ${need})`).join('; ');
}
