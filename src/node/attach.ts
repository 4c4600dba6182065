import { checkNodeEncapConfig, type ConfigWarning, type NodeEncapConfig } from '../config/index.ts';
import {
  bumpNextCfgAndWait, NamedUuid, OvsdbClient, OvsdbTransactionError, waitForCurCfg, type MonitorCache, type Row, type Transaction,
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

  async attach(input: AttachInput): Promise<AttachResult> {
    const bridge = input.bridge ?? this.bridge;
    if (!input.iface) throw new AttachError('attach-bad-input', '--iface is empty', input.iface);
    if (!input.ifaceId) throw new AttachError('attach-bad-input', '--iface-id is empty', input.ifaceId);
    const req: AttachRequest = { ...input, bridge };
    const resolution = this.resolve(input.iface, input.device);
    const pf = resolution.uplink.netdev;
    const warnings: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const { config } = this.config();
      const encap: AttachEncap = decideAttachEncap(config, pf, input.iface);
      if (encap.kind === 'unmapped') {
        warnings.push(`PF ${pf} is not in ovn-pf-encap-ip-mapping: ${input.iface} attached without encap-ip (OVN uses the chassis' default VTEP)`);
      }
      const plan = planAttach(this.state(input.iface), req, encap);
      try {
        const applied = await this.apply(plan, input);
        const base = { action: plan.action, iface: input.iface, ifaceId: input.ifaceId, bridge, pf, warnings };
        const withIp = encap.kind === 'mapped' ? { ...base, encapIp: encap.ip } : base;
        return applied === undefined ? withIp : { ...withIp, appliedCfg: applied };
      } catch (err) {
        // Another client created the same port between our read and write:
        // the name index refused ours; replan from the now-updated cache.
        if (attempt < 2 && plan.action === 'create' && err instanceof OvsdbTransactionError && /constraint violation/.test(err.error)) {
          await this.cacheSettled();
          warnings.length = 0;
          continue;
        }
        throw err;
      }
    }
  }

  async detach(by: { iface?: string; ifaceId?: string; bridge?: string; wait?: boolean; timeoutMs?: number }): Promise<DetachResult> {
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
    if (plan.action === 'create') {
      const row = input.ifaceType ? { name: input.iface, type: input.ifaceType, external_ids: plan.externalIds } : { name: input.iface, external_ids: plan.externalIds };
      const iface = tx.insert('Interface', row, new NamedUuid('iface'));
      const port = tx.insert('Port', { name: input.iface, interfaces: [iface] }, new NamedUuid('port'));
      tx.addToSet('Bridge', [['_uuid', '==', plan.bridgeUuid]], 'ports', [port]);
    } else {
      const where = [['_uuid', '==', plan.ifaceUuid]] as const;
      if (plan.remove.length > 0) tx.deleteMapKeys('Interface', where, 'external_ids', plan.remove);
      if (plan.set.size > 0) tx.setMapKeys('Interface', where, 'external_ids', plan.set);
    }
    tx.comment(`mvtep attach ${input.iface} iface-id=${input.ifaceId}`);
    return this.commit(tx, input.wait ?? false, input.timeoutMs);
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
