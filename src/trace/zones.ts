import { crossZoneVerdict, firstIpv4OfAddresses, podHomes, routedTransitPort, type CrossZoneVerdict, type PodHome, type RoutedHop, type ZoneBindings } from '../ovn/index.ts';
import type { ZonesFile } from '../config/index.ts';
import { gatherState, type ZoneRouting, type ZoneState } from '../observe/index.ts';
import { Deadline } from '../util/deadline.ts';
import { buildContext, type GatheredState, type ZoneContext } from '../verify/index.ts';
import { explainPath, TraceError } from './explain.ts';
import { traceLive } from './live.ts';
import type { TraceInterconnect, TraceResult } from './types.ts';

/**
 * A pod -> pod path across interconnect zones. The packet is decided in the
 * source pod's home zone: its ovn-controller sends it to the destination's
 * remote port there (the pod's own `type=remote` port on an L2 network, a
 * transit port on an L3 one), so the zone's SB is traced as in central mode
 * and the outcome is judged against the destination pod's home VTEP (its
 * Port_Binding.encap in its own zone).
 */

/** The zone a pod lives in, or a TraceError saying why none can be named. */
function homeOf(lport: string, homes: ReadonlyMap<string, PodHome>, conflicts: ReadonlyMap<string, readonly string[]>, unreadable: readonly string[]): PodHome {
  const home = homes.get(lport);
  if (home) return home;
  const both = conflicts.get(lport);
  if (both) throw new TraceError('trace-pod-moving', `logical port '${lport}' is bound to a local chassis in zones ${both.join(' and ')} at once (mid-move)`, lport);
  const why = unreadable.length ? ` (unreadable zones: ${unreadable.join(', ')})` : '';
  throw new TraceError('trace-unknown-port', `no zone binds logical port '${lport}' to a local chassis${why}`, lport);
}

/** The destination pod's IPv4 address, from its home Port_Binding's mac column ("MAC IP ..."). */
function podIp(home: ZoneState | undefined, lport: string): string | undefined {
  const pb = home?.southbound?.portBindings.find((p) => p.logicalPort === lport && p.type === '');
  return firstIpv4OfAddresses(pb?.mac?.[0]);
}

/**
 * The port the source zone sends to for `to`: its own remote port when the
 * zone has one (L2); on a routed path the transit port the zone's routes
 * lead to when its NB was read, else the one remote port of the destination
 * chassis that is no pod.
 */
function remotePortFor(b: ZoneBindings, routing: ZoneRouting | undefined, to: string, toIp: string | undefined, dst: PodHome,
  homes: ReadonlyMap<string, PodHome>): { lport: string; transit: boolean; hop?: RoutedHop } {
  const own = b.ports.find((p) => p.lport === to);
  if (own) return { lport: to, transit: false };
  const transit = b.ports.filter((p) => p.type === 'remote' && p.chassis === dst.chassis && !homes.has(p.lport)).map((p) => p.lport).sort();
  const routed = routing && toIp ? routedTransitPort(routing, toIp) : undefined;
  if (routed && transit.includes(routed.lport)) return { lport: routed.lport, transit: true, hop: routed.hop };
  if (transit.length === 1) return { lport: transit[0]!, transit: true };
  throw new TraceError('trace-no-remote-port', transit.length === 0
    ? `zone ${b.zone} has no remote port for '${to}' and no transit port of chassis ${dst.chassis}`
    : `zone ${b.zone} reaches ${dst.chassis} through ${transit.length} transit ports (${transit.join(', ')}) and ${routing ? `no route for ${toIp ?? `'${to}' (no IPv4 address known)`} leads to one of them` : 'its NB routes were not read'}`, to);
}

function readable(z: ZoneContext): z is ZoneContext & { bindings: ZoneBindings } {
  return z.bindings !== undefined;
}

/** What a cross-zone trace is made of, before the source zone is traced. */
export interface ZonePathPlan {
  readonly from: string;
  readonly to: string;
  readonly source: PodHome;
  readonly destination: PodHome;
  /** The source zone alone, as a central-mode state: what explainPath / traceLive trace. */
  readonly inZone: GatheredState;
  /** The port the source zone sends to (`to` itself within one zone). */
  readonly port: { readonly lport: string; readonly transit: boolean; readonly hop?: RoutedHop };
  /** IP of the Encap row that port's Port_Binding.encap references in the source zone. */
  readonly remoteEncap: string | null;
}

/** Where `from` and `to` live and which port of the source zone the path crosses (pure). */
export function planAcrossZones(state: GatheredState, from: string, to: string): ZonePathPlan {
  const ctx = buildContext(state);
  if (ctx.zones.length === 0) throw new TraceError('trace-no-zones', 'trace across zones needs zones (--zones or a snapshot of verify --zones)');
  const zones = ctx.zones.filter(readable);
  const unreadable = ctx.zones.filter((z) => !readable(z)).map((z) => z.zone.name);
  const { homes, conflicts } = podHomes(zones.map((z) => z.bindings));
  const source = homeOf(from, homes, conflicts, unreadable);
  const destination = homeOf(to, homes, conflicts, unreadable);
  const zone = zones.find((z) => z.zone.name === source.zone)!;
  const toIp = podIp(ctx.zones.find((z) => z.zone.name === destination.zone)?.zone, to);
  const port = source.zone === destination.zone ? { lport: to, transit: false } : remotePortFor(zone.bindings, zone.zone.routing, to, toIp, destination, homes);
  const version = zone.zone.ovnVersion ?? state.ovnVersion;
  const inZone: GatheredState = { format: state.format, nodes: state.nodes, southbound: zone.zone.southbound!, ...(version ? { ovnVersion: version } : {}) };
  const remoteEncap = zone.bindings.ports.find((p) => p.lport === port.lport)?.encapIp ?? null;
  return { from, to, source, destination, inZone, port, remoteEncap };
}

/** The source zone's trace of `plan.port` as the pod -> pod path across zones: zone hops, verdict. */
export function finishAcrossZones(plan: ZonePathPlan, base: TraceResult): TraceResult {
  const { source, destination: dst, port } = plan;
  const verdict = crossZoneVerdict({ determined: base.determined, candidates: base.candidates.map((c) => ({ localIp: c.local_ip, remoteIp: c.remote_ip })) }, dst.vtep);
  const cross = source.zone !== dst.zone;
  const interconnect: TraceInterconnect = {
    sourceZone: source.zone, destinationZone: dst.zone,
    remotePort: cross ? { lport: port.lport, transit: port.transit, encapIp: plan.remoteEncap, ...(port.hop ? { route: port.hop } : {}) } : null,
    destinationHomeVtep: dst.vtep ?? null, verdict: cross ? verdict : null,
  };
  const r: TraceResult = { ...base, to: plan.to, interconnect };
  return cross ? withZoneSteps(r, verdict, plan) : r;
}

/** Explains `from` -> `to` over the zones of `state` (pure). */
export function explainAcrossZones(state: GatheredState, from: string, to: string): TraceResult {
  const plan = planAcrossZones(state, from, to);
  return finishAcrossZones(plan, explainPath(plan.inZone, from, plan.port.lport));
}

const VERDICT_TEXT = {
  steered: 'targets it',
  arbitrary: 'targets it only by chance: OVN picks among the candidates',
  wrong: 'targets another VTEP',
  'no-home-vtep': 'its home zone gives it no VTEP, so any of its node\'s VTEPs is as right as another',
} as const;

/** The trace's steps with the zone hops in path order, and the cross-zone verdict as a warning when it is not steered. */
function withZoneSteps(r: TraceResult, verdict: CrossZoneVerdict, plan: ZonePathPlan): TraceResult {
  const { destination: dst, port } = plan;
  const steps = [...r.steps];
  const at = steps.findIndex((s) => s.step === 'remote-chassis');
  const route = port.hop ? [{ step: 'route' as const, text: `in zone ${plan.source.zone}, router ${port.hop.router}: ${port.hop.prefix} via ${port.hop.nexthop}${port.hop.outputPort ? ` (${port.hop.outputPort})` : ''}${port.hop.steering ? ', a steering route of mvtep ic steer' : ''} -> ${port.lport}` }] : [];
  steps.splice(at < 0 ? steps.length : at + 1, 0, ...route,
    { step: 'remote-port', text: `in zone ${plan.source.zone}, ${port.transit ? `transit port ${port.lport} of ${dst.chassis}` : `remote port ${port.lport}`} (type=remote); Port_Binding.encap ${plan.remoteEncap ?? 'none'}` },
    { step: 'home-vtep', text: `${r.to} lives in zone ${dst.zone} on ${dst.chassis}; its home VTEP ${dst.vtep ?? 'is not pinned'}: the path ${VERDICT_TEXT[verdict]}` });
  const last = steps.findIndex((s) => s.step === 'destination-vif');
  if (last >= 0) steps[last] = { step: 'destination-vif', text: `logical port ${r.to} in zone ${dst.zone}` };
  const targets = r.remote_ip ?? `one of ${[...new Set(r.candidates.map((c) => c.remote_ip))].join(', ')}`;
  const warnings = verdict === 'steered' ? [...r.warnings]
    : [...r.warnings, `cross-zone destination ${verdict}: ${r.to}'s home VTEP is ${dst.vtep ?? 'unknown'}, the path targets ${targets} `
      + `(${port.transit ? 'a routed path: mvtep ic steer --l3-subnets routes it through a per-VTEP transit port, see docs/interconnect.md' : 'fix: mvtep ic steer'})`];
  return { ...r, steps, warnings };
}

export interface ZonesTraceOptions {
  readonly zones: ZonesFile;
  readonly from: string;
  readonly to: string;
  /** ofproto/trace on the source chassis (its ovsdb and vswitchdCtl from the zones file). */
  readonly confirm?: boolean;
  readonly timeoutMs?: number;
}

/**
 * The frame a pod sends on a routed path: to its router port's MAC (the
 * source zone's NB) and the destination pod's IP (its home Port_Binding).
 */
function routedFrameTo(state: GatheredState, plan: ZonePathPlan, from: string, to: string): { mac: string; ip: string } {
  const src = state.zones?.find((z) => z.name === plan.source.zone);
  const mac = src?.routing?.gateways?.find((g) => g.lport === from)?.mac;
  if (!mac) {
    throw new TraceError('trace-confirm-no-gateway', `--confirm of a routed path needs ${from}'s router port: zone ${plan.source.zone}'s NB ${src?.nbError ? `cannot be read (${src.nbError})` : 'shows no single router on its switch'}`, from);
  }
  const ip = podIp(state.zones?.find((z) => z.name === plan.destination.zone), to);
  if (!ip) throw new TraceError('trace-confirm-no-ip', `--confirm of a routed path needs ${to}'s IPv4 address (its Port_Binding mac column in zone ${plan.destination.zone})`, to);
  return { mac, ip };
}

/**
 * Reads every zone, finds both pods' homes, and traces the source zone
 * live: with the source chassis' own OVSDB when the zones file names it
 * (real tunnel ports; `--confirm` needs it), else from the zone's SB alone.
 */
export async function traceAcrossZones(opts: ZonesTraceOptions): Promise<{ result: TraceResult; state: GatheredState }> {
  const deadline = new Deadline(opts.timeoutMs ?? 30_000);
  const state = await gatherState({ zones: opts.zones, withMacs: true, withRouting: true, timeoutMs: deadline.remainingMs() });
  const plan = planAcrossZones(state, opts.from, opts.to);
  const zone = opts.zones.zones.find((z) => z.name === plan.source.zone)!;
  const chassis = zone.chassis.find((c) => c.name === plan.source.chassis);
  if (opts.confirm) {
    if (!chassis?.ovsdb) throw new TraceError('trace-confirm-needs-ovsdb', `--confirm needs the ovsdb of chassis ${plan.source.chassis} in zone ${zone.name} of ${opts.zones.file}`, opts.zones.file);
  }
  if (!chassis?.ovsdb) return { result: finishAcrossZones(plan, explainPath(plan.inZone, opts.from, plan.port.lport)), state };
  const flowTo = opts.confirm && plan.port.transit ? routedFrameTo(state, plan, opts.from, opts.to) : undefined;
  const { result } = await traceLive({
    ...(flowTo ? { flowTo } : {}),
    from: opts.from, to: plan.port.lport, sb: zone.sb, ovsdb: chassis.ovsdb, timeoutMs: deadline.remainingMs(),
    // The zones file's netns is not used for kernel routes yet: in the lab it is the chassis' namespace, with no VTEP routes.
    ...(chassis.vswitchdCtl ? { appctlTarget: chassis.vswitchdCtl } : {}),
    confirm: opts.confirm ?? false,
  });
  return { result: finishAcrossZones(plan, result), state };
}
