import { validateNodeSpec, type NodeSpec, type NodeSpecInput, type DatapathType } from '../../config/nodeSpec.ts';

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

/** Bridge name for a PF within Linux' 15 characters. */
function bridgeFor(pf: string): string {
  const name = `br${pf}`;
  return name.length <= 15 ? name : `br${pf.slice(-13)}`;
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
        pf, bridge: bridgeFor(pf), vtep: `vtep${i}`, ip: withLen,
        ...(c.vlan !== undefined ? { vlan: c.vlan } : {}),
        ...(cls !== undefined ? { class: cls } : {}),
      };
    }),
  };
  return validateNodeSpec(input, { file: `chassis ${c.chassis}` });
}
