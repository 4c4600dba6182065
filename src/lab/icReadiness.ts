import { chassisEncapIps } from '../ovn/index.ts';
import { awaitNothingMissing, bindingsByPort, missing, readLabNode, readLabSouthbound } from './readiness.ts';
import type { Scenario } from './scenario.ts';
import type { ChassisHandle, PodHandle, ZoneHandle } from './state.ts';
import { transitSwitchPort } from './icTopology.ts';

export interface IcReadinessInput {
  readonly scenario: Scenario;
  readonly zones: readonly ZoneHandle[];
  readonly chassis: readonly ChassisHandle[];
  readonly pods: readonly PodHandle[];
  readonly abort?: () => void;
}

/**
 * What an interconnect lab still lacks: per zone, everything the central
 * lab waits for (its chassis registered, tunnels to every chassis its SB
 * knows, local pods bound and up), plus every other chassis present in the
 * zone's SB as a remote chassis with all its Encap rows (ovn-ic's sync), and
 * every remote port (L2 pods, L3 transit ports) bound to its home chassis.
 */
export async function icMissing(input: IcReadinessInput): Promise<string[]> {
  const { scenario } = input;
  const views = new Map(await Promise.all(input.chassis.map(async (c) => [c.name, await readLabNode(c.ovsdbRemote)] as const)));
  const why: string[] = [];
  await Promise.all(input.zones.map(async (z) => {
    const local = input.chassis.filter((c) => c.name === z.chassis);
    const localPods = input.pods.filter((p) => p.chassis === z.chassis);
    why.push(...(await missing({ sbRemote: z.sb.remote, encapType: scenario.encapType, chassis: local, pods: localPods }))
      .map((w) => `zone ${z.name}: ${w}`));
    const sb = await readLabSouthbound(z.sb.remote);
    const bindings = bindingsByPort(sb);
    for (const c of input.chassis) {
      if (c.name === z.chassis) continue;
      const node = views.get(c.name);
      const want = node ? chassisEncapIps(node.openVswitch.externalIds).sort() : [];
      if (want.length === 0) continue;
      const have = sb.chassis.some((r) => r.name === c.name)
        ? sb.encaps.filter((e) => e.chassisName === c.name && e.type === scenario.encapType).map((e) => e.ip).sort() : [];
      if (have.join(',') !== want.join(',')) why.push(`zone ${z.name}: remote chassis ${c.name} Encaps [${have.join(',')}], want [${want.join(',')}]`);
    }
    const remotePorts: [string, string][] = input.pods
      .filter((p) => p.chassis !== z.chassis && !scenario.switches.find((s) => s.name === p.switch)?.node)
      .map((p) => [p.lport, p.chassis]);
    const l3Nodes = new Set(scenario.switches.filter((s) => s.node).map((s) => s.node!));
    if (l3Nodes.has(z.chassis)) {
      for (const n of l3Nodes) if (n !== z.chassis) remotePorts.push([transitSwitchPort(n), n]);
    }
    for (const [lport, home] of remotePorts) {
      const b = bindings.get(lport);
      if (!b) why.push(`zone ${z.name}: no Port_Binding for remote port ${lport}`);
      else if (b.chassis !== home) why.push(`zone ${z.name}: remote port ${lport} bound to ${b.chassis ?? 'nothing'}, want ${home}`);
    }
  }));
  return why;
}

export function awaitIcReady(input: IcReadinessInput, timeoutMs: number): Promise<void> {
  return awaitNothingMissing('interconnect lab readiness (zones, remote chassis, tunnels, bindings)', () => icMissing(input), input.abort, timeoutMs);
}
