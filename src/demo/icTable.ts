import type { IcDemoOutcome, IcPathRow } from './ic.ts';

/**
 * The IC demo's table: per topology and traffic-class pair, how many
 * cross-zone paths leave on the source pod's VTEP and target the destination
 * pod's, before and after `ic steer` (ofproto/trace on the source chassis).
 */
export function formatIcTable(out: IcDemoOutcome): string {
  const groups = new Map<string, IcPathRow[]>();
  for (const r of out.rows) {
    const k = `${r.topology}  ${r.fromClass} -> ${r.toClass}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const width = Math.max(...[...groups.keys()].map((k) => k.length), 20);
  const lines = [`${'path (zone A -> zone B)'.padEnd(width)}  ${'before ic steer'.padEnd(28)}after ic steer`];
  for (const [k, rows] of groups) {
    const b = rows.filter((r) => r.before.ok).length;
    const a = rows.filter((r) => r.after.ok).length;
    const cell = (ok: number) => `${ok}/${rows.length} on their own VTEPs${ok === rows.length ? '' : ' !'}`;
    lines.push(`${k.padEnd(width)}  ${cell(b).padEnd(28)}${cell(a)}`);
  }
  const wrong = out.rows.filter((r) => !r.before.ok);
  lines.push('', `before: ${wrong.length} of ${out.rows.length} cross-zone paths target a VTEP other than the destination pod's, e.g.`);
  for (const r of wrong.slice(0, 3)) lines.push(`  ${r.from} -> ${r.to}: ${r.before.local ?? '?'} -> ${r.before.remote ?? 'no tunnel'} (its VTEPs: ${r.want.local} -> ${r.want.remote})`);
  const v = (s: IcDemoOutcome['verifyBefore']) => `${s.errors} error(s), ${s.warnings} warning(s)${s.checks.length ? ` (${s.checks.join(', ')})` : ''}`;
  lines.push(`verify --zones before: ${v(out.verifyBefore)}`);
  const t = out.steer.totals;
  lines.push(`ic steer: ${t.steered} remote ports pinned, ${t.nbWritten} NB rows (per-VTEP transit ports and /32 routes), ${t.pending} pending`);
  lines.push(`after: ${out.rows.filter((r) => r.after.ok).length} of ${out.rows.length} leave on the source pod's VTEP and target the destination pod's`);
  lines.push(`verify --zones after: ${v(out.verifyAfter)}`);
  return lines.join('\n') + '\n';
}
