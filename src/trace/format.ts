import type { TraceResult } from './types.ts';

export function formatTrace(r: TraceResult): string {
  const ic = r.interconnect;
  const zones = ic ? ` [zone ${ic.sourceZone} -> zone ${ic.destinationZone}]` : '';
  const lines = [`${r.from} (${r.source_chassis}) -> ${r.to} (${r.destination_chassis})${zones}`];
  r.steps.forEach((s, i) => lines.push(`${String(i + 1).padStart(2)}. ${s.step.padEnd(15)} ${s.text}`));
  lines.push('');
  lines.push(r.determined
    ? `egress: ${r.local_ip} -> ${r.remote_ip}${r.tunnel?.name ? ` on ${r.tunnel.name}` : ''}${r.egress_device ? ` via ${r.egress_device}` : ''}`
    : r.reason === 'local' ? 'egress: none (same chassis)'
      : `egress: arbitrary (${r.reason}) among ${r.candidates.map((c) => `${c.local_ip} -> ${c.remote_ip}`).join(', ') || 'nothing'}`);
  if (ic?.verdict) lines.push(`destination: ${ic.verdict} (home VTEP of ${r.to}: ${ic.destinationHomeVtep ?? 'none'})`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.confirm) {
    const c = r.confirm;
    const routed = c.observed_route ? ` and ${c.observed_route.lookup === 'kernel' || c.observed_route.lookup === undefined ? 'ip route get' : 'ovs/route/lookup'} agree` : ' agrees';
    lines.push(c.agrees ? `confirmed: ofproto/trace${routed}${c.observed ? ` (${c.observed.tunnel}: ${c.observed.local_ip} -> ${c.observed.remote_ip}${c.observed_route?.device ? ` via ${c.observed_route.device}` : ''})` : ''}`
      : `NOT confirmed: ${c.differences.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}
