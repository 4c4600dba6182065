import { hex2 } from './netaddr.ts';
import { firstHost, type Scenario, type SwitchSpec } from './scenario.ts';
import type { LabContext } from './context.ts';
import type { PodHandle, ZoneHandle } from './state.ts';
import { notYet, ready, waitFor } from './wait.ts';

/**
 * The logical topology of an interconnect lab, built the way OVN-Kubernetes
 * builds it in interconnect mode, with the lab playing its zone controller:
 *
 * - L2 (a switch without `node`): the switch exists in every zone with one
 *   datapath tunnel key; each pod is an ordinary port in its home zone and a
 *   `type=remote` port (`requested-chassis` = its node, same port tunnel
 *   key) in every other zone.
 * - L3 (switches with `node`): per zone a router `lr-<node>` holding the
 *   node's switches, joined to the transit switch `ts-l3` that ovn-ic
 *   creates in every zone from IC-NB; ovn-ic itself publishes each zone's
 *   transit port to the others as a remote port. Each router routes the
 *   other nodes' subnets via their transit addresses (static routes, as
 *   OVN-Kubernetes writes them).
 */

export const TRANSIT_SWITCH = 'ts-l3';
/** Above ovn-ic's transit switch keys (allocated upward from 0xff0000), below the 24-bit limit. */
const L2_DATAPATH_KEY_BASE = 16_770_000;

export const routerName = (node: string) => `lr-${node}`;
export const transitRouterPort = (node: string) => `lrp-ts-${node}`;
export const transitSwitchPort = (node: string) => `tstor-${node}`;
export const nodeRouterPort = (sw: string) => `lrp-${sw}`;

/** Deterministic router-port MACs: 0a:58:fe:<zone>:00:<port>, apart from pod MACs (0a:58:<chassis>:...). */
export function routerMac(zoneIndex: number, port: number): string {
  return `0a:58:fe:${hex2(zoneIndex)}:00:${hex2(port)}`;
}

/** The transit-switch address of zone number `zoneIndex` (1-based) in the scenario's transit subnet. */
export function transitAddress(scenario: Scenario, zoneIndex: number): string {
  const base = scenario.interconnect!.transitSubnet.address.split('.').map(Number);
  const n = (((base[0]! << 24) | (base[1]! << 16) | (base[2]! << 8) | base[3]!) >>> 0) + zoneIndex;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** What traffic from a pod on `sw` is addressed to at L2: the router port for L3 switches. */
export function gatewayMac(scenario: Scenario, sw: SwitchSpec): string | undefined {
  if (!sw.node) return undefined;
  const zi = scenario.chassis.findIndex((c) => c.name === sw.node) + 1;
  const nodeSwitches = scenario.switches.filter((s) => s.node === sw.node);
  return routerMac(zi, 2 + nodeSwitches.findIndex((s) => s.name === sw.name));
}

function l2Switches(scenario: Scenario): SwitchSpec[] {
  return scenario.switches.filter((s) => !s.node);
}

/** NB commands for one zone's L2 part: every stretched switch, local pods as VIFs, the others as remote ports. */
function l2Commands(scenario: Scenario, zone: ZoneHandle, pods: readonly PodHandle[]): string[] {
  const args: string[] = [];
  l2Switches(scenario).forEach((s, i) => {
    args.push('--', '--may-exist', 'ls-add', s.name,
      '--', 'set', 'Logical_Switch', s.name, `other_config:requested-tnl-key=${L2_DATAPATH_KEY_BASE + i}`);
    pods.filter((p) => p.switch === s.name).forEach((p, k) => {
      const key = `options:requested-tnl-key=${k + 1}`;
      args.push('--', 'lsp-add', s.name, p.lport, '--', 'lsp-set-addresses', p.lport, `${p.mac} ${p.ip}`);
      if (p.chassis === zone.chassis) {
        args.push('--', 'set', 'Logical_Switch_Port', p.lport, key);
      } else {
        args.push('--', 'lsp-set-type', p.lport, 'remote',
          '--', 'set', 'Logical_Switch_Port', p.lport, `options:requested-chassis=${p.chassis}`, key,
          'external_ids:mvtep-lab-remote=true');
      }
    });
  });
  return args;
}

/** NB commands for one zone's node switches, pods and router (not yet the transit port). */
function l3LocalCommands(scenario: Scenario, zone: ZoneHandle, zoneIndex: number, pods: readonly PodHandle[]): string[] {
  const mine = scenario.switches.filter((s) => s.node === zone.chassis);
  if (mine.length === 0) return [];
  const lr = routerName(zone.chassis);
  const args: string[] = ['--', '--may-exist', 'lr-add', lr];
  mine.forEach((s, k) => {
    const lrp = nodeRouterPort(s.name);
    args.push('--', '--may-exist', 'ls-add', s.name,
      '--', 'lrp-add', lr, lrp, routerMac(zoneIndex, 2 + k), `${firstHost(s.subnet!)}/${s.subnet!.prefixLen}`,
      '--', 'lsp-add', s.name, `stor-${s.name}`, '--', 'lsp-set-type', `stor-${s.name}`, 'router',
      '--', 'lsp-set-addresses', `stor-${s.name}`, 'router', '--', 'lsp-set-options', `stor-${s.name}`, `router-port=${lrp}`);
    for (const p of pods.filter((q) => q.switch === s.name)) {
      args.push('--', 'lsp-add', s.name, p.lport, '--', 'lsp-set-addresses', p.lport, `${p.mac} ${p.ip}`);
    }
  });
  return args;
}

/** The zone's port on the transit switch (a distributed gateway port on its own chassis) and routes to the other nodes. */
function l3TransitCommands(scenario: Scenario, zone: ZoneHandle, zoneIndex: number): string[] {
  const lr = routerName(zone.chassis);
  const lrp = transitRouterPort(zone.chassis);
  const lsp = transitSwitchPort(zone.chassis);
  const prefix = scenario.interconnect!.transitSubnet.prefixLen;
  const args = [
    '--', 'lrp-add', lr, lrp, routerMac(zoneIndex, 1), `${transitAddress(scenario, zoneIndex)}/${prefix}`,
    // ovn-ic publishes a transit port with the chassis of its gateway: the zone's own node.
    '--', 'lrp-set-gateway-chassis', lrp, zone.chassis, '1',
    '--', 'lsp-add', TRANSIT_SWITCH, lsp, '--', 'lsp-set-type', lsp, 'router',
    '--', 'lsp-set-addresses', lsp, 'router', '--', 'lsp-set-options', lsp, `router-port=${lrp}`,
  ];
  scenario.chassis.forEach((c, i) => {
    if (c.name === zone.chassis) return;
    for (const s of scenario.switches.filter((t) => t.node === c.name)) {
      args.push('--', 'lr-route-add', lr, `${s.subnet!.address}/${s.subnet!.prefixLen}`, transitAddress(scenario, i + 1));
    }
  });
  return args;
}

export function hasL3(scenario: Scenario): boolean {
  return scenario.switches.some((s) => s.node);
}

/** Builds the whole topology in every zone; returns once ovn-ic has created the transit switch everywhere. */
export async function buildIcTopology(ctx: LabContext, scenario: Scenario, zones: readonly ZoneHandle[],
  pods: readonly PodHandle[], timeoutMs: number): Promise<void> {
  const zoneIndex = (z: ZoneHandle) => scenario.chassis.findIndex((c) => c.name === z.chassis) + 1;
  await Promise.all(zones.map(async (z) => {
    const args = [...l2Commands(scenario, z, pods), ...l3LocalCommands(scenario, z, zoneIndex(z), pods)];
    if (args.length > 0) await ctx.tools.nbctl(z.nb.remote, args);
  }));
  if (!hasL3(scenario)) return;
  await ctx.tools.exec('ovn-ic-nbctl', [`--db=${ctx.state.icNb!.remote}`, '--timeout=30', '--may-exist', 'ts-add', TRANSIT_SWITCH]);
  await Promise.all(zones.map(async (z) => {
    await waitFor(`ovn-ic: ${TRANSIT_SWITCH} in zone ${z.name}`, async () => {
      ctx.checkAbort();
      const out = await ctx.tools.nbctl(z.nb.remote, ['--bare', '--columns=name', 'find', 'Logical_Switch', `name=${TRANSIT_SWITCH}`]);
      return out.trim() === TRANSIT_SWITCH ? ready(true) : notYet('not created yet');
    }, timeoutMs);
    if (scenario.switches.some((s) => s.node === z.chassis)) {
      await ctx.tools.nbctl(z.nb.remote, l3TransitCommands(scenario, z, zoneIndex(z)));
    }
  }));
}
