import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../util/exec.ts';
import { daemonEnv, type LabContext } from './context.ts';
import type { FabricSpec } from './scenario.ts';
import type { FabricHandle } from './state.ts';

/**
 * The underlay "switch" in a lab-owned netns. Every PF of every chassis is
 * one veth pair: the end named like the PF in the chassis netns (the underlay
 * later puts it on its OVS bridge), the other end a port of the fabric
 * switch. The gateway address lives on the fabric, so routes "via gateway"
 * resolve.
 *
 * Untagged fabric: a Linux bridge holding the gateway address.
 * Tagged fabric (`vlan`): an OVS bridge (netdev datapath, its own
 * ovsdb-server and ovs-vswitchd in the fabric netns) whose veth ports are
 * trunks and whose gateway is an internal port with `tag=<vlan>`. OVS does the
 * tagging in userspace, so this works on kernels without 8021q or bridge VLAN
 * filtering (like the machines this was built on).
 */

export const FABRIC_BRIDGE = 'br-fabric';
/** Jumbo frames: VTEP devices need MTU >= overlay MTU + 58/78 (spec §7). */
export const FABRIC_MTU = 9000;
const QUIET = ['-vconsole:off', '-vsyslog:off'];

/** The lab's fabric (`mvl<id>-fab`), recorded in the state file at once so teardown finds it. */
export async function startLabFabric(ctx: LabContext, spec: FabricSpec): Promise<void> {
  ctx.state.fabric = await createFabric(ctx, `mvl${ctx.state.id}-fab`, spec);
  await ctx.save();
}

export async function createFabric(ctx: LabContext, netns: string, spec: FabricSpec): Promise<FabricHandle> {
  await ctx.netnsAdd(netns);
  const ip = (...args: string[]) => run(['ip', '-n', netns, ...args]);
  const gateway = `${spec.gateway.address}/${spec.gateway.prefixLen}`;
  if (spec.vlan === undefined) {
    await ip('link', 'add', FABRIC_BRIDGE, 'mtu', String(FABRIC_MTU), 'type', 'bridge', 'stp_state', '0');
    await ip('addr', 'add', gateway, 'dev', FABRIC_BRIDGE);
    await ip('link', 'set', FABRIC_BRIDGE, 'up');
    return { netns, bridge: FABRIC_BRIDGE, kind: 'linux-bridge', gateway, gatewayDevice: FABRIC_BRIDGE };
  }
  const dir = join(ctx.state.workDir, 'fabric');
  await mkdir(dir, { recursive: true });
  const env = daemonEnv(dir);
  const db = join(dir, 'conf.db');
  await run([...ctx.runtime.argv('ovsdb-tool'), 'create', db, ctx.runtime.schemas.vswitch]);
  const dbCtl = join(dir, 'ovsdb-server.ctl');
  const dbRec = await ctx.daemon('fabric-ovsdb-server', 'ovsdb-server', [
    db, `--remote=punix:${join(dir, 'db.sock')}`, `--unixctl=${dbCtl}`, `--log-file=${join(dir, 'ovsdb-server.log')}`, ...QUIET,
  ], env, dir);
  await ctx.awaitControl(dbRec, dbCtl, join(dir, 'ovsdb-server.log'));
  const remote = `unix:${join(dir, 'db.sock')}`;
  await ctx.tools.vsctl(remote, ['init'], { noWait: true });
  const vsCtl = join(dir, 'ovs-vswitchd.ctl');
  const vsRec = await ctx.daemon('fabric-ovs-vswitchd', 'ovs-vswitchd', [
    remote, '--disable-system', `--unixctl=${vsCtl}`, `--log-file=${join(dir, 'ovs-vswitchd.log')}`, ...QUIET,
  ], env, dir, netns);
  await ctx.awaitControl(vsRec, vsCtl, join(dir, 'ovs-vswitchd.log'));
  const gw = `gw${spec.vlan}`;
  // Without --no-wait, ovs-vsctl returns once vswitchd has created the taps.
  await ctx.tools.vsctl(remote, [
    '--', 'add-br', FABRIC_BRIDGE, '--', 'set', 'Bridge', FABRIC_BRIDGE, 'datapath_type=netdev', 'fail_mode=standalone',
    '--', 'add-port', FABRIC_BRIDGE, gw, `tag=${spec.vlan}`, '--', 'set', 'Interface', gw, 'type=internal', `mtu_request=${FABRIC_MTU}`,
  ]);
  await ip('addr', 'add', gateway, 'dev', gw);
  await ip('link', 'set', gw, 'up');
  await ip('link', 'set', FABRIC_BRIDGE, 'up');
  return { netns, bridge: FABRIC_BRIDGE, kind: 'ovs', ovsdbRemote: remote, gateway, gatewayDevice: gw, vlan: spec.vlan };
}

/** Fabric-side name for PF `pf` of chassis number `chassisIndex` (<= 15 chars). */
export function fabricPeerName(chassisIndex: number, nicIndex: number, pf: string): string {
  const readable = `c${chassisIndex}-${pf}`;
  return readable.length <= 15 ? readable : `c${chassisIndex}n${nicIndex}`;
}

/** One PF's cable: veth `pf` in the chassis netns <-> `peer` on the fabric switch. */
export async function cablePf(ctx: LabContext, fabric: FabricHandle, chassisNetns: string, pf: string, mac: string, peer: string): Promise<void> {
  // Created directly inside both namespaces: the root netns may have its own `enp1s0f0`.
  await run(['ip', 'link', 'add', pf, 'netns', chassisNetns, 'address', mac, 'mtu', String(FABRIC_MTU), 'type', 'veth',
    'peer', 'name', peer, 'netns', fabric.netns, 'mtu', String(FABRIC_MTU)]);
  if (fabric.kind === 'ovs') {
    // A port without tag is a trunk: tagged VTEP traffic passes, the gateway answers on its VLAN.
    await ctx.tools.vsctl(fabric.ovsdbRemote!, ['add-port', fabric.bridge, peer], { noWait: true });
  } else {
    await run(['ip', '-n', fabric.netns, 'link', 'set', peer, 'master', fabric.bridge]);
  }
  await run(['ip', '-n', fabric.netns, 'link', 'set', peer, 'up']);
  await run(['ip', '-n', chassisNetns, 'link', 'set', pf, 'up']);
}
