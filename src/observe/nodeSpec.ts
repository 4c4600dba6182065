import { loadNodeSpec, type NodeSpec } from '../config/nodeSpec.ts';
import type { NodeSpecState } from './state.ts';

export function specState(spec: NodeSpec): NodeSpecState {
  return {
    overlayMtu: spec.overlayMtu,
    vteps: spec.nics.map((n) => ({
      pf: n.pf, ip: n.ip.address, prefixLen: n.ip.prefixLength, device: n.vtep, bridge: n.bridge, table: n.table,
      ...(n.vlan !== undefined ? { vlan: n.vlan } : {}), ...(n.gateway !== undefined ? { gateway: n.gateway } : {}),
    })),
  };
}

export async function readSpec(file: string): Promise<NodeSpecState> {
  return specState(await loadNodeSpec(file));
}
