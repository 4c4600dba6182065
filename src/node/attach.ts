import { checkNodeEncapConfig, type ConfigWarning, type NodeEncapConfig } from '../config/index.ts';
import {
  bumpNextCfgAndWait, NamedUuid, OvsdbClient, OvsdbTransactionError, waitForCurCfg, type MonitorCache, type Row, type Selection, type Transaction,
} from '../ovsdb/index.ts';
import { resolveDevice, resolveRepresentor, SriovError, Sysfs, type Resolution } from '../sriov/index.ts';
import { uuidsOf } from '../observe/index.ts';
import { AttachError } from './attachErrors.ts';
import {
  decideAttachEncap, planAttach, planDetach, type AttachEncap, type AttachPlan, type AttachRequest, type AttachState,
} from './attachPlan.ts';
import { vswitchBridge, vswitchIface, vswitchRoot, vswitchPort, VIEW_COLUMNS } from './agent/ovsView.ts';

const DB = 'Open_vSwitch';

export interface AttacherOptions {
  /** OVSDB remote (unix:PATH, tcp:HOST:PORT, ...) or a connected client (not closed by close()). */
  readonly ovsdb: string | OvsdbClient;
  readonly sysfsRoot?: string;
  readonly bridge?: string;
  /** Chassis name for `-<chassis>` key overrides (default: system-id). */
  readonly chassis?: string;
  /**
   * Deadline of the connection and of each request of a session opened here
   * (default: the client's). CNI ADD must fail, not stall pod start.
   */
  readonly timeoutMs?: number;
}

export interface AttachInput extends Omit<AttachRequest, 'bridge'> {
  /** VF PCI address or SF auxiliary device (the CNI device id). */
  readonly device?: string;
  readonly bridge?: string;
  /** Wait until ovs-vswitchd has applied the change (cur_cfg >= next_cfg). */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
}

export interface AttachResult {
  readonly action: AttachPlan['action'];
  readonly iface: string;
  readonly ifaceId: string;
  readonly bridge: string;
  readonly pf?: string;
  readonly encapIp?: string;
  readonly warnings: readonly string[];
  /** next_cfg ovs-vswitchd has reached, with `wait`. */
  readonly appliedCfg?: number;
}

export interface DetachInput {
  readonly iface?: string;
  readonly ifaceId?: string;
  readonly bridge?: string;
  readonly wait?: boolean;
  readonly timeoutMs?: number;
}

/** One request of a group commit (NodeAttacher.commitBatch). */
export type BatchItem = { readonly kind: 'attach'; readonly input: AttachInput } | { readonly kind: 'detach'; readonly input: DetachInput };

export type BatchOutcome =
  /** Written (or nothing to write); `waits`: the caller asked to wait for ovs-vswitchd. */
  | { readonly kind: 'done'; readonly value: AttachResult | DetachResult; readonly waits: boolean }
  /** Refused (typed error, this item not written) or its own write failed. */
  | { readonly kind: 'refused'; readonly error: unknown }
  /** Touches a port an earlier item of the same batch touches: for the next batch. */
  | { readonly kind: 'deferred' };

export interface BatchCommit {
  /** One per item, in order. */
  readonly outcomes: readonly BatchOutcome[];
  /** OVSDB write transactions it took (1, 0 with nothing to write, more after a fallback). */
  readonly transactions: number;
  /** The next_cfg waiting items wait for (cur_cfg >= it): set when any item waits. */
  readonly nextCfg?: number;
}

interface PreparedAttach {
  readonly input: AttachInput;
  readonly req: AttachRequest;
  readonly pf: string;
  readonly encap: AttachEncap;
  readonly warnings: readonly string[];
  readonly plan: AttachPlan;
}

export interface DetachResult {
  readonly action: 'deleted' | 'absent';
  readonly iface?: string;
  readonly appliedCfg?: number;
}

/**
 * The CNI ADD/DEL step against the local OVS database: one transaction per
 * attach, planned from a monitor of the four tables involved (ovsdb-server
 * flushes a client's own updates before the transaction reply, so the cache
 * is current when the next attach plans).
 */
export class NodeAttacher {
  readonly client: OvsdbClient;
  readonly sysfs: Sysfs;
  readonly bridge: string;
  private readonly chassis: string | undefined;
  private readonly cache: MonitorCache;
  private readonly ownsClient: boolean;

  private constructor(client: OvsdbClient, ownsClient: boolean, opts: AttacherOptions) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.sysfs = new Sysfs(opts.sysfsRoot ?? '/sys');
    this.bridge = opts.bridge ?? 'br-int';
    this.chassis = opts.chassis;
    this.cache = client.monitor(DB, {
      Open_vSwitch: [...VIEW_COLUMNS.Open_vSwitch, 'cur_cfg', 'next_cfg'],
      Bridge: [...VIEW_COLUMNS.Bridge],
      Port: [...VIEW_COLUMNS.Port],
      Interface: [...VIEW_COLUMNS.Interface],
    });
    // Planning one attach must not scan every port of a busy bridge.
    this.cache.addIndex('Interface', 'name', (r) => String(r['name']));
    this.cache.addIndex('Port', 'name', (r) => String(r['name']));
    this.cache.addIndex('Port', 'iface', (r) => uuidsOf(r['interfaces']));
  }

  static async open(opts: AttacherOptions): Promise<NodeAttacher> {
    const owns = typeof opts.ovsdb === 'string';
    // One shot, as CNI calls it: no reconnect loop, so a silent server fails the attach with its reason.
    const timeouts = opts.timeoutMs === undefined ? {} : { connectTimeoutMs: opts.timeoutMs, requestTimeoutMs: opts.timeoutMs };
    const client = typeof opts.ovsdb === 'string' ? await OvsdbClient.connect(opts.ovsdb, { reconnect: false, ...timeouts }) : opts.ovsdb;
    const a = new NodeAttacher(client, owns, opts);
    try {
      await a.cache.ready;
    } catch (err) {
      a.close();
      throw err;
    }
    return a;
  }

  close(): void {
    this.cache.close();
    if (this.ownsClient) this.client.close();
  }

  /** Current encap config as the node has it (lenient: errors are per entry). */
  config(): { config: NodeEncapConfig; warnings: readonly ConfigWarning[] } {
    const ovs = [...this.cache.rows('Open_vSwitch').values()][0];
    const ids = ovs ? vswitchRoot(ovs).externalIds : new Map<string, string>();
    const c = checkNodeEncapConfig(ids, this.chassis === undefined ? {} : { chassis: this.chassis });
    return { config: c.value, warnings: c.warnings };
  }

  /** The rows planAttach/planDetach need: all bridges, and the ports and interfaces of this name. */
  state(iface?: string): AttachState {
    const bridges = [...this.cache.rows('Bridge').values()].map(vswitchBridge);
    if (iface === undefined) {
      return { bridges, ports: [...this.cache.rows('Port').values()].map(vswitchPort), interfaces: [...this.cache.rows('Interface').values()].map(vswitchIface) };
    }
    const interfaces = this.cache.lookup('Interface', 'name', iface);
    const ports = new Map<string, Row>();
    for (const p of this.cache.lookup('Port', 'name', iface)) ports.set(p._uuid.value, p);
    for (const i of interfaces) for (const p of this.cache.lookup('Port', 'iface', i._uuid.value)) ports.set(p._uuid.value, p);
    return { bridges, ports: [...ports.values()].map(vswitchPort), interfaces: interfaces.map(vswitchIface) };
  }

  /**
   * Which PF the representor belongs to. With a device id (what CNI gets)
   * the PF comes from it, and the representor must agree when it resolves.
   */
  resolve(iface: string, device: string | undefined): Resolution {
    if (device === undefined) return resolveRepresentor(this.sysfs, iface);
    const dev = resolveDevice(this.sysfs, device);
    let rep: Resolution | undefined;
    try {
      rep = resolveRepresentor(this.sysfs, iface);
    } catch (err) {
      if (!(err instanceof SriovError) || (err.code !== 'sriov-not-representor' && err.code !== 'sriov-no-device')) throw err;
    }
    if (rep && (rep.uplink.netdev !== dev.uplink.netdev || (rep.vfPci && dev.vfPci && rep.vfPci !== dev.vfPci))) {
      throw new SriovError('sriov-device-mismatch',
        `representor ${iface} belongs to ${rep.vfPci ?? rep.uplink.netdev} but the device is ${dev.vfPci ?? device} on ${dev.uplink.netdev}`, iface);
    }
    return dev;
  }

  /**
   * Everything attach decides before writing: the request, the PF, the
   * encap decision and the plan. Throws the typed refusal (nothing written).
   */
  private prepare(input: AttachInput): PreparedAttach {
    const bridge = input.bridge ?? this.bridge;
    if (!input.iface) throw new AttachError('attach-bad-input', '--iface is empty', input.iface);
    if (!input.ifaceId) throw new AttachError('attach-bad-input', '--iface-id is empty', input.ifaceId);
    const req: AttachRequest = { ...input, bridge };
    const pf = this.resolve(input.iface, input.device).uplink.netdev;
    const { config } = this.config();
    const encap: AttachEncap = decideAttachEncap(config, pf, input.iface);
    const warnings = encap.kind === 'unmapped'
      ? [`PF ${pf} is not in ovn-pf-encap-ip-mapping: ${input.iface} attached without encap-ip (OVN uses the chassis' default VTEP)`]
      : [];
    return { input, req, pf, encap, warnings, plan: planAttach(this.state(input.iface), req, encap) };
  }

  private static result(p: PreparedAttach, applied: number | undefined): AttachResult {
    const base = { action: p.plan.action, iface: p.input.iface, ifaceId: p.input.ifaceId, bridge: p.req.bridge, pf: p.pf, warnings: p.warnings };
    const withIp = p.encap.kind === 'mapped' ? { ...base, encapIp: p.encap.ip } : base;
    return applied === undefined ? withIp : { ...withIp, appliedCfg: applied };
  }

  async attach(input: AttachInput): Promise<AttachResult> {
    for (let attempt = 0; ; attempt++) {
      const p = this.prepare(input);
      try {
        return NodeAttacher.result(p, await this.apply(p.plan, input));
      } catch (err) {
        // Another client created the same port between our read and write:
        // the name index refused ours; replan from the now-updated cache.
        if (attempt < 2 && p.plan.action === 'create' && err instanceof OvsdbTransactionError && /constraint violation/.test(err.error)) {
          await this.cacheSettled();
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Group commit: plans every item (a refused one gets its own error and
   * is left out), then writes all the others in ONE transaction with one
   * next_cfg bump when any item waits. Items touching a port an earlier
   * item of the batch already touches are `deferred` (for the next batch).
   * If the transaction itself fails (e.g. another client created one of
   * the ports meanwhile), the items are retried one by one, so each gets
   * its own outcome. Waiting for ovs-vswitchd is the caller's, through
   * `waitApplied(commit.nextCfg)`.
   */
  async commitBatch(items: readonly BatchItem[]): Promise<BatchCommit> {
    const outcomes: BatchOutcome[] = new Array<BatchOutcome>(items.length);
    const claimed = new Set<string>();
    const claim = (keys: readonly string[]): boolean => {
      if (keys.some((k) => claimed.has(k))) return false;
      for (const k of keys) claimed.add(k);
      return true;
    };
    const tx = this.client.transaction(DB);
    const written: number[] = [];
    let waits = false;
    let n = 0;
    items.forEach((item, i) => {
      try {
        if (item.kind === 'attach') {
          const p = this.prepare(item.input);
          if (!claim([`if:${item.input.iface}`, `id:${item.input.ifaceId}`])) {
            outcomes[i] = { kind: 'deferred' };
            return;
          }
          if (p.plan.action !== 'unchanged') {
            this.addAttachOps(tx, p.plan, item.input, n++);
            written.push(i);
          }
          outcomes[i] = { kind: 'done', value: NodeAttacher.result(p, undefined), waits: item.input.wait ?? false };
        } else {
          const by = item.input;
          if (by.iface === undefined && by.ifaceId === undefined) throw new AttachError('attach-bad-input', 'detach needs --iface or --iface-id', by);
          const plan = planDetach(by.iface !== undefined ? this.state(by.iface) : this.state(), by.bridge ?? this.bridge, by);
          const keys = [...(by.iface === undefined ? [] : [`if:${by.iface}`]), ...(by.ifaceId === undefined ? [] : [`id:${by.ifaceId}`]),
            ...(plan.action === 'delete' ? [`if:${plan.iface}`] : [])];
          if (!claim(keys)) {
            outcomes[i] = { kind: 'deferred' };
            return;
          }
          if (plan.action === 'delete') {
            tx.removeFromSet('Bridge', [['_uuid', '==', plan.bridgeUuid]], 'ports', [plan.portUuid]);
            written.push(i);
          }
          const value: DetachResult = plan.action === 'delete' ? { action: 'deleted', iface: plan.iface } : { action: 'absent' };
          outcomes[i] = { kind: 'done', value, waits: by.wait ?? false };
        }
      } catch (err) {
        outcomes[i] = { kind: 'refused', error: err };
      }
    });
    for (const o of outcomes) if (o.kind === 'done' && o.waits) waits = true;
    if (written.length === 0) {
      // Nothing to write; a waiting item still waits for any earlier change vswitchd has not applied.
      const nextCfg = waits ? this.nextCfg() : undefined;
      return { outcomes, transactions: 0, ...(nextCfg === undefined ? {} : { nextCfg }) };
    }
    const sel = waits ? this.addBump(tx) : undefined;
    tx.comment(`mvtep attach (agent): ${written.length} change(s)`);
    try {
      await tx.commit();
    } catch (err) {
      if (!(err instanceof OvsdbTransactionError)) throw err;
      return this.oneByOne(items, outcomes, written, err);
    }
    const nextCfg = sel ? Number(sel.rows[0]?.['next_cfg'] ?? 0) : undefined;
    return { outcomes, transactions: 1, ...(nextCfg === undefined ? {} : { nextCfg }) };
  }

  /** The batch transaction failed: each written item again on its own, so only the culprit fails. */
  private async oneByOne(items: readonly BatchItem[], outcomes: BatchOutcome[], written: readonly number[], cause: OvsdbTransactionError): Promise<BatchCommit> {
    if (written.length === 1) {
      outcomes[written[0]!] = { kind: 'refused', error: cause };
      return { outcomes, transactions: 1 };
    }
    await this.cacheSettled();
    let transactions = 1;
    let nextCfg: number | undefined;
    for (const i of written) {
      const item = items[i]!;
      try {
        transactions++;
        const value = item.kind === 'attach' ? await this.attach({ ...item.input, wait: false }) : await this.detach({ ...item.input, wait: false });
        const waits = item.input.wait ?? false;
        outcomes[i] = { kind: 'done', value, waits };
      } catch (err) {
        outcomes[i] = { kind: 'refused', error: err };
      }
    }
    if (outcomes.some((o) => o.kind === 'done' && o.waits)) {
      transactions++;
      const tx = this.client.transaction(DB);
      const sel = this.addBump(tx);
      await tx.commit();
      nextCfg = Number(sel.rows[0]?.['next_cfg'] ?? 0);
    }
    return { outcomes, transactions, ...(nextCfg === undefined ? {} : { nextCfg }) };
  }

  /** next_cfg += 1, and a select of the bumped value (as bumpNextCfgAndWait does). */
  private addBump(tx: Transaction): Selection {
    tx.mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]);
    return tx.select('Open_vSwitch', [], ['next_cfg']);
  }

  /** Open_vSwitch.next_cfg as this session's monitor has it. */
  private nextCfg(): number {
    const ovs = [...this.cache.rows('Open_vSwitch').values()][0];
    return Number(ovs?.['next_cfg'] ?? 0);
  }

  /** Resolves once ovs-vswitchd has applied next_cfg `target` (cur_cfg >= target). */
  waitApplied(target: number, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    return waitForCurCfg(this.cache, target, opts);
  }

  async detach(by: DetachInput): Promise<DetachResult> {
    if (by.iface === undefined && by.ifaceId === undefined) throw new AttachError('attach-bad-input', 'detach needs --iface or --iface-id', by);
    const plan = planDetach(by.iface !== undefined ? this.state(by.iface) : this.state(), by.bridge ?? this.bridge, by);
    if (plan.action === 'absent') return { action: 'absent' };
    const tx = this.client.transaction(DB);
    tx.removeFromSet('Bridge', [['_uuid', '==', plan.bridgeUuid]], 'ports', [plan.portUuid]);
    const applied = await this.commit(tx, by.wait ?? false, by.timeoutMs);
    return applied === undefined ? { action: 'deleted', iface: plan.iface } : { action: 'deleted', iface: plan.iface, appliedCfg: applied };
  }

  private async apply(plan: AttachPlan, input: AttachInput): Promise<number | undefined> {
    if (plan.action === 'unchanged') {
      if (!input.wait) return undefined;
      // Nothing to write, but an earlier unwaited attach may still be pending in vswitchd.
      const ovs = [...this.cache.rows('Open_vSwitch').values()][0];
      const next = Number(ovs?.['next_cfg'] ?? 0);
      await waitForCurCfg(this.cache, next, input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs });
      return next;
    }
    const tx = this.client.transaction(DB);
    this.addAttachOps(tx, plan, input, 0);
    tx.comment(`mvtep attach ${input.iface} iface-id=${input.ifaceId}`);
    return this.commit(tx, input.wait ?? false, input.timeoutMs);
  }

  /** The operations of one create/update plan; `k` keeps named UUIDs apart within a batch. */
  private addAttachOps(tx: Transaction, plan: Exclude<AttachPlan, { action: 'unchanged' }>, input: AttachInput, k: number): void {
    if (plan.action === 'create') {
      const row = input.ifaceType ? { name: input.iface, type: input.ifaceType, external_ids: plan.externalIds } : { name: input.iface, external_ids: plan.externalIds };
      const iface = tx.insert('Interface', row, new NamedUuid(`iface${k}`));
      const port = tx.insert('Port', { name: input.iface, interfaces: [iface] }, new NamedUuid(`port${k}`));
      tx.addToSet('Bridge', [['_uuid', '==', plan.bridgeUuid]], 'ports', [port]);
    } else {
      const where = [['_uuid', '==', plan.ifaceUuid]] as const;
      if (plan.remove.length > 0) tx.deleteMapKeys('Interface', where, 'external_ids', plan.remove);
      if (plan.set.size > 0) tx.setMapKeys('Interface', where, 'external_ids', plan.set);
    }
  }

  private async commit(tx: Transaction, wait: boolean, timeoutMs: number | undefined): Promise<number | undefined> {
    if (!wait) {
      await tx.commit();
      return undefined;
    }
    const r = await bumpNextCfgAndWait(this.client, tx, timeoutMs === undefined ? { cache: this.cache } : { cache: this.cache, timeoutMs });
    return r.nextCfg;
  }

  /** Resolves on the cache's next change batch, or after a short deadline if none comes. */
  private cacheSettled(): Promise<void> {
    return new Promise((resolve) => {
      const cache = this.cache;
      const t = setTimeout(done, 200);
      function done() {
        clearTimeout(t);
        cache.off('change', done);
        resolve();
      }
      cache.once('change', done);
    });
  }
}
