import { defaultBridgeName } from '../config/index.ts';
import { encapIpOrder, featuresOfVersionText, type OvnFeatures } from '../ovn/index.ts';
import type { ChassisInput, NicInput, PathInput, PodInput, ViewInputs } from './inputs.ts';
import type {
  BridgeView, ChassisView, DashboardView, FindingView, PathStatus, PathView, RowStatus, Severity,
  SteeringRow, TunnelLinkView, TunnelPortView, VtepView,
} from './view.ts';

/** Strips a `/prefix` so `192.0.2.1/24` and `192.0.2.1` name the same VTEP. */
export function bareIp(ip: string): string {
  const slash = ip.indexOf('/');
  return (slash < 0 ? ip : ip.slice(0, slash)).trim();
}

/**
 * OVN's encap_ips order (spec §5.1), the model's rule with its version gate
 * (the default is swapped into index 0 only on releases that do that). The
 * index is the encap ID.
 */
function encapOrder(c: ChassisInput, features: OvnFeatures): string[] {
  const ips = [...new Set(c.encapIps.map(bareIp).filter((ip) => ip !== ''))];
  return encapIpOrder(ips, c.defaultEncapIp ? bareIp(c.defaultEncapIp) : undefined, features);
}


export function vtepId(chassis: string, ip: string): string {
  return `${chassis}/${ip}`;
}

function linkId(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}

const PATH_RANK: Record<PathStatus, number> = { ok: 0, unconfirmed: 1, 'wrong-nic': 2, disagree: 3 };
const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function nicOf(chassis: ChassisInput | undefined, pf: string | null | undefined): NicInput | undefined {
  if (!chassis || !pf) return undefined;
  return chassis.nics?.find((n) => n.pf === pf);
}

function nicIp(nic: NicInput | undefined): string | null {
  return nic?.ip ? bareIp(nic.ip) : null;
}

function buildVteps(chassis: readonly ChassisInput[], features: OvnFeatures): VtepView[] {
  const out: VtepView[] = [];
  for (const c of chassis) {
    const order = encapOrder(c, features);
    const nicIps = (c.nics ?? []).map((n) => nicIp(n)).filter((ip): ip is string => ip !== null);
    // A NIC's VTEP missing from ovn-encap-ip still exists on the node: show it, without an encap ID.
    const all = [...order, ...nicIps.filter((ip) => !order.includes(ip))];
    for (const ip of all) {
      const nic = (c.nics ?? []).find((n) => nicIp(n) === ip);
      const encapId = order.indexOf(ip);
      out.push({
        id: vtepId(c.name, ip),
        chassis: c.name,
        ip,
        device: nic?.vtep ?? null,
        pf: nic?.pf ?? null,
        bridge: nic ? (nic.bridge ?? defaultBridgeName(nic.pf)) : null,
        class: nic?.class ?? null,
        vlan: nic?.vlan ?? null,
        isDefault: c.defaultEncapIp != null && bareIp(c.defaultEncapIp) === ip,
        encapId: encapId < 0 ? null : encapId,
      });
    }
  }
  return out;
}

function buildTunnels(chassis: readonly ChassisInput[]): TunnelPortView[] {
  return chassis.flatMap((c) => (c.tunnels ?? []).map((t) => ({ chassis: c.name, ...t, name: t.name ?? null, ofport: t.ofport ?? null })));
}

/** The expected full mesh between OVN VTEPs of different chassis, plus any observed extra pair. */
function buildLinks(chassis: readonly ChassisInput[], vteps: readonly VtepView[], tunnels: readonly TunnelPortView[]) {
  const byId = new Map(vteps.map((v) => [v.id, v]));
  const observed = new Set(chassis.filter((c) => c.tunnels !== undefined).map((c) => c.name));
  const ports = new Map<string, number>();
  for (const t of tunnels) {
    const id = linkId(vtepId(t.chassis, t.localIp), vtepId(t.remoteChassis, t.remoteIp));
    ports.set(id, (ports.get(id) ?? 0) + 1);
  }
  const links = new Map<string, { a: string; b: string }>();
  const inOvn = vteps.filter((v) => v.encapId !== null);
  for (let i = 0; i < inOvn.length; i++) {
    for (let j = i + 1; j < inOvn.length; j++) {
      const a = inOvn[i]!;
      const b = inOvn[j]!;
      if (a.chassis !== b.chassis) links.set(linkId(a.id, b.id), { a: a.id, b: b.id });
    }
  }
  for (const t of tunnels) {
    const a = vtepId(t.chassis, t.localIp);
    const b = vtepId(t.remoteChassis, t.remoteIp);
    const id = linkId(a, b);
    if (!links.has(id) && byId.has(a) && byId.has(b)) links.set(id, { a, b });
  }
  return { byId, observed, ports, links };
}

function pathStatus(p: PathInput, expected: { local: string | null; remote: string | null; device: string | null }): PathStatus {
  // The wire outranks every prediction: packets seen elsewhere (or nowhere) make the path bad whatever trace said.
  if (p.wire?.verdict === 'unreachable') return 'disagree';
  if (p.wire && p.wire.verdict !== 'wire') return 'wrong-nic';
  if (p.confirmed === false) return 'disagree';
  const wrongLocal = expected.local !== null && p.localIp !== expected.local;
  const wrongRemote = expected.remote !== null && p.remoteIp !== expected.remote;
  const wrongDevice = expected.device !== null && p.egressDevice != null && p.egressDevice !== expected.device;
  if (wrongLocal || wrongRemote || wrongDevice) return 'wrong-nic';
  return p.confirmed === true ? 'ok' : 'unconfirmed';
}

function common<T>(values: readonly T[]): T | null {
  if (values.length === 0) return null;
  const first = values[0]!;
  return values.every((v) => v === first) ? first : null;
}

/** Builds the dashboard's whole view from plain gathered state. Pure. */
export function buildDashboardView(inputs: ViewInputs): DashboardView {
  const chassisByName = new Map(inputs.chassis.map((c) => [c.name, c]));
  const podsByName = new Map(inputs.pods.map((p) => [p.name, p]));
  const features = featuresOfVersionText(inputs.ovnVersion);
  const vteps = buildVteps(inputs.chassis, features);
  const tunnels = buildTunnels(inputs.chassis);
  const { byId, observed, ports, links } = buildLinks(inputs.chassis, vteps, tunnels);
  const usedLinks = new Set<string>();

  const steering: SteeringRow[] = inputs.pods.map((pod: PodInput) => {
    const chassis = chassisByName.get(pod.chassis);
    const nic = nicOf(chassis, pod.pf);
    const expectedLocal = nicIp(nic);
    const paths: PathView[] = (inputs.paths ?? []).filter((p) => p.from === pod.name).map((p) => {
      const peer = podsByName.get(p.to);
      const peerNode = peer?.chassis ?? '';
      const expectedRemote = nicIp(nicOf(chassisByName.get(peerNode), peer?.pf));
      const status = pathStatus(p, { local: expectedLocal, remote: expectedRemote, device: nic?.vtep ?? null });
      let link: string | null = null;
      if (p.localIp && p.remoteIp) {
        const a = vtepId(pod.chassis, p.localIp);
        const b = vtepId(peerNode, p.remoteIp);
        if (byId.has(a) && byId.has(b)) {
          link = linkId(a, b);
          usedLinks.add(link);
        }
      }
      return {
        peer: p.to,
        peerNode,
        localIp: p.localIp,
        remoteIp: p.remoteIp,
        candidates: (p.candidates ?? []).map((c) => ({ localIp: c.localIp, remoteIp: c.remoteIp })),
        tunnel: p.tunnel ?? null,
        egressDevice: p.egressDevice ?? null,
        expectedLocalIp: expectedLocal,
        expectedRemoteIp: expectedRemote,
        expectedEgressDevice: nic?.vtep ?? null,
        confirmed: p.confirmed ?? null,
        detail: p.detail ?? null,
        wire: p.wire ?? null,
        status,
        linkId: link,
      };
    });
    const worst = paths.reduce<PathStatus | null>((w, p) => (w === null || PATH_RANK[p.status] > PATH_RANK[w] ? p.status : w), null);
    const status: RowStatus = worst ?? 'untraced';
    return {
      pod: pod.name,
      node: pod.chassis,
      class: nic?.class ?? null,
      nic: pod.pf ?? null,
      representor: pod.representor ?? null,
      expectedVtep: expectedLocal,
      vtep: paths.length > 0 ? common(paths.map((p) => p.localIp)) : (pod.bindingEncapIp ?? null),
      vtepDevice: nic?.vtep ?? null,
      egressDevice: common(paths.map((p) => p.egressDevice)),
      encapIp: pod.encapIp ?? null,
      bindingEncapIp: pod.bindingEncapIp ?? null,
      paths,
      confirmed: paths.length > 0 && paths.every((p) => p.confirmed === true),
      status,
    };
  });

  const linkViews: TunnelLinkView[] = [...links.entries()].map(([id, { a, b }]) => {
    const va = byId.get(a)!;
    const vb = byId.get(b)!;
    return {
      id,
      a,
      b,
      class: va.class !== null && va.class === vb.class ? va.class : null,
      ports: ports.get(id) ?? 0,
      observed: observed.has(va.chassis) && observed.has(vb.chassis),
      used: usedLinks.has(id),
    };
  });

  const findings: FindingView[] = (inputs.findings ?? []).map((f) => ({ ...f, hint: f.hint ?? null, chassis: f.chassis ?? null })).sort((x, y) => SEVERITY_RANK[x.severity] - SEVERITY_RANK[y.severity] || x.check.localeCompare(y.check)
    || x.subject.localeCompare(y.subject));

  const chassisViews: ChassisView[] = inputs.chassis.map((c) => {
    const bridges: BridgeView[] = (c.nics ?? []).map((n) => {
      const ip = nicIp(n);
      return { name: n.bridge ?? defaultBridgeName(n.pf), pf: n.pf, vtepId: ip ? vtepId(c.name, ip) : null, class: n.class ?? null };
    });
    return {
      name: c.name,
      hostname: c.hostname ?? null,
      encapIps: encapOrder(c, features),
      defaultEncapIp: c.defaultEncapIp ? bareIp(c.defaultEncapIp) : null,
      bridges,
      pods: inputs.pods.filter((p) => p.chassis === c.name).length,
    };
  });

  const allPaths = steering.flatMap((r) => r.paths);
  return {
    version: 1,
    generatedAt: (inputs.now ?? new Date()).toISOString(),
    source: { kind: inputs.source.kind, name: inputs.source.name },
    chassis: chassisViews,
    vteps,
    links: linkViews,
    tunnels,
    steering,
    findings,
    summary: {
      chassis: chassisViews.length,
      vteps: vteps.length,
      links: linkViews.length,
      tunnelPorts: tunnels.length,
      pods: steering.length,
      paths: allPaths.length,
      pathsConfirmed: allPaths.filter((p) => p.confirmed === true).length,
      pathsOk: allPaths.filter((p) => p.status === 'ok').length,
      pathsProbed: allPaths.filter((p) => p.wire !== null).length,
      pathsOnWire: allPaths.filter((p) => p.wire?.verdict === 'wire').length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      infos: findings.filter((f) => f.severity === 'info').length,
    },
  };
}
