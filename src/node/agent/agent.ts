import { checkNodeEncapConfig, type NodeEncapConfig } from '../../config/index.ts';
import { OvsdbClient, type MonitorCache, type Row, type RowChange } from '../../ovsdb/index.ts';
import { requireSysfsRoot, resolveRepresentor, SriovError, Sysfs, warmUplinks } from '../../sriov/index.ts';
import { errorMessage } from '../../util/errors.ts';
import { silentLog, type AgentLog } from './log.ts';
import { AgentMetrics } from './metrics.ts';
import { appendedUuids, eachUuid, uuidsOf } from '../../observe/index.ts';
import { vswitchIface, vswitchRoot, VIEW_COLUMNS } from './ovsView.ts';
import { configFingerprint, reconcile, type EncapMutation, type AgentProblem, type RepLookup } from './reconcile.ts';

const DB = 'Open_vSwitch';
/** Write transactions the agent keeps outstanding at once. */
const MAX_INFLIGHT = 8;

const tokenOf = (m: EncapMutation): string => (m.kind === 'set' ? `set:${m.ip}` : 'remove');

export interface AgentOptions {
  /** OVSDB remote, or a connected client (left open by stop()). */
  readonly ovsdb: string | OvsdbClient;
  readonly sysfsRoot?: string;
  readonly bridge?: string;
  readonly chassis?: string;
  readonly log?: AgentLog;
  /** Full re-evaluation period (catches sysfs-side changes); default 60 s, 0 disables. */
  readonly resyncMs?: number;
  /**
   * Deadline of a connection attempt and of each OVSDB request (schema,
   * initial dump, transactions) of a session opened here; a silent server
   * is then dropped and retried instead of stalling the agent unseen.
   */
  readonly timeoutMs?: number;
  /**
   * With a remote string: start at once and keep trying to connect (backoff,
   * logged) instead of rejecting when nothing answers yet, so a DaemonSet
   * started before OVS waits (unready) rather than crash-looping.
   */
  readonly waitForOvsdb?: boolean;
}

export interface AgentStats {
  readonly connected: boolean;
  /** The first full pass over the bridge has completed. */
  readonly synced: boolean;
  readonly passes: number;
  readonly transactions: number;
  readonly sets: number;
  readonly removes: number;
  readonly writeErrors: number;
  readonly managed: number;
  readonly problems: readonly AgentProblem[];
  readonly configErrors: number;
  readonly configWarnings: number;
}

export interface AgentHandle {
  readonly stats: AgentStats;
  /** Resolves after the first full pass (rejects if the monitor cannot start). */
  readonly ready: Promise<void>;
  /** Re-reads sysfs and re-evaluates every VIF (what SIGHUP does). */
  reload(): void;
  /** Resolves when nothing is pending: no dirty VIF, no transaction in flight. */
  idle(): Promise<void>;
  /** Prometheus text of the agent's series (its own registry). */
  metrics(): Promise<string>;
  /** Ready: connected, monitoring, first full pass done, sysfs readable. */
  healthy(): boolean;
  /** Why the agent is not ready (what /readyz answers), or undefined when it is. */
  notReady(): string | undefined;
  stop(): Promise<void>;
}

interface IfaceState {
  managed: boolean;
  problem?: AgentProblem;
}

/**
 * The reconciler: a monitor of the local Open_vSwitch database drives
 * incremental passes (only VIFs whose rows changed) and full passes (start,
 * reconnect, config change, reload, resync). Each pass is the pure
 * `reconcile` plus one transaction of single-key mutates.
 */
class Agent implements AgentHandle {
  private readonly client: OvsdbClient;
  private readonly ownsClient: boolean;
  private readonly cache: MonitorCache;
  private readonly sys: Sysfs;
  private readonly bridge: string;
  private readonly chassis: string | undefined;
  private readonly log: AgentLog;
  private readonly repCache = new Map<string, RepLookup>();
  private readonly state = new Map<string, IfaceState>();
  private readonly dirty = new Map<string, number>();
  private readonly retry = new Map<string, number>();
  /** iface uuid -> what our uncommitted write does to it (tokenOf). */
  private readonly inflight = new Map<string, string>();
  private readonly writes = new Set<Promise<void>>();
  private kick: (() => void) | undefined;
  private full = true;
  private fingerprint = '';
  private config: NodeEncapConfig | undefined;
  private configErrors = 0;
  private configWarnings = 0;
  private bridgeRow: Row | undefined;
  private bridgePorts = new Set<string>();
  private scheduled = false;
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private synced = false;
  private sysfsProblem: string | undefined;
  /** The last connection failure, for /readyz. */
  private lastError: string | undefined;
  private counters = { passes: 0, transactions: 0, sets: 0, removes: 0, writeErrors: 0 };
  private readonly prom: AgentMetrics;
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;

  constructor(client: OvsdbClient, ownsClient: boolean, opts: AgentOptions) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.sys = new Sysfs(opts.sysfsRoot ?? '/sys');
    this.bridge = opts.bridge ?? 'br-int';
    this.chassis = opts.chassis;
    this.log = opts.log ?? silentLog;
    this.prom = new AgentMetrics(this, this.bridge);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Unhandled if nobody awaits ready: the CLI and health endpoint still report it.
    this.ready.catch(() => {});
    this.cache = client.monitor(DB, {
      Open_vSwitch: [...VIEW_COLUMNS.Open_vSwitch],
      Bridge: [...VIEW_COLUMNS.Bridge],
      Port: [...VIEW_COLUMNS.Port],
      Interface: [...VIEW_COLUMNS.Interface],
    });
    this.cache.addIndex('Port', 'byIface', (r) => uuidsOf(r['interfaces']));
    this.warm();
    this.cache.on('change', (changes, info) => this.onChange(changes, info.initial));
    this.cache.ready.catch((err: unknown) => {
      this.log('error', 'cannot monitor the Open_vSwitch database', { error: errorMessage(err) });
      this.rejectReady(err);
    });
    client.on('disconnected', this.onDisconnected);
    client.on('connected', this.onConnected);
    client.on('retrying', this.onRetrying);
    const resync = opts.resyncMs ?? 60_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => this.requestFull('resync'), resync);
      this.resyncTimer.unref();
    }
  }

  get stats(): AgentStats {
    const problems: AgentProblem[] = [];
    let managed = 0;
    for (const s of this.state.values()) {
      if (s.managed) managed++;
      if (s.problem) problems.push(s.problem);
    }
    return {
      connected: this.client.isConnected, synced: this.synced, ...this.counters, managed, problems,
      configErrors: this.configErrors, configWarnings: this.configWarnings,
    };
  }

  healthy(): boolean {
    return this.notReady() === undefined;
  }

  notReady(): string | undefined {
    if (this.stopped) return 'agent stopped';
    if (this.sysfsProblem !== undefined) return `cannot read sysfs: ${this.sysfsProblem}`;
    if (!this.client.isConnected) {
      const remote = this.client.remotes.map((r) => r.text).join(',');
      return `not connected to ${remote}${this.lastError === undefined ? '' : ` (${this.lastError})`}`;
    }
    if (!this.cache.isReady) {
      return `monitor of the Open_vSwitch database not established yet${this.lastError === undefined ? '' : ` (last error: ${this.lastError})`}`;
    }
    if (!this.synced) return 'first full pass over the bridge not done yet';
    return undefined;
  }

  reload(): void {
    this.requestFull('reload');
  }

  /**
   * Re-evaluates every VIF. A reload also forgets what sysfs said (a NIC
   * changed mode, representors were renamed); the periodic resync keeps the
   * caches, whose sysfs memo re-validates itself, so it costs no event latency.
   */
  private requestFull(why: string, forget = why === 'reload'): void {
    if (forget) {
      this.repCache.clear();
      this.sys.memo.clear();
      this.warm();
    }
    this.full = true;
    this.log('info', 'full re-evaluation requested', { reason: why });
    this.schedule();
  }

  private readonly onDisconnected = (err: Error | undefined): void => {
    this.lastError = err ? errorMessage(err) : 'connection closed';
    this.log('warn', 'ovsdb disconnected', { error: err ? errorMessage(err) : undefined });
  };

  private readonly onConnected = (remote: string): void => {
    this.log('info', 'ovsdb connected', { remote });
  };

  private readonly onRetrying = (err: Error, delayMs: number): void => {
    this.lastError = errorMessage(err);
    const remote = this.client.remotes.map((r) => r.text).join(',');
    this.log('warn', 'waiting for ovsdb', { remote, error: this.lastError, retryInMs: delayMs });
  };

  /** Pre-resolves every PF's uplink, off the per-event path. */
  private warm(): void {
    try {
      requireSysfsRoot(this.sys.root);
      this.sysfsProblem = undefined;
    } catch (err) {
      // Managing nothing because sysfs is missing is not healthy (SIGHUP re-checks).
      this.sysfsProblem = errorMessage(err);
      this.log('error', 'cannot read sysfs', { error: this.sysfsProblem });
    }
    const t0 = performance.now();
    const pfs = warmUplinks(this.sys);
    this.log('info', 'sysfs scanned', { switchdevPfs: pfs, ms: Math.round(performance.now() - t0) });
  }

  private onChange(changes: readonly RowChange[], initial: boolean): void {
    const now = performance.now();
    const mark = (uuid: string) => {
      if (!this.dirty.has(uuid)) this.dirty.set(uuid, now);
    };
    if (initial) this.full = true;
    for (const c of changes) {
      if (c.table === 'Interface') {
        if (c.kind === 'delete') this.state.delete(c.uuid);
        else mark(c.uuid);
      } else if (c.table === 'Port') {
        for (const u of uuidsOf(c.row?.['interfaces'])) mark(u);
      } else if (c.table === 'Bridge') {
        const name = c.row?.['name'] ?? c.old?.['name'];
        if (name !== this.bridge) continue;
        if (c.kind !== 'update' || !c.old || !c.row) {
          this.full = true;
          continue;
        }
        // Fast path for the common change, ports appended: the cache keeps
        // the old elements (same objects, same order) and appends new ones.
        const appended = this.bridgeRow === c.old ? appendedUuids(c.old['ports'], c.row['ports']) : undefined;
        if (appended) {
          for (const p of appended) {
            this.bridgePorts.add(p);
            for (const u of uuidsOf(this.cache.get('Port', p)?.['interfaces'])) mark(u);
          }
          this.bridgeRow = c.row;
          continue;
        }
        // Otherwise one pass over the (possibly thousands of) ports: the set
        // we keep is the "before", so the old row need not be scanned too.
        this.log('debug', 'bridge ports rescanned', { ports: Array.isArray(c.row['ports']) ? c.row['ports'].length : 0 });
        const now = new Set<string>();
        for (const p of eachUuid(c.row['ports'])) {
          now.add(p);
          if (this.bridgePorts.has(p)) continue;
          const port = this.cache.get('Port', p);
          for (const u of uuidsOf(port?.['interfaces'])) mark(u);
        }
        this.bridgePorts = now;
        this.bridgeRow = c.row;
      }
      // Open_vSwitch changes are checked by fingerprint at the start of each pass.
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    // A pump waiting on in-flight writes is woken at once: new work must not
    // queue behind a commit it does not depend on.
    if (this.running) {
      this.kick?.();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) this.running = this.pump().finally(() => (this.running = undefined));
      else this.kick?.();
    });
  }

  private hasWork(): boolean {
    return this.cache.isReady && (this.full || this.dirty.size > 0 || this.configChanged());
  }

  /**
   * Runs passes while there is work, with up to MAX_INFLIGHT write
   * transactions outstanding (ovsdb-server applies one connection's
   * transactions in order, so pipelining keeps the last write the winner).
   */
  private async pump(): Promise<void> {
    for (;;) {
      while (!this.stopped && this.hasWork() && this.writes.size < MAX_INFLIGHT) this.pass();
      if (this.stopped || (this.writes.size === 0 && !this.hasWork())) break;
      await new Promise<void>((resolve) => {
        this.kick = resolve;
        for (const w of this.writes) void w.then(resolve, resolve);
      });
      this.kick = undefined;
      // Let the monitor deliver what arrived meanwhile, so it is batched.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!this.hasWork() && this.writes.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.writes.size === 0 && this.dirty.size === 0 && !this.full && this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule();
    });
  }

  private ovsIds(): ReadonlyMap<string, string> {
    const row = [...this.cache.rows('Open_vSwitch').values()][0];
    return row ? vswitchRoot(row).externalIds : new Map();
  }

  private configChanged(): boolean {
    return configFingerprint(this.ovsIds(), this.chassis) !== this.fingerprint;
  }

  private refreshConfig(): boolean {
    const ids = this.ovsIds();
    const fp = configFingerprint(ids, this.chassis);
    if (fp === this.fingerprint && this.config) return false;
    this.fingerprint = fp;
    const c = checkNodeEncapConfig(ids, this.chassis === undefined ? {} : { chassis: this.chassis });
    this.config = c.value;
    this.configErrors = c.errors.length;
    this.configWarnings = c.warnings.length;
    this.log('info', 'node encap config', {
      encapIps: c.value.ovn.encapIps, defaultIp: c.value.ovn.defaultIp ?? null,
      mapping: Object.fromEntries([...c.value.mapping.byPf].map(([pf, e]) => [pf, e.ip])),
    });
    for (const e of c.errors) this.log('error', 'config error', { code: e.code, key: e.key, entry: e.entry, position: e.position, reason: e.reason });
    for (const w of c.warnings) this.log('warn', 'config warning', { code: w.code, key: w.key, detail: w.message });
    return true;
  }

  private onBridgePorts(): Set<string> {
    const br = this.cache.find('Bridge', (r) => r['name'] === this.bridge)[0];
    if (br !== this.bridgeRow) {
      this.log('debug', 'bridge ports rebuilt', {});
      this.bridgeRow = br;
      this.bridgePorts = new Set(uuidsOf(br?.['ports']));
    }
    return this.bridgePorts;
  }

  private onBridge(ifaceUuid: string, ports: Set<string>): boolean {
    return this.cache.lookup('Port', 'byIface', ifaceUuid).some((p) => ports.has(p._uuid.value));
  }

  private lookup = (name: string): RepLookup => {
    const hit = this.repCache.get(name);
    if (hit) return hit;
    let r: RepLookup;
    let cacheable = true;
    try {
      r = { kind: 'representor', pf: resolveRepresentor(this.sys, name).uplink.netdev };
    } catch (err) {
      if (!(err instanceof SriovError)) throw err;
      if (err.code === 'sriov-not-representor') r = { kind: 'not-representor' };
      else if (err.code === 'sriov-no-device') {
        // The netdev may appear later (or live in another netns): do not remember.
        r = { kind: 'not-representor' };
        cacheable = false;
      } else {
        r = { kind: 'error', code: err.code, message: err.message };
        cacheable = false;
      }
    }
    if (cacheable) this.repCache.set(name, r);
    return r;
  };

  private pass(): void {
    this.counters.passes++;
    if (this.refreshConfig()) this.full = true;
    const config = this.config!;
    const ports = this.onBridgePorts();
    const full = this.full;
    this.full = false;
    const since = new Map(this.dirty);
    this.dirty.clear();
    const targets: string[] = [];
    if (full) {
      for (const p of ports) for (const u of uuidsOf(this.cache.get('Port', p)?.['interfaces'])) targets.push(u);
      const all = new Set(targets);
      for (const u of this.state.keys()) if (!all.has(u)) this.state.delete(u);
    } else {
      for (const u of since.keys()) {
        if (this.onBridge(u, ports)) targets.push(u);
        else this.state.delete(u);
      }
    }
    const rows = targets.map((u) => this.cache.get('Interface', u)).filter((r): r is Row => r !== undefined).map(vswitchIface);
    const result = reconcile(config, rows, this.lookup);
    const managed = new Set(result.managed);
    const problems = new Map(result.problems.map((p) => [p.iface, p]));
    for (const r of rows) {
      const prev = this.state.get(r.uuid);
      const problem = problems.get(r.name);
      if (problem && prev?.problem?.message !== problem.message) this.log('warn', 'not reconciled', { iface: r.name, kind: problem.kind, pf: problem.pf, ip: problem.ip, detail: problem.message });
      this.state.set(r.uuid, problem ? { managed: managed.has(r.name), problem } : { managed: managed.has(r.name) });
    }
    // Skip what an earlier, still uncommitted write of ours already does.
    const todo = result.mutations.filter((m) => this.inflight.get(m.uuid) !== tokenOf(m));
    const written = todo.length > 0 ? this.startWrite(todo, since) : Promise.resolve();
    if (full && !this.synced) {
      void written.then(() => {
        if (this.synced) return;
        this.synced = true;
        this.log('info', 'initial reconcile done', { managed: managed.size, problems: problems.size });
        this.resolveReady();
      });
    }
  }

  private startWrite(mutations: readonly EncapMutation[], since: ReadonlyMap<string, number>): Promise<void> {
    for (const m of mutations) this.inflight.set(m.uuid, tokenOf(m));
    const p: Promise<void> = this.write(mutations, since).finally(() => {
      this.writes.delete(p);
      for (const m of mutations) if (this.inflight.get(m.uuid) === tokenOf(m)) this.inflight.delete(m.uuid);
    });
    this.writes.add(p);
    return p;
  }

  private async write(mutations: readonly EncapMutation[], since: ReadonlyMap<string, number>): Promise<void> {
    const tx = this.client.transaction(DB);
    for (const m of mutations) {
      const where = [['_uuid', '==', m.uuid]] as const;
      if (m.kind === 'set') tx.setMapKeys('Interface', where, 'external_ids', { 'encap-ip': m.ip });
      else tx.deleteMapKeys('Interface', where, 'external_ids', ['encap-ip']);
    }
    tx.comment(`mvtep agent: ${mutations.length} encap-ip change(s)`);
    try {
      this.counters.transactions++;
      await tx.commit({ timeoutMs: 30_000 });
      const done = performance.now();
      for (const m of mutations) {
        if (m.kind === 'set') this.counters.sets++;
        else this.counters.removes++;
        const t0 = since.get(m.uuid);
        if (t0 !== undefined) this.prom.observeReactionMs(done - t0);
        this.log('info', m.kind === 'set' ? 'encap-ip set' : 'encap-ip removed', {
          iface: m.iface, pf: m.pf, ...(m.kind === 'set' ? { ip: m.ip } : {}), previous: m.previous ?? null,
        });
      }
    } catch (err) {
      this.counters.writeErrors++;
      this.log('error', 'encap-ip write failed; will retry', { error: errorMessage(err), count: mutations.length });
      // Park the VIFs and come back on a timer, so a persistent failure does not spin.
      const now = performance.now();
      for (const m of mutations) this.retry.set(m.uuid, since.get(m.uuid) ?? now);
      if (!this.retryTimer && !this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          for (const [u, t] of this.retry) if (!this.dirty.has(u)) this.dirty.set(u, t);
          this.retry.clear();
          this.schedule();
        }, 1000);
        this.retryTimer.unref();
      }
    }
  }

  metrics(): Promise<string> {
    return this.prom.text();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    // A write stuck on a dead connection must not hold up SIGTERM for long.
    this.kick?.();
    const pending = [this.running, ...this.writes].filter((p): p is Promise<void> => p !== undefined).map((p) => p.catch(() => {}));
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
    }
    this.cache.close();
    // A shared client (the demo runs several agents) must not keep our listeners.
    this.client.off('disconnected', this.onDisconnected);
    this.client.off('connected', this.onConnected);
    this.client.off('retrying', this.onRetrying);
    if (this.ownsClient) this.client.close();
    this.resolveReady();
    for (const f of this.idleWaiters) f();
    this.idleWaiters = [];
    this.log('info', 'agent stopped', {});
  }
}

/**
 * Starts the reconciler for one node (the lab demo runs one per chassis in
 * the same process). Resolves once connected (at once with `waitForOvsdb`);
 * `handle.ready` once the first full pass has written.
 */
export async function startAgent(opts: AgentOptions): Promise<AgentHandle> {
  const owns = typeof opts.ovsdb === 'string';
  const timeouts = opts.timeoutMs === undefined ? {} : { connectTimeoutMs: opts.timeoutMs, requestTimeoutMs: opts.timeoutMs };
  let client: OvsdbClient;
  if (typeof opts.ovsdb !== 'string') client = opts.ovsdb;
  else if (opts.waitForOvsdb === true) client = OvsdbClient.open(opts.ovsdb, timeouts);
  else client = await OvsdbClient.connect(opts.ovsdb, timeouts);
  const agent = new Agent(client, owns, opts);
  (opts.log ?? silentLog)('info', 'agent started', {
    bridge: opts.bridge ?? 'br-int', sysfs: opts.sysfsRoot ?? '/sys', remote: client.connectedRemote ?? client.remotes.map((r) => r.text).join(','),
  });
  return agent;
}
