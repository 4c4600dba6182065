/**
 * A live dashboard view: OVSDB monitors on the Southbound and on each node's
 * Open_vSwitch database hold the rows; each change (debounced) rebuilds the
 * observed state from those caches (src/observe readers, no re-dump), re-runs
 * verify's checks and the tracer, and publishes a new view. Routing has no
 * OVSDB events, so a slower periodic refresh catches `ip rule`/`ip route` changes.
 */
import { deriveAppctlTarget, OvsdbClient, type MonitorCache } from '../ovsdb/index.ts';
import {
  NODE_COLUMNS, nodeStateFromRows, readNodeState, readSouthbound, readSriov, SOUTHBOUND_COLUMNS, southboundFromRows, STATE_FORMAT, withOvsRouter, withRouting,
  type GatheredState, type NodeState, type RowSource, type SouthboundRead,
} from '../observe/index.ts';
import type { OpenVSwitchTables, OvnSouthboundTables } from '../schema/index.ts';
import { runChecks } from '../verify/index.ts';
import { errorMessage } from '../util/errors.ts';
import { buildDashboardView } from './buildView.ts';
import { inputsFromGathered } from './fromState.ts';
import type { ViewHub } from './hub.ts';
import type { NicInput, PathInput, ViewInputs, WireInput } from './inputs.ts';
import type { DashboardView } from './view.ts';

export interface LiveNode {
  /** The node's Open_vSwitch database remote. */
  readonly ovsdb: string;
  /** Network namespace holding the node's VTEPs and routing (omit: not read). */
  readonly netns?: string;
  readonly sysfs?: string;
  /** vswitchd's control socket: OVS's own router is read when br-int is on the userspace datapath. */
  readonly appctlTarget?: string;
}

/** Computes pod-to-pod paths for a freshly gathered state (e.g. trace with --confirm). */
export type Tracer = (state: GatheredState, inputs: ViewInputs) => Promise<readonly PathInput[]>;

/**
 * Wire evidence for the traced paths (a netdev lab: real packets captured on
 * the PFs), given the view built without it (each path's expected VTEPs);
 * keyed by `wireKey(from, to)`. It may hand back an earlier probe's results.
 */
export type WireProber = (view: DashboardView) => Promise<ReadonlyMap<string, WireInput>>;

export const wireKey = (from: string, to: string): string => `${from}\u0000${to}`;

export interface LiveViewOptions {
  readonly hub: ViewHub;
  readonly source: ViewInputs['source'];
  readonly sb?: string;
  readonly nodes: readonly LiveNode[];
  readonly nics?: ReadonlyMap<string, readonly NicInput[]>;
  readonly tracer?: Tracer;
  readonly wire?: WireProber;
  readonly debounceMs?: number;
  /** Periodic refresh for what OVSDB cannot announce (routing); 0 disables it. */
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  /** `ip route get` probes per local VTEP while gathering (default 4, like verify). */
  readonly routeProbes?: number;
  readonly log?: (line: string) => void;
}

/** Row sources already open (the live view's monitors); without them each source is read once. */
export interface LiveRows {
  readonly sb?: RowSource<OvnSouthboundTables>;
  /** Per node, in the order of `nodes`. */
  readonly nodes: readonly RowSource<OpenVSwitchTables>[];
}

/** Gathers every given source into one verify state (nodes in the given order). */
export async function gatherLive(opts: Pick<LiveViewOptions, 'sb' | 'nodes' | 'timeoutMs' | 'routeProbes'>, rows?: LiveRows): Promise<GatheredState> {
  const timeout = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
  // Port_Binding.mac lets trace build a real unicast packet for ofproto/trace.
  let sbG: SouthboundRead | undefined;
  if (rows?.sb) sbG = southboundFromRows(rows.sb, { withMacs: true });
  else if (opts.sb) sbG = await readSouthbound(opts.sb, { ...timeout, withMacs: true });
  const nodes: NodeState[] = await Promise.all(opts.nodes.map(async (n, i) => {
    const cached = rows?.nodes[i];
    let node = cached ? nodeStateFromRows(cached, { label: n.ovsdb }) : await readNodeState(n.ovsdb, timeout);
    if (n.sysfs) node = { ...node, sriov: readSriov(n.sysfs) };
    if (n.netns !== undefined) node = await withRouting(node, sbG?.southbound, n.netns, opts.routeProbes);
    node = await withOvsRouter(node, n.appctlTarget ?? await deriveAppctlTarget(n.ovsdb), opts.timeoutMs);
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
export async function computeView(opts: Omit<LiveViewOptions, 'hub'>, rows?: LiveRows): Promise<{ view: DashboardView; state: GatheredState }> {
  const state = await gatherLive(opts, rows);
  const findings = runChecks(state);
  const base = inputsFromGathered(state, { source: opts.source, findings, ...(opts.nics ? { nics: opts.nics } : {}) });
  const paths = opts.tracer ? await opts.tracer(state, base) : [];
  const view = buildDashboardView({ ...base, paths });
  if (!opts.wire || paths.length === 0) return { view, state };
  const wire = await opts.wire(view);
  return { view: buildDashboardView({ ...base, paths: paths.map((p) => ({ ...p, wire: wire.get(wireKey(p.from, p.to)) ?? null })) }), state };
}

export class LiveView {
  readonly #opts: LiveViewOptions;
  readonly #clients: OvsdbClient[] = [];
  readonly #monitors: { close(): void }[] = [];
  #sbRows: MonitorCache<OvnSouthboundTables> | undefined;
  #nodeRows: MonitorCache<OpenVSwitchTables>[] = [];
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
    const connect = async (remote: string): Promise<OvsdbClient> => {
      const client = await OvsdbClient.connect(remote, { connectTimeoutMs: this.#opts.timeoutMs ?? 30_000, reconnect: true });
      this.#clients.push(client);
      return client;
    };
    const watch = async <T extends MonitorCache<OvnSouthboundTables> | MonitorCache<OpenVSwitchTables>>(cache: T): Promise<T> => {
      this.#monitors.push(cache);
      await cache.ready;
      cache.on('change', (_changes, info) => {
        if (!info.initial) this.schedule();
      });
      return cache;
    };
    const sb = this.#opts.sb;
    const [sbRows, ...nodeRows] = await Promise.all([
      sb ? connect(sb).then((c) => watch(c.monitor<OvnSouthboundTables>('OVN_Southbound', SOUTHBOUND_COLUMNS))) : Promise.resolve(undefined),
      ...this.#opts.nodes.map((n) => connect(n.ovsdb).then((c) => watch(c.monitor<OpenVSwitchTables>('Open_vSwitch', NODE_COLUMNS)))),
    ]);
    this.#sbRows = sbRows;
    this.#nodeRows = nodeRows as MonitorCache<OpenVSwitchTables>[];
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
            const { view, state } = await computeView(this.#opts, { ...(this.#sbRows ? { sb: this.#sbRows } : {}), nodes: this.#nodeRows });
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
