import { byteCompare, ovnTokenSet } from './strings.ts';
import type { OvnFeatures } from './version.ts';

/** Tunnel types OVN knows, ranked as get_tunnel_type() does: higher wins. */
export function encapTypeRank(type: string): number {
  switch (type) {
    case 'geneve': return 3;
    case 'stt': return 2;
    case 'vxlan': return 1;
    default: return 0;
  }
}

/**
 * What a chassis' Open_vSwitch external_ids say about encapsulation, after
 * the per-chassis overrides (`ovn-encap-ip-<chassis>`) were applied.
 * Values are the raw strings: OVN's parsing is done by the model.
 */
export interface ChassisConfig {
  readonly name: string;
  readonly encapIp: string | undefined;
  readonly encapType: string | undefined;
  readonly encapIpDefault?: string | undefined;
  readonly encapCsum?: string | undefined;
  readonly transportZones?: readonly string[] | undefined;
}

/** One SB Encap row as OVN writes it. */
export interface EncapRow {
  readonly chassisName: string;
  readonly ip: string;
  readonly type: string;
  readonly isDefault: boolean;
  readonly csum: string;
}

/** A chassis as the model sees it after ovn-controller registered it. */
export interface ChassisModel {
  readonly name: string;
  /** False when ovn-encap-ip or ovn-encap-type is missing: OVN does not register the chassis. */
  readonly configured: boolean;
  /** The parsed ovn-encap-ip set, in first-appearance order. */
  readonly ips: readonly string[];
  readonly types: readonly string[];
  /** The default that OVN accepted (listed exactly and supported by the version). */
  readonly defaultIp: string | undefined;
  /** Why a configured default was dropped, when it was. */
  readonly defaultRejected: 'not-listed' | 'unsupported-version' | undefined;
  /** Local encap IDs: encapIps[id] is the local VTEP for encap ID `id`. */
  readonly encapIps: readonly string[];
  /** SB Encap rows this chassis owns (conflicting ones removed by modelSouthbound). */
  readonly encaps: readonly EncapRow[];
  readonly transportZones: readonly string[];
}

/** Lookup of a key honouring OVN's `<key>-<chassis>` override. */
export function chassisExternalId(
  externalIds: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  chassis: string | undefined,
  key: string,
): string | undefined {
  const get = (k: string): string | undefined =>
    externalIds instanceof Map ? externalIds.get(k) : (externalIds as Readonly<Record<string, string>>)[k];
  if (chassis !== undefined) {
    const specific = get(`${key}-${chassis}`);
    if (specific !== undefined) return specific;
  }
  return get(key);
}

/** Builds a ChassisConfig from an Open_vSwitch row's external_ids. */
export function chassisConfigFromExternalIds(
  externalIds: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): ChassisConfig {
  const get = (k: string): string | undefined =>
    externalIds instanceof Map ? externalIds.get(k) : (externalIds as Readonly<Record<string, string>>)[k];
  const name = get('system-id') ?? '';
  const tz = chassisExternalId(externalIds, name, 'ovn-transport-zones');
  return {
    name,
    encapIp: chassisExternalId(externalIds, name, 'ovn-encap-ip'),
    encapType: chassisExternalId(externalIds, name, 'ovn-encap-type'),
    encapIpDefault: chassisExternalId(externalIds, name, 'ovn-encap-ip-default'),
    encapCsum: chassisExternalId(externalIds, name, 'ovn-encap-csum'),
    transportZones: tz === undefined ? [] : ovnTokenSet(tz),
  };
}

/**
 * The local encap ID order: the IP set sorted byte-wise (so "192.0.2.100"
 * sorts before "192.0.2.11"), and on releases with the fix the default
 * swapped (not rotated) into index 0.
 */
export function encapIpOrder(ips: readonly string[], defaultIp: string | undefined, features: OvnFeatures): string[] {
  const sorted = [...ips].sort(byteCompare);
  if (defaultIp !== undefined && features.defaultIsEncapIdZero) {
    const i = sorted.indexOf(defaultIp);
    if (i > 0) {
      sorted[i] = sorted[0]!;
      sorted[0] = defaultIp;
    }
  }
  return sorted;
}

/** ovn-controller's view of one chassis, before cross-chassis conflicts. */
export function modelChassis(cfg: ChassisConfig, features: OvnFeatures): ChassisModel {
  const ips = cfg.encapIp === undefined ? [] : ovnTokenSet(cfg.encapIp);
  const types = cfg.encapType === undefined ? [] : ovnTokenSet(cfg.encapType);
  const configured = cfg.encapIp !== undefined && cfg.encapType !== undefined;
  let defaultIp: string | undefined;
  let defaultRejected: ChassisModel['defaultRejected'];
  if (cfg.encapIpDefault !== undefined) {
    if (!features.encapIpDefault) defaultRejected = 'unsupported-version';
    else if (!ips.includes(cfg.encapIpDefault)) defaultRejected = 'not-listed';
    else defaultIp = cfg.encapIpDefault;
  }
  const csum = cfg.encapCsum ?? 'true';
  const encaps: EncapRow[] = [];
  if (configured) {
    for (const ip of ips) {
      for (const type of types) {
        encaps.push({ chassisName: cfg.name, ip, type, isDefault: ip === defaultIp, csum });
      }
    }
  }
  return {
    name: cfg.name,
    configured,
    ips,
    types,
    defaultIp,
    defaultRejected,
    encapIps: encapIpOrder(ips, defaultIp, features),
    encaps,
    transportZones: cfg.transportZones ?? [],
  };
}

/** Index of an IP in the local encap order; OVN falls back to 0. */
export function encapIdOf(chassis: Pick<ChassisModel, 'encapIps'>, ip: string | undefined): number {
  if (ip === undefined) return 0;
  const i = chassis.encapIps.indexOf(ip);
  return i < 0 ? 0 : i;
}

export interface EncapConflict {
  readonly ip: string;
  readonly type: string;
  /** The chassis that registered first and keeps the row. */
  readonly owner: string;
  readonly rejected: string;
}

export interface SouthboundModel {
  readonly chassis: ReadonlyMap<string, ChassisModel>;
  readonly conflicts: readonly EncapConflict[];
}

/**
 * All chassis together. `(type, ip)` is unique in the SB: when two chassis
 * claim one, the first to register keeps it and the other one's row is
 * skipped (OVN logs a warning). `configs` is in registration order.
 */
export function modelSouthbound(configs: readonly ChassisConfig[], features: OvnFeatures): SouthboundModel {
  const owners = new Map<string, string>();
  const conflicts: EncapConflict[] = [];
  const chassis = new Map<string, ChassisModel>();
  for (const cfg of configs) {
    const m = modelChassis(cfg, features);
    const kept: EncapRow[] = [];
    for (const e of m.encaps) {
      const key = `${e.type}\u0000${e.ip}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== m.name) {
        conflicts.push({ ip: e.ip, type: e.type, owner, rejected: m.name });
        continue;
      }
      owners.set(key, m.name);
      kept.push(e);
    }
    chassis.set(m.name, { ...m, encaps: kept });
  }
  return { chassis, conflicts };
}

/** The VTEPs OVN makes of a chassis' config: ovn-encap-ip (or its `-<chassis>` override) as a token set. */
export function chassisEncapIps(externalIds: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string[] {
  const ip = chassisConfigFromExternalIds(externalIds).encapIp;
  return ip === undefined ? [] : ovnTokenSet(ip);
}
