/**
 * Turns verify's gathered state (live node OVSDBs, the Southbound, sysfs and
 * routing, the same picture `mvtep verify` checks) into the dashboard's plain
 * inputs. Pure: the live sources only refresh the GatheredState.
 */
import { checkPfEncapIpMapping, PF_MAPPING_KEY } from '../config/index.ts';
import { chassisConfigFromExternalIds, featuresOfVersionText, isOvnTunnelType, modelChassis } from '../ovn/index.ts';
import type { Finding, GatheredState, NodeState } from '../verify/index.ts';
import type { ChassisInput, FindingInput, NicInput, PathInput, PodInput, ViewInputs } from './inputs.ts';

export interface FromStateOptions {
  readonly source: ViewInputs['source'];
  readonly findings?: readonly Finding[];
  readonly paths?: readonly PathInput[];
  /** NICs per chassis as the node spec declares them (adds classes, devices, VLANs). */
  readonly nics?: ReadonlyMap<string, readonly NicInput[]>;
  readonly now?: Date;
}

/** The mapping as config's one parser reads it; rejected entries are left out (verify reports them). */
function mappingNics(raw: string | undefined): NicInput[] {
  if (!raw) return [];
  return checkPfEncapIpMapping(raw, undefined, PF_MAPPING_KEY).value.entries.map((e) => ({ pf: e.pf, ip: e.ip }));
}


function deviceOf(node: NodeState, ip: string): string | null {
  return node.routing?.addresses.find((a) => a.ip === ip)?.dev ?? null;
}

/** The node's NICs: the spec when given, else its own spec state, else the PF mapping. */
function nodeNics(node: NodeState, declared: readonly NicInput[] | undefined): NicInput[] {
  if (declared && declared.length > 0) {
    return declared.map((n) => (n.vtep || !n.ip ? n : { ...n, vtep: deviceOf(node, n.ip.split('/')[0]!) }));
  }
  if (node.spec && node.spec.vteps.length > 0) {
    return node.spec.vteps.map((v) => ({
      pf: v.pf, ip: v.ip, vtep: v.device ?? deviceOf(node, v.ip.split('/')[0]!), bridge: v.bridge ?? null, vlan: v.vlan ?? null,
    }));
  }
  return mappingNics(node.openVswitch.externalIds['ovn-pf-encap-ip-mapping'])
    .map((n) => ({ ...n, vtep: deviceOf(node, n.ip!) }));
}

function chassisName(node: NodeState): string {
  return node.openVswitch.externalIds['system-id'] ?? node.label;
}

export function inputsFromGathered(state: GatheredState, options: FromStateOptions): ViewInputs {
  const sb = state.southbound;
  const encapIpByUuid = new Map((sb?.encaps ?? []).map((e) => [e.uuid, e.ip]));
  const bindingEncap = new Map((sb?.portBindings ?? []).map((pb) => [pb.logicalPort, pb.encap ? encapIpByUuid.get(pb.encap) ?? null : null]));
  const chassis: ChassisInput[] = [];
  const pods: PodInput[] = [];
  const seen = new Set<string>();
  const features = featuresOfVersionText(state.ovnVersion);

  for (const node of state.nodes) {
    const name = chassisName(node);
    seen.add(name);
    const ids = node.openVswitch.externalIds;
    // The model reads the keys (with their `-<chassis>` overrides) and decides whether OVN honours the default.
    const model = modelChassis(chassisConfigFromExternalIds({ ...ids, 'system-id': name }), features);
    const sbChassis = sb?.chassis.find((c) => c.name === name);
    chassis.push({
      name,
      hostname: sbChassis?.hostname ?? ids['hostname'] ?? null,
      encapIps: model.ips,
      defaultEncapIp: model.defaultIp ?? null,
      nics: nodeNics(node, options.nics?.get(name)),
      tunnels: node.tunnels
        .filter((t) => t.localIp !== undefined && t.remoteIp !== undefined)
        .map((t) => ({
          remoteChassis: t.chassisId.split('@')[0] ?? '',
          localIp: t.localIp!,
          remoteIp: t.remoteIp!,
          name: t.port,
          ofport: t.ofport,
        })),
    });
    const reps = new Map((node.sriov?.representors ?? []).map((r) => [r.netdev, r.pf]));
    const tunnelPorts = new Set(node.tunnels.map((t) => t.port));
    for (const iface of node.interfaces) {
      const lport = iface.externalIds['iface-id'];
      if (!lport || tunnelPorts.has(iface.name) || isOvnTunnelType(iface.type)) continue;
      pods.push({
        name: lport,
        chassis: name,
        pf: reps.get(iface.name) ?? null,
        representor: iface.name,
        encapIp: iface.externalIds['encap-ip'] ?? null,
        bindingEncapIp: bindingEncap.get(lport) ?? null,
      });
    }
  }

  // Chassis only the Southbound knows: their Encap rows, no tunnels (not observable from here).
  for (const c of sb?.chassis ?? []) {
    if (seen.has(c.name)) continue;
    const encaps = (sb?.encaps ?? []).filter((e) => c.encaps.includes(e.uuid));
    chassis.push({
      name: c.name,
      hostname: c.hostname ?? null,
      encapIps: [...new Set(encaps.map((e) => e.ip))],
      defaultEncapIp: encaps.find((e) => e.options['is_default'] === 'true')?.ip ?? null,
      nics: options.nics?.get(c.name) ? [...options.nics.get(c.name)!] : [],
    });
    for (const pb of sb?.portBindings ?? []) {
      if (pb.chassis !== c.name || pb.type !== '') continue;
      pods.push({ name: pb.logicalPort, chassis: c.name, bindingEncapIp: bindingEncap.get(pb.logicalPort) ?? null });
    }
  }

  const findings: FindingInput[] = (options.findings ?? []).map((f) => ({
    check: f.check, severity: f.severity, subject: f.subject, message: f.message, hint: f.hint,
  }));
  return {
    source: options.source,
    chassis,
    pods,
    paths: options.paths ?? [],
    findings,
    ...(state.ovnVersion ? { ovnVersion: state.ovnVersion } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
}
