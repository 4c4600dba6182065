import type { ProbeResult } from './probe.ts';
import type { WireObservation } from './judge.ts';

const vlanText = (v: number | null | undefined) => (v === undefined ? '' : v === null ? ', untagged' : `, vlan ${v}`);

function line(label: string, o: WireObservation): string {
  return `  ${label.padEnd(8)} ${`${o.node}/${o.pf}`.padEnd(14)} ${o.outerSrc} -> ${o.outerDst}  ${o.vlan === null ? 'untagged' : `vlan ${o.vlan}`}  `
    + `vni ${o.vni}  ${o.frames} frame${o.frames === 1 ? '' : 's'}`;
}

/** The human form of a probe result. */
export function formatProbe(r: ProbeResult): string {
  const e = r.expected;
  const lines = [
    `probe ${r.from.pod} (${r.from.node}, ${r.from.ip}) -> ${r.to.pod} (${r.to.node}, ${r.to.ip}): `
      + `${r.sent} echo requests, ${r.replies} replies, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  expected ${e.localIp ?? '*'} -> ${e.remoteIp ?? '*'}, leaving ${r.from.node}/${e.sourcePf ?? '?'}, `
      + `arriving ${r.to.node}/${e.destinationPf ?? '?'}${vlanText(e.vlan)} (${e.source})`,
    ...r.left.map((o) => line('left', o)),
    ...r.arrived.map((o) => line('arrived', o)),
  ];
  if (r.left.length === 0) lines.push(`  left     nothing seen on ${r.captured.filter((c) => c.startsWith(`${r.from.node}/`)).join(', ')}`);
  if (r.arrived.length === 0) lines.push(`  arrived  nothing seen on ${r.captured.filter((c) => c.startsWith(`${r.to.node}/`)).join(', ')}`);
  if (r.flooded > 0) lines.push(`  (${r.flooded} flooded copies on ${r.to.node}'s other PFs, addressed to another VTEP, not counted)`);
  for (const d of r.differences) lines.push(`  DIFFERS  ${d}`);
  lines.push(r.verdict === 'agrees' ? '  wire agrees'
    : r.verdict === 'unreachable' ? `  unreachable: no probe frame arrived at ${r.to.node} within the timeout`
      : '  wire DISAGREES');
  return lines.join('\n') + '\n';
}
