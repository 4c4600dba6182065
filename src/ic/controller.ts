import { EventEmitter } from 'node:events';
import type { ZonesFile } from '../config/index.ts';
import type { IpPrefix } from '../config/nodeSpecIp.ts';
import type { IcZoneNorthbound, IcZoneSouthbound, IcZoneSouthboundTracker } from '../observe/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import type { EncapWrite, PendingPort, ZonePlan } from './l2Plan.ts';
import { nbChangeCount, type L3Zone, type NbZonePlan } from './l3Plan.ts';
import { writeL3Plan } from './nbWriter.ts';
import { SB_MODE_MARKER } from './once.ts';
import { addNbChanges, buildReport, type SteerReport, type ZoneNbReport } from './report.ts';
import { STEER_MARKER_KEY, writeRemoteEncaps } from './sbWriter.ts';
import { L2Planner } from './l2Planner.ts';
import { planSteering } from './steerPlan.ts';
import { NB_LINK, SB_LINK, ZoneLink } from './zoneLink.ts';

/** Minimum time between two planning passes. */
const PASS_SPACING_MS = 15;

type SbLink = ZoneLink<OvnSouthboundTables, IcZoneSouthbound, IcZoneSouthboundTracker>;
type NbLink = ZoneLink<OvnNorthboundTables, IcZoneNorthbound>;

export interface SteerControllerOptions {
  /** Connect and per-transaction deadline (default 10 s). */
  readonly timeoutMs?: number;
  /** Delay before a failed zone write is retried (default 500 ms). */
  readonly retryMs?: number;
  /** Enables L3 steering (also monitors every zone's NB): one subnet per VTEP index. */
  readonly l3Subnets?: readonly IpPrefix[];
  /**
   * How often every zone's remote-port encaps are read again (default 60 s;
   * 0: never). Steering's own writes are not echoed back (IC_ZONE_SB_LIVE),
   * so a remote port's encap changed by another writer is seen, and put
   * back, at the next resync.
   */
  readonly resyncMs?: number;
}

export type SteerEvent =
  | { readonly kind: 'wrote'; readonly zone: string; readonly writes: readonly EncapWrite[]; readonly ms: number }
  | { readonly kind: 'wrote-nb'; readonly zone: string; readonly changes: number; readonly ms: number }
  | { readonly kind: 'write-failed'; readonly zone: string; readonly error: string }
  | { readonly kind: 'pass'; readonly writes: number; readonly pending: number; readonly unreachable: number }
  /** Every zone reachable and steered as planned, every write committed: once each time that becomes true. */
  | { readonly kind: 'converged'; readonly steered: number; readonly pending: number };

interface ControllerEvents {
  event: [SteerEvent];
}

/**
 * `mvtep ic steer` as a daemon: one monitored session per zone SB; every
 * change anywhere (a pod bound or moved, its encap changed, a remote
 * chassis' Encap rows synced, a zone back after a restart) replans all
 * zones and writes each zone's difference in one transaction. Passes
 * coalesce: a burst of changes costs one plan, and a zone with a write in
 * flight is replanned when it lands.
 */
export class SteerController extends EventEmitter<ControllerEvents> {
  readonly #zones: ZonesFile;
  readonly #links: SbLink[];
  /** Per zone, when L3 steering is on. */
  readonly #nbLinks: Map<string, NbLink>;
  readonly #l3Subnets: readonly IpPrefix[] | undefined;
  #nbPlans = new Map<string, NbZonePlan>();
  #nbReports = new Map<string, ZoneNbReport>();
  #awaiting: ReadonlyMap<string, readonly PendingPort[]> = new Map();
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  #scheduled = false;
  #lastPass = -Infinity;
  #passTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #plans = new Map<string, ZonePlan>();
  /** Remembers every zone's verdicts: a pass redoes only what changed since the last. */
  readonly #l2Planner = new L2Planner();
  #lastWrites = new Map<string, EncapWrite[]>();
  #retryTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  readonly #resyncMs: number;
  /** The last pass found everything steered (a 'converged' event is sent when this turns true). */
  #converged = false;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(zones: ZonesFile, opts: SteerControllerOptions = {}) {
    super();
    this.#zones = zones;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#retryMs = opts.retryMs ?? 500;
    this.#resyncMs = opts.resyncMs ?? 60_000;
    this.#l3Subnets = opts.l3Subnets && opts.l3Subnets.length > 0 ? opts.l3Subnets : undefined;
    const linkOpts = { connectTimeoutMs: this.#timeoutMs, onChange: () => this.schedule() };
    this.#links = zones.zones.map((z) => new ZoneLink(z.name, z.sb, SB_LINK, linkOpts));
    this.#nbLinks = new Map(this.#l3Subnets ? zones.zones.map((z) => [z.name, new ZoneLink(z.name, z.nb, NB_LINK, linkOpts)] as const) : []);
  }

  start(): this {
    for (const l of [...this.#links, ...this.#nbLinks.values()]) l.open();
    if (this.#resyncMs > 0) {
      this.#resyncTimer = setInterval(() => this.resync(), this.#resyncMs);
      this.#resyncTimer.unref();
    }
    return this;
  }

  /** Reads every reachable zone's remote-port encaps again (see SteerControllerOptions.resyncMs); resolves once each has been swapped in. */
  async resync(): Promise<void> {
    await Promise.all(this.#links.map((l) => l.reopen('remote')));
  }

  /**
   * Replans on the next turn of the event loop (many changes, one pass), and
   * at most once per PASS_SPACING_MS: a pass plans every zone, and the echoes
   * of one pass's writes to 49 zones arrive over tens of milliseconds.
   */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#lastPass = performance.now();
      this.#pass();
    };
    const wait = this.#lastPass + PASS_SPACING_MS - performance.now();
    if (wait > 0) this.#passTimer = setTimeout(run, wait);
    else setImmediate(run);
  }

  /** A zone counts as observed only when every database steering needs from it is. */
  #observed(): L3Zone[] {
    return this.#links.map((l) => {
      const sb = l.view();
      const nbLink = this.#nbLinks.get(l.name);
      const nb = nbLink?.view();
      return nbLink && (!sb || !nb) ? { name: l.name, sb: undefined, nb: undefined } : { name: l.name, sb, nb };
    });
  }

  #pass(): void {
    if (this.#closed) return;
    // Until every zone has been read once (or failed to), a plan would pin ports homed in zones still loading, pass after pass.
    if ([...this.#links, ...this.#nbLinks.values()].some((l) => !l.settled)) return;
    const observed = this.#observed();
    const plan = planSteering(observed, { l2Planner: this.#l2Planner, ...(this.#l3Subnets ? { l3Subnets: this.#l3Subnets } : {}) });
    this.#plans = new Map(plan.sb);
    this.#nbPlans = new Map(plan.nb.map((p) => [p.zone, p]));
    this.#awaiting = plan.awaiting;
    let writes = 0;
    for (const p of plan.nb) {
      if (nbChangeCount(p) === 0) continue;
      writes += nbChangeCount(p);
      const link = this.#nbLinks.get(p.zone)!;
      if (!link.writing) this.#writeNb(link, p);
    }
    for (const [zone, zp] of plan.sb) {
      const link = this.#links.find((l) => l.name === zone)!;
      const sb = observed.find((o) => o.name === zone)!.sb!;
      const unmarked = sb.globalExternalIds[STEER_MARKER_KEY] !== SB_MODE_MARKER;
      if (zp.writes.length === 0 && !unmarked) continue;
      writes += zp.writes.length;
      if (!link.writing) this.#write(link, zp.writes);
    }
    const unreachable = observed.filter((o) => !o.sb).length;
    const pending = [...plan.sb.values()].reduce((n, p) => n + p.pending.length, 0) + [...plan.awaiting.values()].reduce((n, a) => n + a.length, 0);
    this.emit('event', { kind: 'pass', writes, pending, unreachable });
    const converged = this.#isConverged(true);
    if (converged && !this.#converged) this.emit('event', { kind: 'converged', steered: [...plan.sb.values()].reduce((n, p) => n + p.steered, 0), pending });
    this.#converged = converged;
    this.#settle();
  }

  #writeNb(link: NbLink, plan: NbZonePlan): void {
    const client = link.client;
    if (!client) return;
    link.writing = true;
    const t0 = performance.now();
    writeL3Plan(client, plan, this.#timeoutMs)
      .then(() => {
        this.#nbReports.set(link.name, addNbChanges(this.#nbReports.get(link.name), plan));
        this.emit('event', { kind: 'wrote-nb', zone: link.name, changes: nbChangeCount(plan), ms: performance.now() - t0 });
      })
      .catch((err: Error) => {
        this.emit('event', { kind: 'write-failed', zone: link.name, error: `NB: ${err.message}` });
        this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.schedule(); }, this.#retryMs);
      })
      .finally(() => {
        link.writing = false;
        this.schedule();
      });
  }

  #write(link: SbLink, writes: readonly EncapWrite[]): void {
    const client = link.client;
    if (!client) return;
    link.writing = true;
    const tracker = link.tracker;
    const t0 = performance.now();
    writeRemoteEncaps(client, writes, { timeoutMs: this.#timeoutMs, marker: SB_MODE_MARKER })
      .then((missed) => {
        // The server does not echo these back (IC_ZONE_SB_LIVE): the view learns them from here.
        tracker?.wrote(writes.filter((w) => !missed.has(w.row)));
        tracker?.forget(missed);
        this.#lastWrites.set(link.name, [...writes]);
        this.emit('event', { kind: 'wrote', zone: link.name, writes, ms: performance.now() - t0 });
      })
      .catch((err: Error) => {
        // Perhaps committed (a timeout), perhaps not: written again.
        tracker?.forget(writes.map((w) => w.row));
        this.emit('event', { kind: 'write-failed', zone: link.name, error: err.message });
        // A referenced Encap row may have gone between plan and commit: replan a little later.
        this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.schedule(); }, this.#retryMs);
      })
      .finally(() => {
        link.writing = false;
        this.schedule();
      });
  }

  /** True when every reachable zone is steered as planned and nothing is in flight. */
  #isConverged(requireAll: boolean, requireNoPending = false): boolean {
    const all = [...this.#links, ...this.#nbLinks.values()];
    if (all.some((l) => l.writing)) return false;
    if (requireAll && all.some((l) => !l.view())) return false;
    if ([...this.#nbPlans.values()].some((p) => nbChangeCount(p) > 0) || this.#awaiting.size > 0) return false;
    if (requireNoPending && [...this.#plans.values()].some((p) => p.pending.length > 0)) return false;
    for (const l of this.#links) {
      const v = l.view();
      if (!v) continue;
      const p = this.#plans.get(l.name);
      if (!p || p.writes.length > 0 || v.globalExternalIds[STEER_MARKER_KEY] !== SB_MODE_MARKER) return false;
    }
    return true;
  }

  #settle(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Resolves once a pass finds nothing to write (every zone reachable, unless
   * `requireAllZones` is false; and, with `requireNoPending`, no port left
   * pending, e.g. a transit peer ovn-ic published but not yet bound); rejects
   * after `timeoutMs`.
   */
  converged(timeoutMs: number, opts: { requireAllZones?: boolean; requireNoPending?: boolean } = {}): Promise<SteerReport> {
    const requireAll = opts.requireAllZones ?? true;
    const requireNoPending = opts.requireNoPending ?? false;
    return new Promise<SteerReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        const down = [...this.#links, ...this.#nbLinks.values()].filter((l) => !l.view()).map((l) => `${l.remote} of ${l.name} (${l.lastError ?? 'connecting'})`);
        reject(new Error(`ic steer: not converged within ${timeoutMs} ms${down.length ? `; unreachable: ${down.join(', ')}` : ''}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(this.report());
      };
      this.#waiters.push({ check: () => this.#isConverged(requireAll, requireNoPending), resolve: done });
      this.#settle();
    });
  }

  report(): SteerReport {
    const errors = new Map<string, string>();
    for (const l of [...this.#links, ...this.#nbLinks.values()]) if (!l.view() && !errors.has(l.name)) errors.set(l.name, `${l.remote}: ${l.lastError ?? 'connecting'}`);
    const steered = new Map([...this.#plans].map(([k, p]) => [k, p.steered] as const));
    const nb = new Map([...this.#nbPlans.keys()].map((z) => [z, this.#nbReports.get(z) ?? addNbChanges(undefined, { ...this.#nbPlans.get(z)!, addPorts: [], removePorts: [], addRoutes: [], removeRoutes: [] })] as const));
    return buildReport('steer', false, this.#zones.zones.map((z) => z.name), this.#plans, this.#lastWrites, errors, steered, nb, this.#awaiting);
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#resyncTimer) clearInterval(this.#resyncTimer);
    if (this.#passTimer) clearTimeout(this.#passTimer);
    for (const l of [...this.#links, ...this.#nbLinks.values()]) l.close();
    this.removeAllListeners();
  }
}
