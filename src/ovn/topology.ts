import { bindingEncap, bindingReason, type BindingReason } from './binding.ts';
import {
  encapIpOrder, modelSouthbound, type ChassisConfig, type ChassisModel, type EncapRow, type SouthboundModel,
} from './encaps.ts';
import { unicastEgress, type EgressPrediction } from './egress.ts';
import { tunnelMesh, type TunnelSpec } from './tunnels.ts';
import type { OvnFeatures } from './version.ts';

/** A VIF plugged into br-int of `chassis` with `iface-id` = lport. */
export interface VifConfig {
  readonly lport: string;
  readonly chassis: string;
  /** Interface external_ids:encap-ip, undefined when the key is absent. */
  readonly encapIp: string | undefined;
}

export interface TopologyInput {
  /** The release's behaviour switches (ovnFeatures). */
  readonly features: OvnFeatures;
  /** In registration order (matters only for duplicate (type, ip) conflicts). */
  readonly chassis: readonly ChassisConfig[];
  readonly vifs: readonly VifConfig[];
}

export interface BindingModel {
  readonly lport: string;
  readonly chassis: string;
  readonly encap: EncapRow | undefined;
  readonly reason: BindingReason;
}

export interface TopologyModel {
  readonly sb: SouthboundModel;
  readonly bindings: ReadonlyMap<string, BindingModel>;
  readonly tunnels: ReadonlyMap<string, readonly TunnelSpec[]>;
  egress(fromLport: string, toLport: string): EgressPrediction;
}

/** Everything OVN is predicted to do for a topology: SB rows, bindings, tunnels, egress. */
export function modelTopology(input: TopologyInput): TopologyModel {
  const sb = modelSouthbound(input.chassis, input.features);
  const registered = [...sb.chassis.values()].filter((c) => c.configured);
  const tunnels = new Map<string, TunnelSpec[]>();
  for (const c of registered) tunnels.set(c.name, tunnelMesh(c, registered));
  const bindings = new Map<string, BindingModel>();
  for (const v of input.vifs) {
    const c = sb.chassis.get(v.chassis);
    const encaps = c?.encaps ?? [];
    bindings.set(v.lport, {
      lport: v.lport, chassis: v.chassis, encap: bindingEncap(encaps, v.encapIp, input.features), reason: bindingReason(encaps, v.encapIp, input.features),
    });
  }
  return {
    sb,
    bindings,
    tunnels,
    egress(fromLport, toLport) {
      const from = bindings.get(fromLport);
      const to = bindings.get(toLport);
      if (!from) throw new RangeError(`unknown logical port '${fromLport}'`);
      if (!to) throw new RangeError(`unknown logical port '${toLport}'`);
      const chassis = sb.chassis.get(from.chassis);
      if (!chassis) throw new RangeError(`unknown chassis '${from.chassis}'`);
      return unicastEgress(chassis, from, to, tunnels.get(chassis.name) ?? []);
    },
  };
}

/**
 * A ChassisModel rebuilt from what the Southbound shows (no access to the
 * chassis' own OVSDB): the IP set is the Encap rows' IPs, the default the
 * is_default row. Differs from the real local order only when an IP lost a
 * duplicate conflict (it is in ovn-encap-ip but has no row).
 */
export function chassisFromSouthbound(name: string, encaps: readonly EncapRow[], features: OvnFeatures,
  transportZones: readonly string[] = []): ChassisModel {
  const ips = [...new Set(encaps.map((e) => e.ip))];
  const types = [...new Set(encaps.map((e) => e.type))];
  const defaultIp = encaps.find((e) => e.isDefault)?.ip;
  return {
    name, configured: encaps.length > 0, ips, types, defaultIp, defaultRejected: undefined,
    encapIps: encapIpOrder(ips, defaultIp, features), encaps, transportZones,
  };
}
