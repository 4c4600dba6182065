import type { OperationResult, WireCondition, WireOperation } from '../../ovsdb/index.ts';
import { UnderlayError } from './errors.ts';
import { decodeOvsState, type OvsState } from './ovsState.ts';

const DB = 'Open_vSwitch';
/** external_ids key on bridges and ports mvtep created, so it only ever deletes its own. */
export const OWNER_KEY = 'mvtep-owner';
export const OWNER_VALUE = 'underlay';

/** The one OVSDB call the underlay needs (OvsdbClient satisfies it). */
export interface OvsTransactor {
  transact(db: string, ops: WireOperation[]): Promise<OperationResult[]>;
}

/** Everything the underlay changes in OVS, each call one transaction. */
export interface OvsBackend {
  read(): Promise<OvsState>;
  addBridge(name: string, datapathType: string): Promise<void>;
  deleteBridge(name: string): Promise<void>;
  setBridgeDatapath(name: string, datapathType: string): Promise<void>;
  addPort(bridge: string, port: { name: string; type: string; tag?: number; mtuRequest?: number }): Promise<void>;
  deletePort(bridge: string, name: string): Promise<void>;
  setPortTag(name: string, tag: number | undefined): Promise<void>;
  setMtuRequest(iface: string, mtu: number | undefined): Promise<void>;
  /**
   * Single-key mutate on Open_vSwitch external_ids; undefined deletes the key.
   * With `expected`, the change only happens while the key still holds that
   * value (another writer in between makes it fail instead of being overwritten).
   */
  setExternalId(key: string, value: string | undefined, expected?: string): Promise<void>;
}

const byName = (name: string): [string, '==', string] => ['name', '==', name];
const optional = (v: number | undefined): number | ['set', []] => (v === undefined ? ['set', []] : v);

export class OvsdbUnderlay implements OvsBackend {
  constructor(private readonly db: OvsTransactor) {}

  private async tx(ops: WireOperation[], what: string, expectCounts = true): Promise<OperationResult[]> {
    let results: OperationResult[];
    try {
      results = await this.db.transact(DB, [...ops, { op: 'comment', comment: `mvtep underlay: ${what}` }]);
    } catch (err) {
      throw new UnderlayError('underlay-ovsdb-failed', `${what}: ${(err as Error).message}`, ops, { cause: err });
    }
    const failed = results.findIndex((r) => r && typeof r.error === 'string');
    if (failed >= 0) {
      const r = results[failed]!;
      throw new UnderlayError('underlay-ovsdb-failed', `${what}: ${r.error}${r.details ? `: ${r.details}` : ''}`, ops[failed]);
    }
    if (expectCounts) {
      // update/mutate with a name condition that matched nothing would be a silent no-op.
      ops.forEach((op, i) => {
        if ((op.op === 'update' || op.op === 'mutate') && op.where.length > 0 && results[i]?.count === 0) {
          throw new UnderlayError('underlay-ovsdb-failed', `${what}: no ${op.table} row matches ${JSON.stringify(op.where)}`, op);
        }
      });
    }
    return results;
  }

  async read(): Promise<OvsState> {
    const r = await this.tx([
      { op: 'select', table: 'Open_vSwitch', where: [], columns: ['_uuid', 'external_ids'] },
      { op: 'select', table: 'Bridge', where: [], columns: ['_uuid', 'name', 'datapath_type', 'ports', 'external_ids'] },
      { op: 'select', table: 'Port', where: [], columns: ['_uuid', 'name', 'interfaces', 'tag', 'external_ids'] },
      { op: 'select', table: 'Interface', where: [], columns: ['_uuid', 'name', 'type', 'mtu_request', 'mtu', 'ofport'] },
    ], 'reading bridges, ports and external_ids');
    return decodeOvsState(r[0]?.rows ?? [], r[1]?.rows ?? [], r[2]?.rows ?? [], r[3]?.rows ?? []);
  }

  async addBridge(name: string, datapathType: string): Promise<void> {
    await this.tx([
      { op: 'insert', table: 'Interface', row: { name, type: 'internal' }, 'uuid-name': 'iface' },
      { op: 'insert', table: 'Port', row: { name, interfaces: ['named-uuid', 'iface'] }, 'uuid-name': 'port' },
      {
        op: 'insert', table: 'Bridge', 'uuid-name': 'br',
        row: { name, ports: ['named-uuid', 'port'], datapath_type: datapathType, external_ids: ['map', [[OWNER_KEY, OWNER_VALUE]]] },
      },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['named-uuid', 'br']]]]] },
    ], `adding bridge ${name}`);
  }

  async deleteBridge(name: string): Promise<void> {
    const state = await this.read();
    const br = state.bridges.get(name);
    if (!br) return;
    // Bridge, Port and Interface are not root tables: dropping the reference deletes them.
    await this.tx([
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'delete', ['set', [['uuid', br.uuid]]]]] },
    ], `deleting bridge ${name}`);
  }

  async setBridgeDatapath(name: string, datapathType: string): Promise<void> {
    await this.tx([{ op: 'update', table: 'Bridge', where: [byName(name)], row: { datapath_type: datapathType } }], `setting datapath_type of ${name}`);
  }

  async addPort(bridge: string, port: { name: string; type: string; tag?: number; mtuRequest?: number }): Promise<void> {
    await this.tx([
      {
        op: 'insert', table: 'Interface', 'uuid-name': 'iface',
        row: { name: port.name, type: port.type, ...(port.mtuRequest !== undefined ? { mtu_request: port.mtuRequest } : {}) },
      },
      {
        op: 'insert', table: 'Port', 'uuid-name': 'port',
        row: {
          name: port.name, interfaces: ['named-uuid', 'iface'], external_ids: ['map', [[OWNER_KEY, OWNER_VALUE]]],
          ...(port.tag !== undefined ? { tag: port.tag } : {}),
        },
      },
      { op: 'mutate', table: 'Bridge', where: [byName(bridge)], mutations: [['ports', 'insert', ['set', [['named-uuid', 'port']]]]] },
    ], `adding port ${port.name} to ${bridge}`);
  }

  async deletePort(bridge: string, name: string): Promise<void> {
    const state = await this.read();
    const port = state.ports.get(name);
    if (!port) return;
    await this.tx([
      { op: 'mutate', table: 'Bridge', where: [byName(bridge)], mutations: [['ports', 'delete', ['set', [['uuid', port.uuid]]]]] },
    ], `deleting port ${name} from ${bridge}`);
  }

  async setPortTag(name: string, tag: number | undefined): Promise<void> {
    await this.tx([{ op: 'update', table: 'Port', where: [byName(name)], row: { tag: optional(tag) } }], `setting tag of ${name}`);
  }

  async setMtuRequest(iface: string, mtu: number | undefined): Promise<void> {
    await this.tx([{ op: 'update', table: 'Interface', where: [byName(iface)], row: { mtu_request: optional(mtu) } }], `setting mtu_request of ${iface}`);
  }

  async setExternalId(key: string, value: string | undefined, expected?: string): Promise<void> {
    const where: WireCondition[] = expected === undefined ? [] : [['external_ids', 'includes', ['map', [[key, expected]]]]];
    const ops: WireOperation[] = [];
    if (expected !== undefined) {
      // Aborts the whole transaction (timeout 0) when the key no longer holds `expected`.
      ops.push({ op: 'wait', table: 'Open_vSwitch', where, columns: [], until: '!=', rows: [], timeout: 0 });
    }
    ops.push({ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'delete', ['set', [key]]]] });
    if (value !== undefined) {
      ops.push({ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'insert', ['map', [[key, value]]]]] });
    }
    const what = value === undefined ? `removing external_ids:${key}` : `setting external_ids:${key}=${value}`;
    try {
      await this.tx(ops, what);
    } catch (err) {
      if (expected !== undefined && err instanceof UnderlayError && /timed out/.test(err.message)) {
        throw new UnderlayError('underlay-ovsdb-failed', `${what}: external_ids:${key} no longer is ${JSON.stringify(expected)} (changed by another writer since it was read); not overwritten`, { key, expected }, { cause: err });
      }
      throw err;
    }
  }
}
