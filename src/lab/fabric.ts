import { run } from './exec.ts';
import type { LabContext } from './context.ts';
import type { FabricSpec } from './scenario.ts';
import type { FabricHandle } from './state.ts';

/**
 * The underlay "switch": a Linux bridge in a lab-owned netns. Every PF of
 * every chassis is one veth pair: the end named like the PF in the chassis
 * netns (the underlay later puts it on its OVS bridge), the other end a port
 * of this bridge. The gateway address lives on the bridge (or on its VLAN
 * interface when the fabric is tagged), so routes "via gateway" resolve.
 */

export const FABRIC_BRIDGE = 'br-fabric';
/** Jumbo frames: VTEP devices need MTU >= overlay MTU + 58/78 (spec §7). */
export const FABRIC_MTU = 9000;

export async function createFabric(ctx: LabContext, netns: string, spec: FabricSpec): Promise<FabricHandle> {
  await ctx.netnsAdd(netns);
  const ip = (...args: string[]) => run(['ip', '-n', netns, ...args]);
  const gateway = `${spec.gateway.address}/${spec.gateway.prefixLen}`;
  if (spec.vlan === undefined) {
    await ip('link', 'add', FABRIC_BRIDGE, 'mtu', String(FABRIC_MTU), 'type', 'bridge', 'stp_state', '0');
    await ip('addr', 'add', gateway, 'dev', FABRIC_BRIDGE);
    await ip('link', 'set', FABRIC_BRIDGE, 'up');
  } else {
    const vlanDev = `${FABRIC_BRIDGE}.${spec.vlan}`;
    await ip('link', 'add', FABRIC_BRIDGE, 'mtu', String(FABRIC_MTU), 'type', 'bridge', 'stp_state', '0', 'vlan_filtering', '1');
    await ip('link', 'set', FABRIC_BRIDGE, 'up');
    await run(['ip', 'netns', 'exec', netns, 'bridge', 'vlan', 'add', 'vid', String(spec.vlan), 'dev', FABRIC_BRIDGE, 'self']);
    await ip('link', 'add', 'link', FABRIC_BRIDGE, 'name', vlanDev, 'type', 'vlan', 'id', String(spec.vlan));
    await ip('addr', 'add', gateway, 'dev', vlanDev);
    await ip('link', 'set', vlanDev, 'up');
  }
  return { netns, bridge: FABRIC_BRIDGE, gateway, ...(spec.vlan !== undefined ? { vlan: spec.vlan } : {}) };
}

/** Fabric-side name for PF `pf` of chassis number `chassisIndex` (<= 15 chars). */
export function fabricPeerName(chassisIndex: number, nicIndex: number, pf: string): string {
  const readable = `c${chassisIndex}-${pf}`;
  return readable.length <= 15 ? readable : `c${chassisIndex}n${nicIndex}`;
}

/** One PF's cable: veth `pf` in the chassis netns <-> `peer` on the fabric bridge. */
export async function cablePf(fabric: FabricHandle, chassisNetns: string, pf: string, mac: string, peer: string): Promise<void> {
  // Created directly inside both namespaces: the root netns may have its own `enp1s0f0`.
  await run(['ip', 'link', 'add', pf, 'netns', chassisNetns, 'address', mac, 'mtu', String(FABRIC_MTU), 'type', 'veth',
    'peer', 'name', peer, 'netns', fabric.netns, 'mtu', String(FABRIC_MTU)]);
  await run(['ip', '-n', fabric.netns, 'link', 'set', peer, 'master', fabric.bridge]);
  if (fabric.vlan !== undefined) {
    await run(['ip', 'netns', 'exec', fabric.netns, 'bridge', 'vlan', 'add', 'vid', String(fabric.vlan), 'dev', peer]);
  }
  await run(['ip', '-n', fabric.netns, 'link', 'set', peer, 'up']);
  await run(['ip', '-n', chassisNetns, 'link', 'set', pf, 'up']);
}
