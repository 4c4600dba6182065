import type { DashboardView, PathView, RowStatus, SteeringRow } from '../web/view.ts';
import type { WireReport } from './wire.ts';

const STATUS_TEXT: Record<RowStatus, string> = {
  ok: 'yes',
  'wrong-nic': 'WRONG NIC',
  disagree: 'NO (disagrees)',
  unconfirmed: 'no (predicted)',
  untraced: 'no (untraced)',
};

function pathText(p: PathView): string {
  const remote = p.remoteIp ?? `any of ${p.candidates.map((c) => c.remoteIp).join('|') || '?'}`;
  const tunnel = p.tunnel ? ` ${p.tunnel}` : '';
  return `${p.peerNode}/${p.peer}: ${p.localIp ?? '?'} -> ${remote}${tunnel}`;
}

function vtepText(r: SteeringRow): string {
  const actual = r.vtep ?? 'arbitrary';
  const dev = r.vtepDevice ? ` (${r.vtepDevice})` : '';
  return r.expectedVtep && r.vtep !== r.expectedVtep ? `${actual} [expected ${r.expectedVtep}${dev}]` : `${actual}${dev}`;
}

function egressText(r: SteeringRow): string {
  const dev = r.egressDevice ?? '-';
  return r.vtepDevice && r.egressDevice && r.egressDevice !== r.vtepDevice ? `${dev} [expected ${r.vtepDevice}]` : dev;
}

/**
 * A path's CONFIRMED cell when the wire was probed: `wire` when its packets
 * were seen on the right NIC at both ends, else what the wire showed; a
 * trace that disagrees with the NIC is added, so `wire` alone means both.
 */
function wireCell(row: SteeringRow, p: PathView, wire: WireReport): string {
  const w = wire.paths.find((x) => x.from === row.pod && x.to === p.peer);
  const trace = p.status === 'ok' ? '' : ` (trace: ${STATUS_TEXT[p.status]})`;
  return w ? `${w.text}${trace}` : `${STATUS_TEXT[p.status]} (not probed)`;
}

/**
 * The steering table as fixed-width text: one line per pod-to-peer path,
 * the pod's columns printed on its first line only. Without wire evidence
 * CONFIRMED is the pod's (its worst path's); with it, each path's own.
 */
export function formatSteeringTable(view: DashboardView, wire?: WireReport): string {
  const header = ['POD', 'NODE', 'CLASS', 'NIC', 'VTEP', 'TUNNEL TO EACH PEER', 'EGRESS', 'CONFIRMED'];
  const lines: string[][] = [];
  for (const r of view.steering) {
    const first = [r.pod, r.node, r.class ?? '-', r.nic ?? '-', vtepText(r)];
    if (wire && r.paths.length > 0) {
      r.paths.forEach((p, i) => lines.push(i === 0 ? [...first, pathText(p), egressText(r), wireCell(r, p, wire)]
        : ['', '', '', '', '', pathText(p), '', wireCell(r, p, wire)]));
      continue;
    }
    const tail = [egressText(r), STATUS_TEXT[r.status]];
    const paths = r.paths.length > 0 ? r.paths.map(pathText) : ['-'];
    paths.forEach((p, i) => lines.push(i === 0 ? [...first, p, ...tail] : ['', '', '', '', '', p, '', '']));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), ...lines.map(fmt)].join('\n') + '\n';
}

/** One-line verdict: how many paths are confirmed on their own NIC. */
export function summaryLine(view: DashboardView): string {
  const s = view.summary;
  const bad = view.steering.filter((r) => r.status !== 'ok').map((r) => r.pod);
  const verdict = s.paths > 0 && s.pathsOk === s.paths ? 'every path confirmed on its own NIC' : `not confirmed or off their NIC: ${bad.join(', ') || 'none traced'}`;
  return `${s.chassis} chassis, ${s.vteps} VTEPs, ${s.tunnelPorts} tunnel ports, ${s.pods} pods, ${s.pathsOk}/${s.paths} paths OK `
    + `(${s.errors} errors, ${s.warnings} warnings): ${verdict}`;
}
