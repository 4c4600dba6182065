import { isIP } from 'node:net';
import { readChassisView, readSbView, type ChassisView, type SbView } from './observe.ts';
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
export function expectedTunnelPairs(localName: string, localIps: readonly string[], sb: SbView, encapType: string): Set<string> {
  const out = new Set<string>();
  for (const [name, ch] of sb.chassis) {
    if (name === localName) continue;
    for (const e of ch.encaps) {
      if (e.type !== encapType) continue;
      for (const l of localIps) out.add(`${name}|${l}|${e.ip}`);
    }
  }
  return out;
}

/**
 * What is still missing, or nothing: every chassis whose ovn-encap-ip is set
 * is registered with one Encap row per IP, has exactly |local| x |remote|
 * tunnels per remote chassis, every pod's port is bound to its chassis and
 * `up` (pods on chassis without ovn-encap-ip are skipped), its representor has an ofport, and a pod whose encap-ip is one of
 * its chassis' (>= 2) encap IPs has Port_Binding.encap pointing at it.
 */
export async function missing(input: ReadinessInput): Promise<string[]> {
  const [sb, ...views] = await Promise.all([
    readSbView(input.sbRemote),
    ...input.chassis.map((c) => readChassisView(c.ovsdbRemote)),
  ]) as [SbView, ...ChassisView[]];
  const why: string[] = [];
  const viewOf = new Map(input.chassis.map((c, i) => [c.name, views[i]!]));
  for (const c of input.chassis) {
    const v = viewOf.get(c.name)!;
    if (v.ovnEncapIps.length === 0) continue;
    const reg = sb.chassis.get(c.name);
    if (!reg) {
      why.push(`chassis ${c.name} not in SB`);
      continue;
    }
    const ips = reg.encaps.filter((e) => e.type === input.encapType).map((e) => e.ip).sort();
    if (ips.join(',') !== [...v.ovnEncapIps].sort().join(',')) {
      why.push(`chassis ${c.name} Encap IPs [${ips.join(',')}], want [${[...v.ovnEncapIps].sort().join(',')}]`);
      continue;
    }
    const want = expectedTunnelPairs(c.name, v.ovnEncapIps, sb, input.encapType);
    const have = new Set(v.tunnels.filter((t) => t.type === input.encapType).map((t) => `${t.remoteChassis}|${t.localIp}|${t.remoteIp}`));
    const absent = [...want].filter((p) => !have.has(p));
    const extra = [...have].filter((p) => !want.has(p));
    // A tunnel between address families never gets an ofport (OVS cannot configure it): not awaited.
    const unconfigured = v.tunnels.filter((t) => (t.ofport === undefined || t.ofport <= 0) && isIP(t.localIp ?? '') === isIP(t.remoteIp));
    if (absent.length > 0 || extra.length > 0 || unconfigured.length > 0) {
      why.push(`chassis ${c.name} tunnels: ${have.size}/${want.size} (missing ${absent.length}, extra ${extra.length})`);
    }
  }
  for (const p of input.pods) {
    const v = viewOf.get(p.chassis);
    // Without ovn-encap-ip the chassis never registers, so its ports cannot bind yet.
    if (!v || v.ovnEncapIps.length === 0) continue;
    const iface = v.interfaces.find((i) => i.name === p.representor);
    if (!iface || iface.ofport === undefined || iface.ofport <= 0) why.push(`${p.representor} on ${p.chassis} has no ofport`);
    const b = sb.bindings.get(p.lport);
    if (!b) {
      why.push(`no Port_Binding for ${p.lport}`);
      continue;
    }
    if (b.chassis !== p.chassis) why.push(`${p.lport} bound to ${b.chassis ?? 'nothing'}, want ${p.chassis}`);
    else if (!b.up) why.push(`${p.lport} not up`);
    const localIps = v.ovnEncapIps;
    if (p.encapIp && localIps.length >= 2 && localIps.includes(p.encapIp) && b.encapIp !== p.encapIp) {
      why.push(`${p.lport} Port_Binding.encap ${b.encapIp ?? 'empty'}, want ${p.encapIp}`);
    }
  }
  return why;
}

export async function awaitReady(input: ReadinessInput, timeoutMs: number): Promise<void> {
  await waitFor('lab readiness (chassis, tunnels, bindings)', async (): Promise<Probe<true>> => {
    input.abort?.();
    const why = await missing(input);
    return why.length === 0 ? ready(true) : notYet(why.slice(0, 6).join('; ') + (why.length > 6 ? ` (+${why.length - 6} more)` : ''));
  }, timeoutMs);
}
