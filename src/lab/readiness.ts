import { isIP } from 'node:net';
import { chassisEncapIps, parseTunnelChassisId } from '../ovn/index.ts';
import { readNodeState, readSouthbound, type NodeState, type SouthboundState } from '../observe/index.ts';
import type { ChassisHandle, PodHandle } from './state.ts';
import { notYet, ready, waitFor, type Probe } from './wait.ts';

export interface ReadinessInput {
  readonly sbRemote: string;
  readonly encapType: string;
  readonly chassis: readonly ChassisHandle[];
  readonly pods: readonly PodHandle[];
  /** Throws to stop waiting (e.g. on SIGINT). */
  readonly abort?: () => void;
}

/** Expected tunnel (local, remote) pairs on `local`: every local IP x every remote Encap IP, per remote chassis. */
export function expectedTunnelPairs(localName: string, localIps: readonly string[], sb: SouthboundState, encapType: string): Set<string> {
  const out = new Set<string>();
  const registered = new Set(sb.chassis.map((c) => c.name));
  for (const e of sb.encaps) {
    if (e.chassisName === localName || !registered.has(e.chassisName) || e.type !== encapType) continue;
    for (const l of localIps) out.add(`${e.chassisName}|${l}|${e.ip}`);
  }
  return out;
}

/** Reads of the live databases, fresh each time (ofports and tunnels change as chassis come and go). */
export function readLabNode(ovsdbRemote: string): Promise<NodeState> {
  return readNodeState(ovsdbRemote, { timeoutMs: 30_000 });
}

export async function readLabSouthbound(sbRemote: string): Promise<SouthboundState> {
  return (await readSouthbound(sbRemote, { timeoutMs: 30_000 })).southbound;
}

/** Port_Binding by logical port, with its chassis name and the IP of the Encap it points at. */
export function bindingsByPort(sb: SouthboundState): Map<string, { chassis: string | undefined; up: boolean; encapIp: string | undefined }> {
  const ipOf = new Map(sb.encaps.map((e) => [e.uuid, e.ip]));
  return new Map(sb.portBindings.map((b) => [b.logicalPort, {
    chassis: b.chassis, up: b.up === true, encapIp: b.encap === undefined ? undefined : ipOf.get(b.encap),
  }]));
}

/**
 * What is still missing, or nothing: every chassis whose ovn-encap-ip is set
 * is registered with one Encap row per IP, has exactly |local| x |remote|
 * tunnels per remote chassis, every pod's port is bound to its chassis and
 * `up` (pods on chassis without ovn-encap-ip are skipped), its representor has an ofport, and a pod whose encap-ip is one of
 * its chassis' (>= 2) encap IPs has Port_Binding.encap pointing at it.
 */
export async function missing(input: ReadinessInput): Promise<string[]> {
  const [sb, ...nodes] = await Promise.all([
    readLabSouthbound(input.sbRemote),
    ...input.chassis.map((c) => readLabNode(c.ovsdbRemote)),
  ]) as [SouthboundState, ...NodeState[]];
  const why: string[] = [];
  const nodeOf = new Map(input.chassis.map((c, i) => [c.name, nodes[i]!]));
  const encapIpsOf = new Map(input.chassis.map((c, i) => [c.name, chassisEncapIps(nodes[i]!.openVswitch.externalIds)]));
  const bindings = bindingsByPort(sb);
  for (const c of input.chassis) {
    const v = nodeOf.get(c.name)!;
    const own = encapIpsOf.get(c.name)!;
    if (own.length === 0) continue;
    if (!sb.chassis.some((r) => r.name === c.name)) {
      why.push(`chassis ${c.name} not in SB`);
      continue;
    }
    const ips = sb.encaps.filter((e) => e.chassisName === c.name && e.type === input.encapType).map((e) => e.ip).sort();
    if (ips.join(',') !== [...own].sort().join(',')) {
      why.push(`chassis ${c.name} Encap IPs [${ips.join(',')}], want [${[...own].sort().join(',')}]`);
      continue;
    }
    const want = expectedTunnelPairs(c.name, own, sb, input.encapType);
    const have = new Set(v.tunnels.filter((t) => t.type === input.encapType)
      .map((t) => `${parseTunnelChassisId(t.chassisId)?.chassis ?? ''}|${t.localIp}|${t.remoteIp}`));
    const absent = [...want].filter((p) => !have.has(p));
    const extra = [...have].filter((p) => !want.has(p));
    // A tunnel between address families never gets an ofport (OVS cannot configure it): not awaited.
    const unconfigured = v.tunnels.filter((t) => (t.ofport === null || t.ofport <= 0) && isIP(t.localIp ?? '') === isIP(t.remoteIp ?? ''));
    if (absent.length > 0 || extra.length > 0 || unconfigured.length > 0) {
      why.push(`chassis ${c.name} tunnels: ${have.size}/${want.size} (missing ${absent.length}, extra ${extra.length})`);
    }
  }
  for (const p of input.pods) {
    const v = nodeOf.get(p.chassis);
    const localIps = encapIpsOf.get(p.chassis) ?? [];
    // Without ovn-encap-ip the chassis never registers, so its ports cannot bind yet.
    if (!v || localIps.length === 0) continue;
    const iface = v.interfaces.find((i) => i.name === p.representor);
    if (!iface || iface.ofport === null || iface.ofport <= 0) why.push(`${p.representor} on ${p.chassis} has no ofport`);
    const b = bindings.get(p.lport);
    if (!b) {
      why.push(`no Port_Binding for ${p.lport}`);
      continue;
    }
    if (b.chassis !== p.chassis) why.push(`${p.lport} bound to ${b.chassis ?? 'nothing'}, want ${p.chassis}`);
    else if (!b.up) why.push(`${p.lport} not up`);
    if (p.encapIp && localIps.length >= 2 && localIps.includes(p.encapIp) && b.encapIp !== p.encapIp) {
      why.push(`${p.lport} Port_Binding.encap ${b.encapIp ?? 'empty'}, want ${p.encapIp}`);
    }
  }
  return why;
}

/** Waits until `missing` reports nothing; the wait's message shows the first six reasons. */
export async function awaitNothingMissing(what: string, missingNow: () => Promise<string[]>, abort: (() => void) | undefined, timeoutMs: number): Promise<void> {
  await waitFor(what, async (): Promise<Probe<true>> => {
    abort?.();
    const why = await missingNow();
    return why.length === 0 ? ready(true) : notYet(why.slice(0, 6).join('; ') + (why.length > 6 ? ` (+${why.length - 6} more)` : ''));
  }, timeoutMs);
}

export function awaitReady(input: ReadinessInput, timeoutMs: number): Promise<void> {
  return awaitNothingMissing('lab readiness (chassis, tunnels, bindings)', () => missing(input), input.abort, timeoutMs);
}
