import type { GeneveFrame } from './pcap.ts';

/**
 * From decoded frames to what the wire says, and whether it agrees with the
 * expected tunnel. Pure: the capture fixtures test it without a lab.
 */

export interface ProbePf {
  readonly pf: string;
  /** The VTEP address that lives on this PF (its bridge's VTEP port), null when it has none. */
  readonly vtep: string | null;
  /** The MAC of the device holding that VTEP address: frames to it are the ones the node takes in on this PF. */
  readonly mac?: string | null;
}

export interface ProbeNode {
  readonly name: string;
  /** Network namespace holding the PF netdevs (a lab chassis); absent: this one. */
  readonly netns?: string;
  readonly pfs: readonly ProbePf[];
}

/** Frames of one PF with the same outer headers. */
export interface WireObservation {
  readonly node: string;
  readonly pf: string;
  /** The VTEP of that PF. */
  readonly pfVtep: string | null;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly vlan: number | null;
  readonly vni: number;
  readonly frames: number;
}

export interface ProbeExpectation {
  /** Where the expectation came from (e.g. 'ofproto/trace', 'model', 'test'). */
  readonly source: string;
  /** Expected outer source (local VTEP); null: not determined. */
  readonly localIp: string | null;
  /** Expected outer destination (remote VTEP); null: not determined. */
  readonly remoteIp: string | null;
  /** Expected VLAN tag on the wire; null: untagged; undefined: not checked. */
  readonly vlan?: number | null;
  /** When localIp/remoteIp are not determined: the allowed pairs. */
  readonly candidates?: readonly { readonly localIp: string; readonly remoteIp: string }[];
}

export type ProbeVerdict = 'agrees' | 'disagrees' | 'unreachable';

export interface Judgement {
  readonly expected: ProbeExpectation & { readonly sourcePf: string | null; readonly destinationPf: string | null };
  readonly verdict: ProbeVerdict;
  readonly differences: readonly string[];
}

/** Whether a frame carries the probe's packet: an ICMP echo request from `fromIp` to `toIp` inside. */
export function isProbeFrame(f: GeneveFrame, fromIp: string, toIp: string): boolean {
  return f.inner !== null && f.inner.src === fromIp && f.inner.dst === toIp && f.inner.protocol === 1 && f.inner.icmpType === 8;
}

/** Groups frames of one PF by their outer headers (most frames first). */
export function observe(node: string, pf: ProbePf, frames: readonly GeneveFrame[]): WireObservation[] {
  const groups = new Map<string, WireObservation>();
  for (const f of frames) {
    const key = `${f.outerSrc}|${f.outerDst}|${f.vlan}|${f.vni}`;
    const g = groups.get(key);
    groups.set(key, g ? { ...g, frames: g.frames + 1 }
      : { node, pf: pf.pf, pfVtep: pf.vtep, outerSrc: f.outerSrc, outerDst: f.outerDst, vlan: f.vlan, vni: f.vni, frames: 1 });
  }
  return [...groups.values()].sort((a, b) => b.frames - a.frames);
}

/**
 * What arrived at the destination node on a PF. A shared fabric floods a
 * frame to every PF until it has learned the MAC, so the same frame also
 * shows on the node's other PFs: those copies are counted apart (`flooded`),
 * not taken as where it arrived. With the PF's VTEP MAC known, a frame
 * arrived on this PF when it is addressed to that MAC: the sender's OVS may
 * have learned the MAC of another VTEP device for the outer destination (a
 * tunnel of that address leaving on the wrong NIC teaches it), and then the
 * frames really come in on that other NIC. Without the MAC, a frame arrived
 * when its outer destination is the PF's VTEP.
 */
export function arrivals(node: string, pf: ProbePf, frames: readonly GeneveFrame[]): { arrived: WireObservation[]; flooded: number } {
  const mac = pf.mac?.toLowerCase();
  const own = frames.filter((f) => (mac ? f.dstMac === mac : pf.vtep !== null && f.outerDst === pf.vtep));
  return { arrived: observe(node, pf, own), flooded: frames.length - own.length };
}

const vlanText = (v: number | null) => (v === null ? 'untagged' : `vlan ${v}`);

/**
 * Judges the wire against the expectation: the probe frames must leave only
 * on the source node's PF of the expected local VTEP, with that VTEP as outer
 * source and the expected remote VTEP as outer destination (and the expected
 * VLAN tag), and arrive on the destination node's PF of that remote VTEP.
 * Nothing arrived (and nothing wrong left): unreachable. With `destination`
 * null (not captured: a real node probes only its own PFs) only what left is
 * judged, and nothing seen leaving is unreachable.
 */
export function judge(expect: ProbeExpectation, source: ProbeNode, destination: ProbeNode | null,
  left: readonly WireObservation[], arrived: readonly WireObservation[]): Judgement {
  const sourcePf = expect.localIp ? source.pfs.find((p) => p.vtep === expect.localIp)?.pf ?? null : null;
  const destinationPf = expect.remoteIp && destination ? destination.pfs.find((p) => p.vtep === expect.remoteIp)?.pf ?? null : null;
  const differences: string[] = [];
  if (expect.localIp && !sourcePf) differences.push(`expected local VTEP ${expect.localIp} is on no PF of ${source.name} (${source.pfs.map((p) => `${p.pf}=${p.vtep ?? '-'}`).join(', ')})`);
  if (destination && expect.remoteIp && !destinationPf) differences.push(`expected remote VTEP ${expect.remoteIp} is on no PF of ${destination.name} (${destination.pfs.map((p) => `${p.pf}=${p.vtep ?? '-'}`).join(', ')})`);
  const allowed = (src: string, dst: string) => (expect.localIp === null || src === expect.localIp) && (expect.remoteIp === null || dst === expect.remoteIp)
    && (!expect.candidates || expect.candidates.length === 0 || expect.candidates.some((c) => c.localIp === src && c.remoteIp === dst));
  const check = (o: WireObservation, where: 'left' | 'arrived') => {
    const at = `${o.frames} frame${o.frames === 1 ? '' : 's'} ${where} ${o.node}/${o.pf}`;
    const pfWanted = where === 'left' ? sourcePf : destinationPf;
    if (pfWanted !== null && o.pf !== pfWanted) differences.push(`${at}, expected ${o.node}/${pfWanted}`);
    if (!allowed(o.outerSrc, o.outerDst)) {
      differences.push(`${at} with outer ${o.outerSrc} -> ${o.outerDst}, expected ${expect.localIp ?? '*'} -> ${expect.remoteIp ?? '*'}`
        + (expect.candidates?.length ? ` (candidates ${expect.candidates.map((c) => `${c.localIp} -> ${c.remoteIp}`).join(', ')})` : ''));
    }
    if (where === 'left' && o.pfVtep !== null && o.outerSrc !== o.pfVtep) {
      differences.push(`${at} with outer source ${o.outerSrc}, but that PF's VTEP is ${o.pfVtep}`);
    }
    if (expect.vlan !== undefined && o.vlan !== expect.vlan) differences.push(`${at} ${vlanText(o.vlan)}, expected ${vlanText(expect.vlan)}`);
  };
  for (const o of left) check(o, 'left');
  for (const o of arrived) check(o, 'arrived');
  if (left.length === 0 && arrived.length > 0) differences.push(`no probe frame seen leaving ${source.name} on any PF (${source.pfs.map((p) => p.pf).join(', ')})`);
  // Without a destination capture (a real node probing alone) the verdict rests on what left.
  const seen = destination ? arrived.length > 0 : left.length > 0;
  const verdict: ProbeVerdict = differences.length > 0 ? 'disagrees' : seen ? 'agrees' : 'unreachable';
  return { expected: { ...expect, sourcePf, destinationPf }, verdict, differences };
}
