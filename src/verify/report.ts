import { countBySeverity, type Finding } from './findings.ts';
import type { GatheredState } from '../observe/index.ts';
import { checkCoverage, describeNotRun, type CheckCoverage } from './coverage.ts';

export interface VerifyReport {
  readonly ok: boolean;
  readonly counts: Record<'error' | 'warning' | 'info', number>;
  readonly scope: {
    readonly nodes: readonly string[];
    readonly sbChassis: number;
    readonly ovnVersion: string | undefined;
    /** Interconnect zones checked (verify --zones), in zones-file order; absent otherwise. */
    readonly zones?: readonly string[];
    /** The zones among them whose Southbound could not be read. */
    readonly unreachableZones?: readonly string[];
  };
  readonly findings: readonly Finding[];
  /** How many checks ran; the others lacked an input and are listed, never counted as passed. */
  readonly checks: CheckCoverage;
}

export function makeReport(state: GatheredState, findings: readonly Finding[]): VerifyReport {
  const counts = countBySeverity(findings);
  return {
    ok: counts.error === 0,
    counts,
    scope: {
      nodes: state.nodes.map((n) => n.label), sbChassis: state.southbound?.chassis.length ?? 0, ovnVersion: state.ovnVersion,
      ...(state.zones ? { zones: state.zones.map((z) => z.name), unreachableZones: state.zones.filter((z) => !z.southbound).map((z) => z.name) } : {}),
    },
    findings,
    checks: checkCoverage(state),
  };
}

const LABEL = { error: 'ERROR', warning: 'WARN ', info: 'INFO ' } as const;

export function formatReport(r: VerifyReport): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`${LABEL[f.severity]} ${f.check}  ${f.subject}`);
    lines.push(`      ${f.message}`);
    lines.push(`      hint: ${f.hint}`);
  }
  const scope = [
    r.scope.nodes.length ? `node${r.scope.nodes.length > 1 ? 's' : ''} ${r.scope.nodes.join(', ')}` : undefined,
    r.scope.sbChassis ? `${r.scope.sbChassis} chassis in the Southbound` : undefined,
    r.scope.zones ? `${r.scope.zones.length} zone(s) ${r.scope.zones.join(', ')}${r.scope.unreachableZones?.length ? ` (unreachable: ${r.scope.unreachableZones.join(', ')})` : ''}` : undefined,
    r.scope.ovnVersion ? `OVN ${r.scope.ovnVersion}` : undefined,
  ].filter(Boolean).join(', ');
  if (lines.length) lines.push('');
  lines.push(`${r.counts.error} error(s), ${r.counts.warning} warning(s), ${r.counts.info} info${scope ? ` (checked ${scope})` : ''}`);
  lines.push(`${r.checks.ran} of ${r.checks.total} checks ran${r.checks.notRun.length ? `; not run: ${describeNotRun(r.checks)}` : ''}`);
  return lines.join('\n') + '\n';
}
