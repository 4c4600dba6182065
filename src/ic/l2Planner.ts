import { encapRowForIp, podHomes, type PodHome, type ZoneBindings } from '../ovn/index.ts';
import type { IcEncap, IcPortBinding, IcZoneSouthbound } from '../observe/index.ts';
import type { EncapWrite, ObservedZone, PendingPort, ZonePlan } from './l2Plan.ts';

type LocalPort = ZoneBindings['ports'][number];

type Verdict =
  | { readonly kind: 'steered' }
  | { readonly kind: 'write'; readonly write: EncapWrite }
  | { readonly kind: 'pending'; readonly pending: PendingPort };

const STEERED: Verdict = { kind: 'steered' };

/** What the planner remembers of one zone between passes. */
interface ZoneMemo {
  view: IcZoneSouthbound;
  encapsByChassis: Map<string, IcEncap[]>;
  localChassis: Map<string, { remote: boolean; ips: string[] }>;
  /** Local VIF bindings by row UUID: what this zone contributes to pod homes. */
  local: Map<string, LocalPort>;
  bindings: ZoneBindings | undefined;
  /** Remote Port_Bindings by row UUID, and their UUIDs by logical port. */
  remote: Map<string, IcPortBinding>;
  /** One UUID per logical port almost always: a bare string then, an array only for the rare duplicate. */
  remoteByLport: Map<string, string | string[]>;
  /** The zone's plan, kept as it goes: a pass costs the ports it redid, not a walk over the zone's thousands. */
  writes: Map<string, EncapWrite>;
  pending: Map<string, PendingPort>;
  steered: Set<string>;
  plan: ZonePlan | undefined;
}

const sameHome = (a: PodHome | undefined, b: PodHome | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.zone === b.zone && a.chassis === b.chassis && a.vtep === b.vtep);

/**
 * planL2, incrementally: a long-lived planner (the controller keeps one)
 * remembers each zone's verdicts and, on the next pass, redoes only the
 * remote ports that changed in that zone (the view's delta) and the ports
 * whose pod's home changed anywhere. A zone without a usable delta (first
 * seen, resynced, its Chassis or Encap rows changed) is planned whole.
 * The answer is always exactly what planning from scratch gives; a fresh
 * planner is planning from scratch.
 */
export class L2Planner {
  readonly #zones = new Map<string, ZoneMemo>();
  #homes: ReadonlyMap<string, PodHome> = new Map();
  #conflicts: ReadonlyMap<string, readonly string[]> = new Map();
  /** What the homes were last computed from: the readable zones, and whether extra (L3) homes were given. */
  #homeZones: string | undefined;
  #homeExtras = 0;

  plan(zones: readonly ObservedZone[], extraHomes: readonly PodHome[] = []): ZonePlan[] {
    const readable = zones.filter((z): z is ObservedZone & { sb: IcZoneSouthbound } => z.sb !== undefined);
    for (const name of this.#zones.keys()) if (!readable.some((z) => z.name === name)) this.#zones.delete(name);
    // 1. Bring each zone's memo up to the view it has now.
    const whole = new Set<string>();
    const changed = new Map<string, ReadonlySet<string>>();
    for (const z of readable) {
      const memo = this.#zones.get(z.name);
      if (memo && memo.view === z.sb) continue;
      const delta = z.sb.delta;
      if (!memo || !delta || delta.since !== memo.view.version) {
        this.#zones.set(z.name, memoOf(z.sb));
        whole.add(z.name);
      } else {
        applyDelta(memo, z.sb, delta.portBindings);
        changed.set(z.name, delta.portBindings);
      }
    }
    // 2. Pod homes, from every readable zone's local bindings; the ports whose home (or conflict) moved.
    const moved = this.#rehome(readable, extraHomes);
    // 3. Verdicts: whole zones in full, the others for what changed in them or moved anywhere.
    const plans: ZonePlan[] = [];
    for (const z of readable) {
      const memo = this.#zones.get(z.name)!;
      if (whole.has(z.name)) {
        // A fresh memo (memoOf): every remote port judged, in the zone's order.
        for (const pb of memo.remote.values()) record(memo, pb.uuid, this.#verdict(memo, pb));
      } else {
        const redo = new Set<string>();
        for (const uuid of changed.get(z.name) ?? []) redo.add(uuid);
        if (moved.size < memo.remoteByLport.size) {
          for (const lport of moved) addUuids(redo, memo.remoteByLport.get(lport));
        } else {
          for (const [lport, uuids] of memo.remoteByLport) if (moved.has(lport)) addUuids(redo, uuids);
        }
        for (const uuid of redo) {
          const pb = memo.remote.get(uuid);
          if (record(memo, uuid, pb && this.#verdict(memo, pb))) memo.plan = undefined;
        }
      }
      memo.plan ??= { zone: z.name, writes: [...memo.writes.values()], pending: [...memo.pending.values()], steered: memo.steered.size };
      plans.push(memo.plan);
    }
    return plans;
  }

  /** Recomputes pod homes if anything they are made of changed; returns the logical ports whose home or conflict moved. */
  #rehome(readable: readonly (ObservedZone & { sb: IcZoneSouthbound })[], extraHomes: readonly PodHome[]): ReadonlySet<string> {
    const zoneNames = readable.map((z) => z.name).join('\n');
    const memos = readable.map((z) => this.#zones.get(z.name)!);
    if (zoneNames === this.#homeZones && extraHomes.length === 0 && this.#homeExtras === 0 && memos.every((m) => m.bindings !== undefined)) return new Set();
    this.#homeZones = zoneNames;
    this.#homeExtras = extraHomes.length;
    const found = podHomes(readable.map((z, i) => (memos[i]!.bindings ??= bindingsOf(z.name, memos[i]!))));
    const homes = new Map(found.homes);
    // L3 steering's transit peers: homed by their router port's gateway chassis, not by a local binding.
    for (const h of extraHomes) if (!homes.has(h.lport)) homes.set(h.lport, h);
    const moved = new Set<string>();
    for (const [lport, h] of homes) if (!sameHome(h, this.#homes.get(lport))) moved.add(lport);
    for (const lport of this.#homes.keys()) if (!homes.has(lport)) moved.add(lport);
    for (const [lport, zs] of found.conflicts) if (this.#conflicts.get(lport)?.join() !== zs.join()) moved.add(lport);
    for (const lport of this.#conflicts.keys()) if (!found.conflicts.has(lport)) moved.add(lport);
    this.#homes = homes;
    this.#conflicts = found.conflicts;
    return moved;
  }

  /** The verdict on one remote port; none: not a pod of a readable zone (a transit port, or its zone is down), not ours to judge. */
  #verdict(memo: ZoneMemo, pb: IcPortBinding): Verdict | undefined {
    const pending = (reason: string): Verdict => ({ kind: 'pending', pending: { lport: pb.logicalPort, reason } });
    const home = this.#homes.get(pb.logicalPort);
    if (!home) {
      const zs = this.#conflicts.get(pb.logicalPort);
      return zs ? pending(`bound in zones ${zs.join(' and ')} at once`) : undefined;
    }
    if (home.vtep === undefined) return pending(`its home zone ${home.zone} gives it no VTEP (no Port_Binding.encap on a multi-VTEP chassis)`);
    if (pb.chassis !== home.chassis) return pending(`bound to ${pb.chassis ?? 'no chassis'} here, but the pod lives on ${home.chassis}`);
    const row = encapRowForIp(memo.encapsByChassis.get(home.chassis) ?? [], home.vtep);
    if (!row) return pending(`remote chassis ${home.chassis} has no Encap ${home.vtep} in this zone yet`);
    if (pb.encap === row.uuid) return STEERED;
    const was = pb.encap === undefined ? undefined : memo.view.encaps.get(pb.encap)?.ip;
    return { kind: 'write', write: { lport: pb.logicalPort, row: pb.uuid, encap: row.uuid, ip: row.ip, was } };
  }
}

function addUuids(to: Set<string>, uuids: string | readonly string[] | undefined): void {
  if (typeof uuids === 'string') to.add(uuids);
  else for (const u of uuids ?? []) to.add(u);
}

function memoOf(sb: IcZoneSouthbound): ZoneMemo {
  const encapsByChassis = new Map<string, IcEncap[]>();
  for (const c of sb.chassis.values()) {
    const list: IcEncap[] = [];
    for (const u of c.encaps) {
      const e = sb.encaps.get(u);
      if (e) list.push(e);
    }
    encapsByChassis.set(c.name, list);
  }
  const localChassis = new Map<string, { remote: boolean; ips: string[] }>();
  for (const c of sb.chassis.values()) if (!c.remote) localChassis.set(c.name, { remote: false, ips: (encapsByChassis.get(c.name) ?? []).map((e) => e.ip) });
  const memo: ZoneMemo = {
    view: sb, encapsByChassis, localChassis, local: new Map(), bindings: undefined,
    remote: new Map(), remoteByLport: new Map(), writes: new Map(), pending: new Map(), steered: new Set(), plan: undefined,
  };
  for (const pb of sb.portBindings) addPort(memo, pb);
  return memo;
}

function addPort(memo: ZoneMemo, pb: IcPortBinding): void {
  if (pb.type === 'remote') {
    memo.remote.set(pb.uuid, pb);
    const had = memo.remoteByLport.get(pb.logicalPort);
    if (had === undefined || had === pb.uuid) memo.remoteByLport.set(pb.logicalPort, pb.uuid);
    else if (typeof had === 'string') memo.remoteByLport.set(pb.logicalPort, [had, pb.uuid]);
    else if (!had.includes(pb.uuid)) had.push(pb.uuid);
  } else if (pb.type === '' && pb.chassis !== undefined && memo.localChassis.has(pb.chassis)) {
    memo.local.set(pb.uuid, { lport: pb.logicalPort, type: pb.type, chassis: pb.chassis, encapIp: pb.encap === undefined ? undefined : memo.view.encaps.get(pb.encap)?.ip });
    memo.bindings = undefined;
  }
}

function removePort(memo: ZoneMemo, uuid: string): void {
  const old = memo.remote.get(uuid);
  if (old) {
    memo.remote.delete(uuid);
    const had = memo.remoteByLport.get(old.logicalPort);
    if (had === uuid) memo.remoteByLport.delete(old.logicalPort);
    else if (Array.isArray(had)) {
      const left = had.filter((u) => u !== uuid);
      memo.remoteByLport.set(old.logicalPort, left.length === 1 ? left[0]! : left);
    }
  }
  if (memo.local.delete(uuid)) memo.bindings = undefined;
}

/** Only Port_Bindings changed (the delta says which): Chassis and Encap rows are those of the memo's view. */
function applyDelta(memo: ZoneMemo, sb: IcZoneSouthbound, uuids: ReadonlySet<string>): void {
  memo.view = sb;
  for (const uuid of uuids) {
    const pb = sb.portBindingByUuid.get(uuid);
    const old = memo.remote.get(uuid);
    // The common change (steering's own write echoed back): a remote port stays a remote port of the same pod.
    if (pb && old && pb.type === 'remote' && pb.logicalPort === old.logicalPort) {
      memo.remote.set(uuid, pb);
      continue;
    }
    removePort(memo, uuid);
    if (pb) addPort(memo, pb);
  }
}

/** The zone's local chassis and VIF bindings, as the IC model takes them (a 5,390-port zone costs ~110 entries). */
function bindingsOf(zone: string, memo: ZoneMemo): ZoneBindings {
  return { zone, chassis: memo.localChassis, ports: [...memo.local.values()] };
}

/**
 * Files one port's verdict (none: not judged) in the zone's plan; true when
 * the plan changed. A port keeps its place when its verdict keeps its kind,
 * as planning from scratch orders it.
 */
function record(memo: ZoneMemo, uuid: string, v: Verdict | undefined): boolean {
  if (v?.kind === 'steered') {
    if (memo.steered.has(uuid)) return false;
    memo.steered.add(uuid);
  } else memo.steered.delete(uuid);
  if (v?.kind === 'write') memo.writes.set(uuid, v.write);
  else memo.writes.delete(uuid);
  if (v?.kind === 'pending') memo.pending.set(uuid, v.pending);
  else memo.pending.delete(uuid);
  return true;
}
