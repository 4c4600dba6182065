import { isIP } from 'node:net';
import { canonicalIp, checkNodeEncapConfig } from '../config/index.ts';
import {
  parseTunnelChassisId, tunnelMesh, unicastEgress,
  type ChassisModel, type TunnelSpec,
} from '../ovn/index.ts';
import { buildContext, type GatheredState, type NodeState, type SbEncap } from '../verify/index.ts';
import { MvtepError } from '../util/errors.ts';
import { gatheredRoute, routeCommand, routerName } from './route.ts';
import type { TraceEndpoints, TraceResult, TraceStep, TraceTunnel } from './types.ts';

export class TraceError extends MvtepError {}

/** "0a:58:01:01:00:00 10.0.0.1 2001:db8::1" -> mac and first IP. */
export function parseBindingMac(entries: readonly string[] | undefined): { mac: string | null; ip: string | null } {
  const first = entries?.[0]?.trim().split(/\s+/) ?? [];
  const mac = first[0] && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(first[0]) ? first[0] : null;
  const ip = first.slice(1).find((t) => isIP(t.split('/')[0]!) !== 0)?.split('/')[0] ?? null;
  return { mac, ip };
}

const canonical = canonicalIp;

function observedTunnels(node: NodeState): TunnelSpec[] {
  const out: TunnelSpec[] = [];
  for (const t of node.tunnels) {
    // OVN leaves tunnels without a valid ofport out of its tunnel table.
    if (t.ofport === null) continue;
    // Endpoints already follow the one rule (ovn tunnelEndpoints) in src/observe.
    const p = parseTunnelChassisId(t.chassisId);
    if (!p || t.localIp === undefined || t.remoteIp === undefined) continue;
    out.push({ chassis: p.chassis, type: t.type, localIp: t.localIp, remoteIp: t.remoteIp, chassisId: t.chassisId });
  }
  return out;
}

/**
 * The path of a unicast packet from logical port `from` to `to`, explained
 * from a gathered state (pure). The state needs the Southbound; a node view
 * of the source chassis adds interface, tunnel ports, routing and underlay.
 */
export function explainPath(state: GatheredState, from: string, to: string): TraceResult {
  const ctx = buildContext(state);
  const sb = ctx.sb;
  if (!sb) throw new TraceError('trace-no-southbound', 'trace needs the Southbound (--sb or a snapshot with it)');
  const src = sb.bindingByPort.get(from);
  const dst = sb.bindingByPort.get(to);
  if (!src) throw new TraceError('trace-unknown-port', `no Port_Binding for logical port '${from}'`, from);
  if (!dst) throw new TraceError('trace-unknown-port', `no Port_Binding for logical port '${to}'`, to);
  if (src.chassis === undefined) throw new TraceError('trace-unbound-port', `logical port '${from}' is not bound to a chassis`, from);
  if (dst.chassis === undefined) throw new TraceError('trace-unbound-port', `logical port '${to}' is not bound to a chassis`, to);
  const warnings: string[] = [];
  const nodeCtx = ctx.nodes.find((n) => n.chassisName === src.chassis);
  const node = nodeCtx?.node;
  if (ctx.nodes.length > 0 && !nodeCtx) warnings.push(`the node view is not of ${src.chassis} (the source chassis): tunnels come from the model`);
  // The local encap order comes from the chassis' own config when we see it (it can list IPs the SB lacks).
  const sbModel = sb.models.get(src.chassis);
  const local: ChassisModel | undefined = nodeCtx ? nodeCtx.model : sbModel;
  if (!local || !sbModel) throw new TraceError('trace-unknown-chassis', `no Chassis row for '${src.chassis}'`, src.chassis);
  const tunnels = node ? observedTunnels(node) : tunnelMesh(sbModel, sb.models.values());
  const srcEncap: SbEncap | undefined = src.encap === undefined ? undefined : sb.encapByUuid.get(src.encap);
  const dstEncap: SbEncap | undefined = dst.encap === undefined ? undefined : sb.encapByUuid.get(dst.encap);
  const egress = unicastEgress(local, { chassis: src.chassis, encap: srcEncap }, { chassis: dst.chassis, encap: dstEncap }, tunnels);

  const candidates: TraceEndpoints[] = egress.candidates.map((c) => ({ local_ip: c.localIp, remote_ip: c.remoteIp }));
  const tunnelOf = (c: TraceEndpoints): TraceTunnel => {
    const spec = tunnels.find((t) => t.chassis === dst.chassis && t.localIp === c.local_ip && t.remoteIp === c.remote_ip);
    const port = node?.tunnels.find((t) => t.chassisId === spec?.chassisId);
    return {
      ovn_chassis_id: spec?.chassisId ?? `${dst.chassis}@${c.remote_ip}%${c.local_ip}`,
      name: port?.port ?? null, ofport: port?.ofport ?? null, type: spec?.type ?? 'geneve', local_ip: c.local_ip, remote_ip: c.remote_ip,
    };
  };
  const candidateTunnels = candidates.map(tunnelOf);
  const localIps = new Set(candidates.map((c) => c.local_ip));
  const remoteIps = new Set(candidates.map((c) => c.remote_ip));
  const localIp = localIps.size === 1 ? [...localIps][0]! : null;
  const remoteIp = remoteIps.size === 1 ? [...remoteIps][0]! : null;
  const tunnel = egress.determined ? candidateTunnels[0]! : null;
  const routes = candidates.map((c) => gatheredRoute(node, c.local_ip, c.remote_ip));
  const route = egress.determined ? routes[0] ?? null : null;
  const devices = new Set(routes.map((r) => r?.device ?? null));
  const egressDevice = devices.size === 1 ? [...devices][0] ?? null : null;

  // Source side details from the node view.
  const iface = node?.interfaces.find((i) => i.externalIds['iface-id'] === from);
  const rep = iface ? node?.sriov?.representors.find((r) => r.netdev === iface.name) : undefined;
  const mapping = node ? checkNodeEncapConfig(node.openVswitch.externalIds).value.mapping : undefined;
  const mapped = rep ? mapping?.byPf.get(rep.pf)?.ip ?? null : null;
  const specVtep = localIp === null ? undefined : node?.spec?.vteps.find((v) => canonical(v.ip.split('/')[0]!) === canonical(localIp));
  const srcAddr = parseBindingMac(src.mac);
  const dstAddr = parseBindingMac(dst.mac);

  const steps: TraceStep[] = [];
  steps.push({ step: 'source-vif', text: `logical port ${from} bound on ${src.chassis}${iface ? `, interface ${iface.name} (ofport ${iface.ofport ?? '?'})` : ''}${iface?.externalIds['encap-ip'] !== undefined ? `, encap-ip ${iface.externalIds['encap-ip']}` : iface ? ', no encap-ip' : ''}; Port_Binding.encap ${srcEncap ? srcEncap.ip : 'none'}` });
  if (rep) steps.push({ step: 'representor', text: `${iface!.name} is the representor of VF ${rep.vf} of PF ${rep.pf}` });
  if (rep) steps.push({ step: 'pf', text: mapped ? `PF ${rep.pf} is mapped to VTEP ${mapped} (ovn-pf-encap-ip-mapping)` : `PF ${rep.pf} has no ovn-pf-encap-ip-mapping entry` });
  const order = `[${local.encapIps.join(', ')}]`;
  steps.push({ step: 'encap-id', text: srcEncap
    ? `encap ID ${egress.encapId} (reg13[16..31]) = index of ${srcEncap.ip} in the local order ${order}`
    : `encap ID ${egress.encapId} (reg13[16..31]): no Port_Binding.encap, so ID 0 of the local order ${order}` });
  steps.push({ step: 'local-vtep', text: `local VTEP ${egress.intendedLocalIp ?? '?'}${localIp !== null && localIp !== egress.intendedLocalIp ? `, but no tunnel uses it: OVN falls back to ${localIp}` : localIp === null ? ', no tunnel uses it: OVN falls back to any tunnel' : ''}` });
  if (egress.reason === 'local') steps.push({ step: 'tunnel', text: `destination is on the same chassis: no tunnel` });
  else if (egress.reason === 'no-tunnel') steps.push({ step: 'tunnel', text: `no tunnel to ${dst.chassis} on br-int` });
  else if (tunnel) steps.push({ step: 'tunnel', text: `tunnel ${tunnel.name ?? '(model)'} ofport ${tunnel.ofport ?? '?'} ${tunnel.type} ${tunnel.local_ip} -> ${tunnel.remote_ip} (ovn-chassis-id ${tunnel.ovn_chassis_id})` });
  else steps.push({ step: 'tunnel', text: `one of ${candidates.length} tunnels, OVN's choice is arbitrary (${egress.reason}): ${candidateTunnels.map((t) => `${t.name ?? '?'} ${t.local_ip} -> ${t.remote_ip}`).join('; ')}` });
  const routeStep = route?.lookup === 'kernel' || route?.lookup === undefined ? 'kernel-route' as const : 'ovs-route' as const;
  if (route) {
    const where = route.lookup === 'kernel' ? `table ${route.table ?? 'main'}, dev` : `${routerName(route)} (userspace datapath), dev`;
    steps.push({ step: routeStep, text: `${routeCommand(route)}: ${route.error ? `fails: ${route.error}` : `${where} ${route.device ?? '?'}${route.gateway ? ` via ${route.gateway}` : ''}`}` });
  } else if (egressDevice) steps.push({ step: routes[0]?.lookup === 'kernel' ? 'kernel-route' : 'ovs-route', text: `every candidate leaves through ${egressDevice} (${routes[0] ? routerName(routes[0]) : 'the kernel'})` });
  if (specVtep?.bridge) steps.push({ step: 'bridge', text: `VTEP port ${specVtep.device ?? '?'} on bridge ${specVtep.bridge}` });
  if (specVtep?.vlan !== undefined) steps.push({ step: 'vlan', text: `tagged VLAN ${specVtep.vlan}` });
  if (specVtep) steps.push({ step: 'uplink', text: `out of PF ${specVtep.pf}` });
  steps.push({ step: 'remote-chassis', text: `remote chassis ${dst.chassis}` });
  if (egress.reason !== 'local') steps.push({ step: 'remote-vtep', text: remoteIp ? `remote VTEP ${remoteIp}` : `remote VTEP arbitrary among ${[...remoteIps].join(', ')}` });
  steps.push({ step: 'destination-vif', text: `logical port ${to}; Port_Binding.encap ${dstEncap ? dstEncap.ip : 'none'}` });

  if (iface?.externalIds['encap-ip'] !== undefined && !srcEncap) warnings.push(`encap-ip ${iface.externalIds['encap-ip']} of ${iface.name} is ignored by OVN (not an Encap IP of ${src.chassis})`);
  if (mapped && iface && iface.externalIds['encap-ip'] !== mapped) warnings.push(`${iface.name} is on PF ${rep!.pf} (VTEP ${mapped}) but its encap-ip is ${iface.externalIds['encap-ip'] ?? 'absent'}`);
  if (!dstEncap && egress.reason !== 'local' && new Set(sb.models.get(dst.chassis)?.ips ?? []).size > 1) warnings.push(`${to} has no Port_Binding.encap: the remote VTEP is OVN's arbitrary choice`);
  if (route && specVtep?.device && route.device && route.device !== specVtep.device) warnings.push(`${routerName(route)} sends ${route.from} out of ${route.device}, not its VTEP device ${specVtep.device}`);

  return {
    from, to, source_chassis: src.chassis, destination_chassis: dst.chassis,
    reason: egress.reason, determined: egress.determined, encap_id: egress.encapId,
    local_ip: localIp, remote_ip: remoteIp, candidates, tunnel, candidate_tunnels: candidateTunnels,
    route, egress_device: egressDevice,
    source: {
      interface: iface?.name ?? null, ofport: iface?.ofport ?? null, encap_ip: iface?.externalIds['encap-ip'] ?? null,
      binding_encap_ip: srcEncap?.ip ?? null, representor_of: rep ? { pf: rep.pf, vf: rep.vf } : null, pf_mapped_ip: mapped,
      mac: srcAddr.mac, ip: srcAddr.ip,
    },
    destination: { binding_encap_ip: dstEncap?.ip ?? null, mac: dstAddr.mac, ip: dstAddr.ip },
    underlay: specVtep ? { bridge: specVtep.bridge ?? null, vlan: specVtep.vlan ?? null, pf: specVtep.pf, device: specVtep.device ?? null } : null,
    steps, warnings,
  };
}
