/**
 * A live dashboard view: OVSDB monitors on the Southbound and on each node's
 * Open_vSwitch database say *when* something changed; each change (debounced)
 * re-gathers the whole picture with verify's gatherers, re-runs verify's
 * checks and the tracer, and publishes a new view. Routing has no OVSDB
 * events, so a slower periodic refresh catches `ip rule`/`ip route` changes.
 */
import { OvsdbClient, type MonitorCache } from '../ovsdb/index.ts';
import { chassisConfigFromExternalIds, ovnTokenSet } from '../ovn/index.ts';
import { gatherNode, gatherRouting, gatherSouthbound, gatherSriov } from '../verify/gather/index.ts';
import { runChecks, STATE_FORMAT, type GatheredState, type NodeState, type SouthboundState } from '../verify/index.ts';
import { errorMessage } from '../util/errors.ts';
import { buildDashboardView } from './buildView.ts';
import { inputsFromGathered } from './fromState.ts';
import type { ViewHub } from './hub.ts';
import type { NicInput, PathInput, ViewInputs } from './inputs.ts';
import type { DashboardView } from './view.ts';

export interface LiveNode {
  /** The node's Open_vSwitch database remote. */
  readonly ovsdb: string;
  /** Network namespace holding the node's VTEPs and routing (omit: not read). */
  readonly netns?: string;
  readonly sysfs?: string;
}

/** Computes pod-to-pod paths for a freshly gathered state (e.g. trace with --confirm). */
export type Tracer = (state: GatheredState, inputs: ViewInputs) => Promise<readonly PathInput[]>;

export interface LiveViewOptions {
  readonly hub: ViewHub;
  readonly source: ViewInputs['source'];
  readonly sb?: string;
  readonly nodes: readonly LiveNode[];
  readonly nics?: ReadonlyMap<string, readonly NicInput[]>;
  readonly tracer?: Tracer;
  readonly debounceMs?: number;
  /** Periodic refresh for what OVSDB cannot announce (routing); 0 disables it. */
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  /** `ip route get` probes per local VTEP while gathering (default 4, like verify). */
  readonly routeProbes?: number;
  readonly log?: (line: string) => void;
}

/**
 * Remote VTEPs to probe with `ip route get` from each local VTEP: one per
 * remote chassis first (so every local VTEP is checked towards every
 * chassis), up to `max`. Each probe is a process; the tracer looks up the
 * exact pairs its paths use on demand.
 */
export function remoteVteps(sb: SouthboundState | undefined, self: string, max: number): string[] {
  const byChassis = new Map<string, string[]>();
  for (const e of sb?.encaps ?? []) {
    if (e.chassisName === self) continue;
    const list = byChassis.get(e.chassisName) ?? [];
    if (!list.includes(e.ip)) list.push(e.ip);
    byChassis.set(e.chassisName, list);
  }
  const out: string[] = [];
  for (let round = 0; out.length < max; round++) {
    const picked = [...byChassis.values()].map((l) => l[round]).filter((ip): ip is string => ip !== undefined);
    if (picked.length === 0) break;
    out.push(...picked.slice(0, max - out.length));
  }
  return out;
}

/** Gathers every given source into one verify state (nodes in the given order). */
export async function gatherLive(opts: Pick<LiveViewOptions, 'sb' | 'nodes' | 'timeoutMs' | 'routeProbes'>): Promise<GatheredState> {
  const timeout = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
  // Port_Binding.mac lets trace build a real unicast packet for ofproto/trace.
  const sbG = opts.sb ? await gatherSouthbound(opts.sb, { ...timeout, withMacs: true }) : undefined;
  const nodes: NodeState[] = await Promise.all(opts.nodes.map(async (n) => {
    let node = await gatherNode(n.ovsdb, timeout);
    if (n.sysfs) node = { ...node, sriov: gatherSriov(n.sysfs) };
    if (n.netns !== undefined) {
      const cfg = chassisConfigFromExternalIds(node.openVswitch.externalIds);
      const vteps = cfg.encapIp === undefined ? [] : ovnTokenSet(cfg.encapIp);
      node = { ...node, routing: await gatherRouting({ netns: n.netns, vteps, remotes: remoteVteps(sbG?.southbound, node.label, opts.routeProbes ?? 4) }) };
    }
    return node;
  }));
  return {
    format: STATE_FORMAT,
    gatheredAt: new Date().toISOString(),
    ...(sbG?.ovnVersion ? { ovnVersion: sbG.ovnVersion } : {}),
    nodes,
    ...(sbG ? { southbound: sbG.southbound } : {}),
  };
}

/** One full refresh: gather, verify, trace, build. */
export async function computeView(opts: Omit<LiveViewOptions, 'hub'>): Promise<{ view: DashboardView; state: GatheredState }> {
  const state = await gatherLive(opts);
  const findings = runChecks(state);
  const base = inputsFromGathered(state, { source: opts.source, findings, ...(opts.nics ? { nics: opts.nics } : {}) });
  const paths = opts.tracer ? await opts.tracer(state, base) : [];
  return { view: buildDashboardView({ ...base, paths }), state };
}

export class LiveView {
  readonly #opts: LiveViewOptions;
  readonly #clients: OvsdbClient[] = [];
  readonly #monitors: MonitorCache[] = [];
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #lastError: string | undefined;
  /** The state behind the latest published view. */
  lastState: GatheredState | undefined;

  private constructor(opts: LiveViewOptions) {
    this.#opts = opts;
  }

  /** Opens the monitors and publishes the first view before returning. */
  static async start(opts: LiveViewOptions): Promise<LiveView> {
    const live = new LiveView(opts);
    try {
      await live.#watch();
      await live.refresh();
    } catch (err) {
      live.close();
      throw err;
    }
    const pollMs = opts.pollMs ?? 10_000;
    if (pollMs > 0) {
      live.#poll = setInterval(() => live.schedule(), pollMs);
      live.#poll.unref();
    }
    return live;
  }

  async #watch(): Promise<void> {
    const watch = async (remote: string, db: string, spec: Record<string, readonly string[]>) => {
      const client = await OvsdbClient.connect(remote, { connectTimeoutMs: this.#opts.timeoutMs ?? 30_000, reconnect: true });
      this.#clients.push(client);
      const cache = client.monitor(db, spec);
      this.#monitors.push(cache);
      await cache.ready;
      cache.on('change', (_changes, info) => {
        if (!info.initial) this.schedule();
      });
    };
    const jobs: Promise<void>[] = [];
    if (this.#opts.sb) {
      jobs.push(watch(this.#opts.sb, 'OVN_Southbound', {
        Chassis: ['name', 'encaps'], Encap: ['ip', 'chassis_name', 'options'], Port_Binding: ['logical_port', 'chassis', 'encap'],
      }));
    }
    for (const n of this.#opts.nodes) {
      jobs.push(watch(n.ovsdb, 'Open_vSwitch', {
        Open_vSwitch: ['external_ids'], Bridge: ['name', 'ports'], Port: ['name', 'interfaces', 'external_ids'],
        Interface: ['name', 'type', 'ofport', 'external_ids', 'options'],
      }));
    }
    await Promise.all(jobs);
  }

  /** Debounced refresh: bursts of OVSDB changes produce one new view. */
  schedule(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh().catch(() => undefined);
    }, this.#opts.debounceMs ?? 250);
  }

  /** Refreshes now; concurrent calls coalesce into at most one more run. Resolves after the view is published. */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          if (this.#closed) return;
          try {
            const { view, state } = await computeView(this.#opts);
            if (this.#closed) return;
            this.lastState = state;
            this.#lastError = undefined;
            this.#opts.hub.publish(view);
          } catch (err) {
            // Keep the last good view on screen; say once per distinct failure.
            const msg = errorMessage(err);
            if (msg !== this.#lastError) this.#opts.log?.(`dashboard refresh failed: ${msg}`);
            this.#lastError = msg;
            if (!this.#opts.hub.current()) throw err;
          }
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
    for (const m of this.#monitors) m.close();
    for (const c of this.#clients) c.close();
  }
}
