import { checkNodeEncapConfig, type Checked, type NodeEncapConfig } from '../config/index.ts';
import {
  chassisConfigFromExternalIds, chassisFromSouthbound, DEFAULT_OVN_VERSION, modelChassis, ovnFeatures, parseOvnVersion,
  type ChassisModel, type EncapRow, type OvnFeatures, type OvnVersion, type ZoneBindings,
} from '../ovn/index.ts';
import { isRemoteChassis } from '../observe/index.ts';
import type { GatheredState, NodeState, SbChassis, SbEncap, SbPortBinding, SouthboundState, ZoneState } from '../observe/index.ts';

/** Indexes over the Southbound, built once per run (checks must stay linear at 1000 chassis). */
export interface SbIndex {
  readonly encapByUuid: ReadonlyMap<string, SbEncap>;
  readonly chassisByName: ReadonlyMap<string, SbChassis>;
  /** Encap rows per chassis_name (the rows that say they belong to it). */
  readonly encapsByChassis: ReadonlyMap<string, readonly EncapRow[]>;
  /** Chassis names per encap IP. */
  readonly chassisByIp: ReadonlyMap<string, ReadonlySet<string>>;
  readonly bindingsByChassis: ReadonlyMap<string, readonly SbPortBinding[]>;
  readonly bindingByPort: ReadonlyMap<string, SbPortBinding>;
  /** Chassis models rebuilt from the SB (for tunnel expectations). */
  readonly models: ReadonlyMap<string, ChassisModel>;
}

export interface NodeContext {
  readonly node: NodeState;
  readonly chassisName: string | undefined;
  readonly config: Checked<NodeEncapConfig>;
  /** The chassis as its own ovn-controller sees it (from the OVS config). */
  readonly model: ChassisModel;
}

export interface CheckContext {
  readonly state: GatheredState;
  readonly version: OvnVersion | undefined;
  readonly features: OvnFeatures;
  readonly sb: SbIndex | undefined;
  readonly nodes: readonly NodeContext[];
  /** Interconnect zones (verify --zones), in zones-file order. */
  readonly zones: readonly ZoneContext[];
}

export interface ZoneContext {
  readonly zone: ZoneState;
  /** Undefined when the zone could not be read. */
  readonly sb: SbIndex | undefined;
  /** The zone as the IC model takes it (podHomes, chassisHomes); undefined when unreadable. */
  readonly bindings: ZoneBindings | undefined;
  readonly features: OvnFeatures;
}

/** One zone's SB as the IC model's ZoneBindings: chassis (remote or local) with their IPs, ports with their encap IP. */
export function zoneBindings(name: string, southbound: SouthboundState, sb: SbIndex): ZoneBindings {
  const chassis = new Map<string, { remote: boolean; ips: readonly string[] }>();
  for (const c of southbound.chassis) chassis.set(c.name, { remote: isRemoteChassis(c), ips: sb.models.get(c.name)?.ips ?? [] });
  const ports = southbound.portBindings.map((pb) => ({
    lport: pb.logicalPort, type: pb.type, chassis: pb.chassis,
    encapIp: pb.encap === undefined ? undefined : sb.encapByUuid.get(pb.encap)?.ip,
  }));
  return { zone: name, chassis, ports };
}

export function toEncapRow(e: SbEncap): EncapRow {
  return { chassisName: e.chassisName, ip: e.ip, type: e.type, isDefault: e.options['is_default'] === 'true', csum: e.options['csum'] ?? '' };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function indexSouthbound(sb: SouthboundState | undefined, features: OvnFeatures): SbIndex | undefined {
  if (!sb) return undefined;
  const encapByUuid = new Map<string, SbEncap>();
  const encapsByChassis = new Map<string, EncapRow[]>();
  const chassisByIp = new Map<string, Set<string>>();
  for (const e of sb.encaps) {
    encapByUuid.set(e.uuid, e);
    push(encapsByChassis, e.chassisName, toEncapRow(e));
    let set = chassisByIp.get(e.ip);
    if (!set) chassisByIp.set(e.ip, (set = new Set()));
    set.add(e.chassisName);
  }
  const chassisByName = new Map<string, SbChassis>();
  const models = new Map<string, ChassisModel>();
  for (const c of sb.chassis) {
    chassisByName.set(c.name, c);
    const rows = c.encaps.map((u) => encapByUuid.get(u)).filter((e): e is SbEncap => e !== undefined).map(toEncapRow);
    models.set(c.name, chassisFromSouthbound(c.name, rows, features, c.transportZones));
  }
  const bindingsByChassis = new Map<string, SbPortBinding[]>();
  const bindingByPort = new Map<string, SbPortBinding>();
  for (const pb of sb.portBindings) {
    bindingByPort.set(pb.logicalPort, pb);
    if (pb.chassis !== undefined) push(bindingsByChassis, pb.chassis, pb);
  }
  return { encapByUuid, chassisByName, encapsByChassis, chassisByIp, bindingsByChassis, bindingByPort, models };
}

function versionOf(state: GatheredState): OvnVersion | undefined {
  return parsedVersion(state.ovnVersion ?? state.nodes.find((n) => n.openVswitch.ovnVersion)?.openVswitch.ovnVersion);
}

function parsedVersion(text: string | undefined): OvnVersion | undefined {
  if (text === undefined) return undefined;
  try {
    return parseOvnVersion(text);
  } catch {
    return undefined;
  }
}

export function buildContext(state: GatheredState): CheckContext {
  const version = versionOf(state);
  const features = ovnFeatures(version ?? DEFAULT_OVN_VERSION);
  const sb = indexSouthbound(state.southbound, features);
  const nodes = state.nodes.map((node): NodeContext => {
    const ids = node.openVswitch.externalIds;
    const config = checkNodeEncapConfig(ids);
    const chassisCfg = chassisConfigFromExternalIds(ids);
    return { node, chassisName: config.value.chassis, config, model: modelChassis(chassisCfg, features) };
  });
  const zones = (state.zones ?? []).map((zone): ZoneContext => {
    // Zones may run different releases mid-upgrade: each is modelled by its own.
    const v = parsedVersion(zone.ovnVersion);
    const zf = v ? ovnFeatures(v) : features;
    const zsb = indexSouthbound(zone.southbound, zf);
    return { zone, sb: zsb, bindings: zsb && zoneBindings(zone.name, zone.southbound!, zsb), features: zf };
  });
  return { state, version, features, sb, nodes, zones };
}
