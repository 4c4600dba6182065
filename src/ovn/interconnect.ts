import { bindingEncap, bindingReason } from './binding.ts';
import { chassisFromSouthbound, type BindingModel, type VifConfig } from './topology.ts';
import { encapTypeRank, modelSouthbound, type ChassisConfig, type ChassisModel, type EncapRow } from './encaps.ts';
import { unicastEgress, type EgressPrediction } from './egress.ts';
import { tunnelMesh, type TunnelSpec } from './tunnels.ts';
import type { OvnFeatures } from './version.ts';

/**
 * OVN interconnect (one zone per node, as OVN-Kubernetes runs it): what one
 * zone's ovn-controller does with remote chassis and remote ports.
 *
 * - A remote chassis (SB Chassis with other_config:is-remote=true, synced by
 *   ovn-ic or written by OVN-Kubernetes) carries its Encap rows; a local
 *   chassis builds tunnels to it only when it has ovn-is-interconn=true,
 *   and then the full local x remote VTEP mesh.
 * - A `type=remote` Port_Binding is bound to its home chassis and has no
 *   encap unless someone writes one (upstream ovn-ic never does): egress
 *   then follows that Encap row, else the destination VTEP is any of the
 *   remote chassis' VTEPs (`remote-unpinned`, the candidate set).
 * - `requested-encap-ip` (an LSP option northd turns into Port_Binding.encap,
 *   geneve preferred) only where the running OVN supports it; that is
 *   detected by behaviour, never assumed from the version.
 */

export interface LocalChassisConfig extends ChassisConfig {
  /** external_ids:ovn-is-interconn=true: tunnels to remote chassis are built. */
  readonly interconn: boolean;
}

export interface RemoteChassisRow {
  readonly name: string;
  /** Its Encap rows as this zone's SB holds them. */
  readonly encaps: readonly EncapRow[];
}

export interface RemotePortConfig {
  readonly lport: string;
  /** The home chassis (requested-chassis; Port_Binding.chassis). */
  readonly chassis: string;
  /** IP of the Encap row Port_Binding.encap references in this zone, if any. */
  readonly encapIp?: string | undefined;
  /** The LSP's options:requested-encap-ip, if set. */
  readonly requestedEncapIp?: string | undefined;
}

/** Interconnect behaviour switches found by probing the running OVN (not by version). */
export interface InterconnectFeatures {
  /** northd fills Port_Binding.encap from LSP options:requested-encap-ip (OVN main after 26.03). */
  readonly requestedEncapIp: boolean;
}

export const NO_IC_FEATURES: InterconnectFeatures = { requestedEncapIp: false };

export interface ZoneInput {
  readonly name: string;
  readonly features: OvnFeatures;
  readonly icFeatures?: InterconnectFeatures;
  readonly localChassis: readonly LocalChassisConfig[];
  readonly remoteChassis: readonly RemoteChassisRow[];
  readonly vifs: readonly VifConfig[];
  readonly remotePorts: readonly RemotePortConfig[];
}

/** Why a remote port has the encap it has. */
export type RemotePortReason = 'written' | 'requested' | 'unpinned' | 'stale';

export interface RemotePortModel {
  readonly lport: string;
  readonly chassis: string;
  readonly encap: EncapRow | undefined;
  readonly reason: RemotePortReason;
}

export interface ZoneModel {
  readonly zone: string;
  readonly local: ReadonlyMap<string, ChassisModel>;
  readonly remote: ReadonlyMap<string, ChassisModel>;
  readonly bindings: ReadonlyMap<string, BindingModel>;
  readonly remotePorts: ReadonlyMap<string, RemotePortModel>;
  readonly tunnels: ReadonlyMap<string, readonly TunnelSpec[]>;
  /** Egress of a packet from local VIF `fromLport` to a local VIF or remote port `toLport`. */
  egress(fromLport: string, toLport: string): EgressPrediction;
}

/**
 * The Encap row of `chassisEncaps` with `ip`, best tunnel type first (geneve
 * over stt over vxlan): the row northd picks for requested-encap-ip, and the
 * one `mvtep ic steer` pins a remote port to.
 */
export function encapRowForIp<R extends { readonly ip: string; readonly type: string }>(
  chassisEncaps: readonly R[], ip: string | undefined): R | undefined {
  if (ip === undefined) return undefined;
  let best: R | undefined;
  for (const e of chassisEncaps) {
    if (e.ip === ip && (best === undefined || encapTypeRank(e.type) > encapTypeRank(best.type))) best = e;
  }
  return best;
}

function remotePortModel(p: RemotePortConfig, chassis: ChassisModel | undefined, ic: InterconnectFeatures): RemotePortModel {
  const encaps = chassis?.encaps ?? [];
  if (p.encapIp !== undefined) {
    const row = encapRowForIp(encaps, p.encapIp);
    // A reference to an Encap row the remote chassis no longer has: ovsdb's referential integrity clears it.
    return row ? { lport: p.lport, chassis: p.chassis, encap: row, reason: 'written' }
      : { lport: p.lport, chassis: p.chassis, encap: undefined, reason: 'stale' };
  }
  if (ic.requestedEncapIp && p.requestedEncapIp !== undefined) {
    const row = encapRowForIp(encaps, p.requestedEncapIp);
    if (row) return { lport: p.lport, chassis: p.chassis, encap: row, reason: 'requested' };
  }
  return { lport: p.lport, chassis: p.chassis, encap: undefined, reason: 'unpinned' };
}

/** What one zone's SB and ovn-controllers are predicted to do. */
export function modelZone(input: ZoneInput): ZoneModel {
  const ic = input.icFeatures ?? NO_IC_FEATURES;
  const sb = modelSouthbound(input.localChassis, input.features);
  const local = new Map([...sb.chassis].filter(([, c]) => c.configured));
  const remote = new Map(input.remoteChassis.map((r) => [r.name, chassisFromSouthbound(r.name, r.encaps, input.features)] as const));
  const tunnels = new Map<string, TunnelSpec[]>();
  for (const cfg of input.localChassis) {
    const c = local.get(cfg.name);
    if (!c) continue;
    const peers = [...local.values(), ...(cfg.interconn ? remote.values() : [])];
    tunnels.set(c.name, tunnelMesh(c, peers));
  }
  const bindings = new Map<string, BindingModel>();
  for (const v of input.vifs) {
    const encaps = local.get(v.chassis)?.encaps ?? [];
    bindings.set(v.lport, {
      lport: v.lport, chassis: v.chassis,
      encap: bindingEncap(encaps, v.encapIp, input.features), reason: bindingReason(encaps, v.encapIp, input.features),
    });
  }
  const remotePorts = new Map(input.remotePorts.map((p) => [p.lport, remotePortModel(p, remote.get(p.chassis), ic)] as const));
  return {
    zone: input.name, local, remote, bindings, remotePorts, tunnels,
    egress(fromLport, toLport) {
      const from = bindings.get(fromLport);
      if (!from) throw new RangeError(`zone ${input.name}: no local port '${fromLport}'`);
      const to = bindings.get(toLport) ?? remotePorts.get(toLport);
      if (!to) throw new RangeError(`zone ${input.name}: no port '${toLport}'`);
      const chassis = local.get(from.chassis);
      if (!chassis) throw new RangeError(`zone ${input.name}: chassis '${from.chassis}' is not registered`);
      return unicastEgress(chassis, from, to, tunnels.get(chassis.name) ?? []);
    },
  };
}

/**
 * A cross-zone path judged against the destination pod's own VTEP (its
 * Port_Binding.encap in its home zone):
 * - `steered`: exactly one tunnel, to the destination pod's VTEP;
 * - `arbitrary`: several candidate VTEPs, chosen by OVN's hash order;
 * - `wrong`: exactly one tunnel, to another VTEP (steering drift);
 * - `no-home-vtep`: the destination pod has no pinned VTEP in its zone, so
 *   any of its node's VTEPs is as right as another.
 */
export type CrossZoneVerdict = 'steered' | 'arbitrary' | 'wrong' | 'no-home-vtep';

export function crossZoneVerdict(egress: Pick<EgressPrediction, 'determined' | 'candidates'>, homeVtep: string | undefined): CrossZoneVerdict {
  if (homeVtep === undefined) return 'no-home-vtep';
  if (!egress.determined) return egress.candidates.some((c) => c.remoteIp === homeVtep) ? 'arbitrary' : 'wrong';
  return egress.candidates[0]!.remoteIp === homeVtep ? 'steered' : 'wrong';
}

/**
 * The VTEPs traffic to a remote port may arrive on, as the zone's
 * ovn-controller chooses: its Encap row's IP when one is set (written or
 * requested), else any VTEP of the remote chassis as this zone knows it.
 */
export function destinationCandidates(port: RemotePortModel, remote: ChassisModel | undefined): readonly string[] {
  return port.encap ? [port.encap.ip] : remote?.ips ?? [];
}

/**
 * crossZoneVerdict for the destination half alone (no source chassis
 * needed): what verify judges a remote port by in each zone.
 */
export function destinationVerdict(port: RemotePortModel, remote: ChassisModel | undefined, homeVtep: string | undefined): CrossZoneVerdict {
  if (homeVtep === undefined) return 'no-home-vtep';
  const c = destinationCandidates(port, remote);
  if (c.length === 1) return c[0] === homeVtep ? 'steered' : 'wrong';
  return c.includes(homeVtep) ? 'arbitrary' : 'wrong';
}
