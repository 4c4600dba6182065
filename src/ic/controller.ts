import { EventEmitter } from 'node:events';
import type { ZonesFile } from '../config/index.ts';
import { planL2, type EncapWrite, type ObservedZone, type ZonePlan } from './l2Plan.ts';
import { SB_MODE_MARKER } from './once.ts';
import { buildReport, type SteerReport } from './report.ts';
import { STEER_MARKER_KEY, writeRemoteEncaps } from './sbWriter.ts';
import { ZoneLink } from './zoneLink.ts';

export interface SteerControllerOptions {
  /** Connect and per-transaction deadline (default 10 s). */
  readonly timeoutMs?: number;
  /** Delay before a failed zone write is retried (default 500 ms). */
  readonly retryMs?: number;
}

export type SteerEvent =
  | { readonly kind: 'wrote'; readonly zone: string; readonly writes: readonly EncapWrite[]; readonly ms: number }
  | { readonly kind: 'write-failed'; readonly zone: string; readonly error: string }
  | { readonly kind: 'pass'; readonly writes: number; readonly pending: number; readonly unreachable: number };

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
  readonly #links: ZoneLink[];
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  #scheduled = false;
  #closed = false;
  #plans = new Map<string, ZonePlan>();
  #lastWrites = new Map<string, EncapWrite[]>();
  #retryTimer: NodeJS.Timeout | undefined;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(zones: ZonesFile, opts: SteerControllerOptions = {}) {
    super();
    this.#zones = zones;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#retryMs = opts.retryMs ?? 500;
    this.#links = zones.zones.map((z) => new ZoneLink(z.name, z.sb, { connectTimeoutMs: this.#timeoutMs, onChange: () => this.schedule() }));
  }

  start(): this {
    for (const l of this.#links) l.open();
    return this;
  }

  /** Replans on the next turn of the event loop (many changes, one pass). */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pass();
    });
  }

  #pass(): void {
    if (this.#closed) return;
    const observed: ObservedZone[] = this.#links.map((l) => ({ name: l.name, sb: l.view() }));
    const plans = planL2(observed);
    this.#plans = new Map(plans.map((p) => [p.zone, p]));
    let writes = 0;
    for (const plan of plans) {
      const link = this.#links.find((l) => l.name === plan.zone)!;
      const sb = observed.find((o) => o.name === plan.zone)!.sb!;
      const unmarked = sb.globalExternalIds[STEER_MARKER_KEY] !== SB_MODE_MARKER;
      if (plan.writes.length === 0 && !unmarked) continue;
      writes += plan.writes.length;
      if (!link.writing) this.#write(link, plan.writes);
    }
    const unreachable = observed.filter((o) => !o.sb).length;
    this.emit('event', { kind: 'pass', writes, pending: plans.reduce((n, p) => n + p.pending.length, 0), unreachable });
    this.#settle();
  }

  #write(link: ZoneLink, writes: readonly EncapWrite[]): void {
    const client = link.client;
    if (!client) return;
    link.writing = true;
    const t0 = performance.now();
    writeRemoteEncaps(client, writes, { timeoutMs: this.#timeoutMs, marker: SB_MODE_MARKER })
      .then(() => {
        this.#lastWrites.set(link.name, [...writes]);
        this.emit('event', { kind: 'wrote', zone: link.name, writes, ms: performance.now() - t0 });
      })
      .catch((err: Error) => {
        this.emit('event', { kind: 'write-failed', zone: link.name, error: err.message });
        // A referenced Encap row may have gone between plan and commit: replan a little later.
        this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.schedule(); }, this.#retryMs);
      })
      .finally(() => {
        link.writing = false;
        // The cache update for our own write also replans; this covers a write that changed nothing.
        this.schedule();
      });
  }

  /** True when every reachable zone is steered as planned and nothing is in flight. */
  #isConverged(requireAll: boolean): boolean {
    if (this.#links.some((l) => l.writing)) return false;
    if (requireAll && this.#links.some((l) => !l.view())) return false;
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
   * `requireAllZones` is false); rejects after `timeoutMs`.
   */
  converged(timeoutMs: number, opts: { requireAllZones?: boolean } = {}): Promise<SteerReport> {
    const requireAll = opts.requireAllZones ?? true;
    return new Promise<SteerReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        const down = this.#links.filter((l) => !l.view()).map((l) => `${l.name} (${l.lastError ?? 'connecting'})`);
        reject(new Error(`ic steer: not converged within ${timeoutMs} ms${down.length ? `; unreachable: ${down.join(', ')}` : ''}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(this.report());
      };
      this.#waiters.push({ check: () => this.#isConverged(requireAll), resolve: done });
      this.#settle();
    });
  }

  report(): SteerReport {
    const errors = new Map<string, string>();
    for (const l of this.#links) if (!l.view()) errors.set(l.name, l.lastError ?? 'connecting');
    const steered = new Map([...this.#plans].map(([k, p]) => [k, p.steered] as const));
    return buildReport('steer', false, this.#zones.zones.map((z) => z.name), this.#plans, this.#lastWrites, errors, steered);
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    for (const l of this.#links) l.close();
    this.removeAllListeners();
  }
}
