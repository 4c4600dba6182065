import { OvsdbTransactionError, type OvsdbClient, type Transaction } from '../../ovsdb/index.ts';
import { firstRow, optionalOf, readRows, uuidsOf, type TableColumns } from '../../observe/index.ts';
import type { OpenVSwitchTables } from '../../schema/index.ts';
import { errorMessage } from '../../util/errors.ts';
import { UnderlayError } from './errors.ts';
import { ovsStateFromRows, UNDERLAY_COLUMNS, type OvsState } from './ovsState.ts';

const DB = 'Open_vSwitch';
/** external_ids key on bridges and ports mvtep created, so it only ever deletes its own. */
export const OWNER_KEY = 'mvtep-owner';
export const OWNER_VALUE = 'underlay';

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
  /**
   * ovs-vswitchd's own verdict on `bridges`, once it has processed every
   * change so far (cur_cfg caught up): why a bridge has no datapath, or
   * undefined (fine, or not processed yet). Lets apply fail at once with
   * vswitchd's reason instead of waiting for a device that never comes.
   */
  datapathVerdict?(bridges: readonly string[]): Promise<string | undefined>;
}

/** What datapathVerdict reads: progress, the datapath each bridge got, interface errors. */
const VERDICT_COLUMNS = {
  Open_vSwitch: ['cur_cfg', 'next_cfg', 'datapath_types'],
  Bridge: ['name', 'datapath_type', 'datapath_id', 'ports'],
  Port: ['name', 'interfaces'],
  Interface: ['name', 'error'],
} as const satisfies TableColumns<OpenVSwitchTables>;

type Tx = Transaction<OpenVSwitchTables>;
const byName = (name: string) => [['name', '==', name]] as const;

export class OvsdbUnderlay implements OvsBackend {
  constructor(private readonly client: OvsdbClient) {}

  /**
   * Commits one step. `build` returns the operations (update/mutate by
   * name) that must match a row: one matching nothing would be a silent no-op.
   */
  private async commit(what: string, build: (tx: Tx) => readonly number[] | void): Promise<void> {
    const tx = this.client.transaction<OpenVSwitchTables>(DB);
    const counted = build(tx) ?? [];
    tx.comment(`mvtep underlay: ${what}`);
    let res;
    try {
      res = await tx.commit();
    } catch (err) {
      throw new UnderlayError('underlay-ovsdb-failed', `${what}: ${errorMessage(err)}`, err instanceof OvsdbTransactionError ? err.op : what, { cause: err });
    }
    for (const i of counted) {
      if (res.count(i) === 0) throw new UnderlayError('underlay-ovsdb-failed', `${what}: no row matches`, what);
    }
  }

  async read(): Promise<OvsState> {
    try {
      return ovsStateFromRows(await readRows<OpenVSwitchTables>(this.client, DB, UNDERLAY_COLUMNS));
    } catch (err) {
      if (err instanceof UnderlayError) throw err;
      throw new UnderlayError('underlay-ovsdb-failed', `reading bridges, ports and external_ids: ${errorMessage(err)}`, DB, { cause: err });
    }
  }

  async addBridge(name: string, datapathType: string): Promise<void> {
    await this.commit(`adding bridge ${name}`, (tx) => {
      const iface = tx.insert('Interface', { name, type: 'internal' });
      const port = tx.insert('Port', { name, interfaces: [iface] });
      const br = tx.insert('Bridge', { name, ports: [port], datapath_type: datapathType, external_ids: { [OWNER_KEY]: OWNER_VALUE } });
      tx.addToSet('Open_vSwitch', [], 'bridges', [br]);
      // As ovs-vsctl does: cur_cfg reaching it tells when vswitchd has tried this bridge (datapathVerdict).
      tx.mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]);
    });
  }

  async datapathVerdict(bridges: readonly string[]): Promise<string | undefined> {
    const src = await readRows<OpenVSwitchTables>(this.client, DB, VERDICT_COLUMNS);
    const top = firstRow(src.rows('Open_vSwitch'));
    if (!top || top.cur_cfg < top.next_cfg) return undefined;
    const ports = src.rows('Port');
    const ifaces = src.rows('Interface');
    const reasons: string[] = [];
    for (const br of src.rows('Bridge').values()) {
      if (!bridges.includes(br.name) || optionalOf(br.datapath_id) !== undefined) continue;
      const errors = uuidsOf(br.ports).flatMap((p) => uuidsOf(ports.get(p)?.interfaces))
        .flatMap((i) => { const r = ifaces.get(i); const e = r ? optionalOf(r.error) : undefined; return r && e ? [`${r.name}: ${e}`] : []; });
      reasons.push(`bridge ${br.name} (datapath_type ${br.datapath_type || 'system'}) has no datapath: ovs-vswitchd could not create it`
        + `${errors.length ? ` (Interface error: ${errors.join('; ')})` : ''}; datapath types it offers: ${[...top.datapath_types].join(', ') || 'none'}`);
    }
    return reasons.length ? reasons.join('; ') : undefined;
  }

  async deleteBridge(name: string): Promise<void> {
    const br = (await this.read()).bridges.get(name);
    if (!br) return;
    // Bridge, Port and Interface are not root tables: dropping the reference deletes them.
    await this.commit(`deleting bridge ${name}`, (tx) => {
      tx.removeFromSet('Open_vSwitch', [], 'bridges', [br.uuid]);
    });
  }

  async setBridgeDatapath(name: string, datapathType: string): Promise<void> {
    await this.commit(`setting datapath_type of ${name}`, (tx) => {
      tx.update('Bridge', byName(name), { datapath_type: datapathType });
      tx.mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]);
      return [0];
    });
  }

  async addPort(bridge: string, port: { name: string; type: string; tag?: number; mtuRequest?: number }): Promise<void> {
    await this.commit(`adding port ${port.name} to ${bridge}`, (tx) => {
      const iface = tx.insert('Interface', { name: port.name, type: port.type, ...(port.mtuRequest !== undefined ? { mtu_request: port.mtuRequest } : {}) });
      const p = tx.insert('Port', {
        name: port.name, interfaces: [iface], external_ids: { [OWNER_KEY]: OWNER_VALUE }, ...(port.tag !== undefined ? { tag: port.tag } : {}),
      });
      tx.addToSet('Bridge', byName(bridge), 'ports', [p]);
      return [tx.size - 1];
    });
  }

  async deletePort(bridge: string, name: string): Promise<void> {
    const port = (await this.read()).ports.get(name);
    if (!port) return;
    await this.commit(`deleting port ${name} from ${bridge}`, (tx) => (tx.removeFromSet('Bridge', byName(bridge), 'ports', [port.uuid]), [0]));
  }

  async setPortTag(name: string, tag: number | undefined): Promise<void> {
    await this.commit(`setting tag of ${name}`, (tx) => (tx.update('Port', byName(name), { tag: tag === undefined ? [] : [tag] }), [0]));
  }

  async setMtuRequest(iface: string, mtu: number | undefined): Promise<void> {
    await this.commit(`setting mtu_request of ${iface}`, (tx) => (tx.update('Interface', byName(iface), { mtu_request: mtu === undefined ? [] : [mtu] }), [0]));
  }

  async setExternalId(key: string, value: string | undefined, expected?: string): Promise<void> {
    const what = value === undefined ? `removing external_ids:${key}` : `setting external_ids:${key}=${value}`;
    try {
      await this.commit(what, (tx) => {
        // Aborts the whole transaction (timeout 0) when the key no longer holds `expected`.
        if (expected !== undefined) {
          tx.wait('Open_vSwitch', [['external_ids', 'includes', { [key]: expected }]], { columns: [], until: '!=', rows: [], timeoutMs: 0 });
        }
        if (value === undefined) tx.deleteMapKeys('Open_vSwitch', [], 'external_ids', [key]);
        else tx.setMapKeys('Open_vSwitch', [], 'external_ids', new Map([[key, value]]));
      });
    } catch (err) {
      const cause = err instanceof UnderlayError ? err.cause : undefined;
      // The wait (operation 0) failing is the typed sign that another writer changed the key.
      if (expected !== undefined && cause instanceof OvsdbTransactionError && cause.index === 0 && cause.error === 'timed out') {
        throw new UnderlayError('underlay-ovsdb-failed', `${what}: external_ids:${key} no longer is ${JSON.stringify(expected)} (changed by another writer since it was read); not overwritten`, { key, expected }, { cause: err });
      }
      throw err;
    }
  }
}
