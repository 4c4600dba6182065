import type { Severity } from '../util/severity.ts';
export type { Severity };

/** Every check verify runs; the ids are stable (documented in docs/verify.md). */
export const CHECK_IDS = [
  'ovn-too-old',
  'default-unsupported',
  'chassis-unregistered',
  'encap-ip-syntax',
  'default-not-listed',
  'mapping-syntax',
  'mapping-ip-not-encap',
  'mapping-ovnk-incompatible',
  'encap-ip-unknown',
  'encap-ip-ignored',
  'encap-ip-mismatch',
  'pf-unmapped',
  'duplicate-encap-ip',
  'encap-missing',
  'binding-encap-mismatch',
  'remote-vtep-unpinned',
  'tunnel-missing',
  'tunnel-extra',
  'tunnel-down',
  'vtep-no-device',
  'rule-missing',
  'route-egress-wrong',
  'mtu-too-small',
  'rp-filter-strict',
  'userspace-tunnel-routing',
  'ic-zone-unreachable',
  'ic-zone-nb-unreadable',
  'ic-destination-arbitrary',
  'ic-steering-drift',
  'ic-remote-encaps-differ',
  'ic-duplicate-vtep',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export interface Finding {
  readonly check: CheckId;
  readonly severity: Severity;
  /** What the finding is about: "chassis hv1", "interface hv1/pf0vf1", "port pod-a". */
  readonly subject: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function sortFindings(list: readonly Finding[]): Finding[] {
  return [...list].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]
    || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0)
    || (a.check < b.check ? -1 : a.check > b.check ? 1 : 0));
}

export function countBySeverity(list: readonly Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of list) out[f.severity]++;
  return out;
}
