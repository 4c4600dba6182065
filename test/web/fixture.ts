import type { ChassisInput, PathInput, PodInput, ViewInputs } from '../../src/web/inputs.ts';

export const CLASSES = ['management', 'streaming', 'storage'] as const;
const NETS = ['192.0.2', '198.51.100', '203.0.113'] as const;

/** Seed-like plain state: N chassis x 3 NICs, one pod per NIC, full tunnel mesh, same-class paths. */
export function seedInputs(nodes = 3, opts: { brokenPod?: string; now?: Date } = {}): ViewInputs {
  const chassis: ChassisInput[] = [];
  const pods: PodInput[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `hv${i + 1}`;
    const nics = CLASSES.map((cls, k) => ({
      pf: `enp${k + 1}s0f0`, bridge: `brenp${k + 1}s0f0`, vtep: `vtep${k}`, ip: `${NETS[k]}.${i + 1}/24`, class: cls, vlan: 25,
    }));
    chassis.push({ name, encapIps: nics.map((n) => n.ip.split('/')[0]!), nics });
    CLASSES.forEach((cls, k) => pods.push({
      name: `${cls}-${name}`, chassis: name, pf: `enp${k + 1}s0f0`, representor: `pf${k}vf0`,
      encapIp: `${NETS[k]}.${i + 1}`, bindingEncapIp: `${NETS[k]}.${i + 1}`,
    }));
  }
  const withTunnels: ChassisInput[] = chassis.map((c) => ({
    ...c,
    tunnels: chassis.filter((r) => r.name !== c.name).flatMap((r, ri) => c.encapIps.flatMap((l, li) => r.encapIps.map((rip, rk) => ({
      remoteChassis: r.name, localIp: l, remoteIp: rip, name: `ovn-${r.name}-${ri * 9 + li * 3 + rk}`, ofport: 10 + li * 3 + rk,
    })))),
  }));
  const paths: PathInput[] = [];
  for (const p of pods) {
    for (const q of pods) {
      if (p.chassis === q.chassis || p.name.split('-')[0] !== q.name.split('-')[0]) continue;
      const broken = p.name === opts.brokenPod;
      const local = broken ? '192.0.2.' + p.chassis.slice(2) : p.encapIp!;
      paths.push({
        from: p.name, to: q.name, localIp: local, remoteIp: q.encapIp!, tunnel: `ovn-${q.chassis}-0`,
        egressDevice: broken ? 'vtep0' : `vtep${CLASSES.indexOf(p.name.split('-')[0] as (typeof CLASSES)[number])}`,
        confirmed: true,
      });
    }
  }
  return {
    source: { kind: 'snapshot', name: `fixture (${nodes} nodes)` },
    chassis: withTunnels,
    pods,
    paths,
    findings: opts.brokenPod ? [{
      check: 'encap-ip-unknown', severity: 'error', subject: opts.brokenPod,
      message: `encap-ip 192.0.2.250 of ${opts.brokenPod} is not an IP of its chassis; OVN ignores it`,
      hint: 'set encap-ip to the VTEP of the VF\'s PF, or let the mvtep agent do it',
    }] : [{ check: 'remote-vtep-unpinned', severity: 'info', subject: 'hv1', message: 'no VIF without encap-ip', hint: null }],
    now: opts.now ?? new Date('2026-11-26T12:00:00Z'),
  };
}

/**
 * The same inputs with wire evidence on every path, as the netdev lab's probe
 * reports it: left on the source pod's PF, arrived on the peer's, outer
 * addresses = the pods' VTEPs, VLAN 25. `offNic` paths left on another PF.
 */
export function withWire(inputs: ViewInputs, offNic: readonly [string, string][] = []): ViewInputs {
  const pod = new Map(inputs.pods.map((p) => [p.name, p]));
  const paths = (inputs.paths ?? []).map((p): PathInput => {
    const a = pod.get(p.from)!;
    const b = pod.get(p.to)!;
    const off = offNic.some(([f, t]) => f === p.from && t === p.to);
    const leftPf = off ? 'enp3s0f0' : a.pf!;
    const hop = (node: string, pf: string) => ({ node, pf, outerSrc: a.encapIp!, outerDst: b.encapIp!, vlan: 25, vni: 7, frames: 3 });
    return {
      ...p,
      wire: {
        verdict: off ? 'wrong-nic' : 'wire',
        text: off ? `WRONG NIC on the wire: left ${a.chassis}/${leftPf}` : 'wire',
        expected: { localIp: a.encapIp!, remoteIp: b.encapIp!, vlan: 25, sourcePf: a.pf!, destinationPf: b.pf! },
        sent: 3, replies: 3, left: [hop(a.chassis, leftPf)], arrived: [hop(b.chassis, b.pf!)],
        differences: off ? [`3 frames left ${a.chassis}/${leftPf}, expected ${a.chassis}/${a.pf}`] : [],
        probedAt: '2026-11-26T12:00:00.000Z',
      },
    };
  });
  return { ...inputs, paths };
}
