import { validateNodeSpec, type NodeSpec, type NodeSpecInput, type DatapathType } from '../../config/nodeSpec.ts';
import { defaultBridgeName } from '../../config/names.ts';

/** What the lab (or a demo) knows about a chassis' NICs. */
export interface ChassisUnderlay {
  /** Chassis name, written as system-id. */
  readonly chassis: string;
  /** PF netdev names, one VTEP each (vtep0, vtep1, ...). */
  readonly pfs: readonly string[];
  /** VTEP IP per PF, `ADDR/LEN` or a bare address (then /24 for IPv4, /64 for IPv6). */
  readonly vtepIps: readonly string[];
  /** Fabric gateway(s), at most one per family. */
  readonly gateway: string | readonly string[];
  readonly supernets?: readonly string[];
  readonly vlan?: number;
  /** Default `netdev`: the lab's vswitchd has no kernel datapath. */
  readonly datapathType?: DatapathType;
  /** Index into pfs (or a vtep name) of the default VTEP. */
  readonly defaultVtep?: number | string;
  readonly overlayMtu?: number;
  readonly encapType?: string;
  readonly classes?: readonly (string | undefined)[];
}

/** Builds (and validates, like a YAML file) the node spec of a chassis. */
export function nodeSpecFromChassis(c: ChassisUnderlay): NodeSpec {
  const input: NodeSpecInput = {
    node: c.chassis,
    datapathType: c.datapathType ?? 'netdev',
    ...(c.encapType !== undefined ? { encapType: c.encapType } : {}),
    ...(c.overlayMtu !== undefined ? { overlayMtu: c.overlayMtu } : {}),
    ...(c.defaultVtep !== undefined ? { defaultVtep: typeof c.defaultVtep === 'number' ? `vtep${c.defaultVtep}` : c.defaultVtep } : {}),
    routing: { supernets: [...(c.supernets ?? [])], gateway: typeof c.gateway === 'string' ? c.gateway : [...c.gateway] },
    nics: c.pfs.map((pf, i) => {
      const ip = c.vtepIps[i] ?? '';
      const withLen = ip.includes('/') || ip === '' ? ip : `${ip}/${ip.includes(':') ? 64 : 24}`;
      const cls = c.classes?.[i];
      return {
        pf, bridge: defaultBridgeName(pf), vtep: `vtep${i}`, ip: withLen,
        ...(c.vlan !== undefined ? { vlan: c.vlan } : {}),
        ...(cls !== undefined ? { class: cls } : {}),
      };
    }),
  };
  return validateNodeSpec(input, { file: `chassis ${c.chassis}` });
}

/** The parts of a lab ChassisHandle / FabricHandle used here (structural: node/ does not import lab/). */
export interface LabChassisLike {
  readonly name: string;
  readonly encapIpDefault?: string;
  readonly nics: readonly { readonly pf: string; readonly vtep?: string; readonly purpose?: string }[];
}
export interface LabFabricLike {
  /** `ADDR/LEN`, e.g. 192.0.2.254/24: the VTEP subnets take its prefix length. */
  readonly gateway: string;
  readonly vlan?: number;
}

/**
 * A lab chassis' underlay: its NICs that have a VTEP IP, in the fabric
 * gateway's subnet and VLAN, the NIC purpose as class. Feed the result to
 * nodeSpecFromChassis().
 */
export function labChassisUnderlay(chassis: LabChassisLike, fabric: LabFabricLike, extra: Partial<ChassisUnderlay> = {}): ChassisUnderlay {
  const [gw, len] = fabric.gateway.split('/');
  const nics = chassis.nics.filter((n) => n.vtep !== undefined);
  const def = nics.findIndex((n) => n.vtep === chassis.encapIpDefault);
  return {
    chassis: chassis.name,
    pfs: nics.map((n) => n.pf),
    vtepIps: nics.map((n) => (len !== undefined ? `${n.vtep}/${len}` : n.vtep!)),
    gateway: gw ?? fabric.gateway,
    classes: nics.map((n) => n.purpose),
    ...(fabric.vlan !== undefined ? { vlan: fabric.vlan } : {}),
    ...(def >= 0 ? { defaultVtep: def } : {}),
    ...extra,
  };
}
