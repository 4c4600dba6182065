// Small OVSDB helpers shared by the agent tests and benchmarks: plug a VIF the
// way a CNI would (without encap-ip), watch Interface rows, await conditions.
import { NamedUuid, OvsdbClient, type MonitorCache } from '../../src/ovsdb/index.ts';
import { mapOf } from '../../src/observe/index.ts';

export async function plug(client: OvsdbClient, name: string, ids: Record<string, string>, bridge = 'br-int'): Promise<void> {
  const tx = client.transaction('Open_vSwitch');
  const i = tx.insert('Interface', { name, external_ids: ids }, new NamedUuid('i'));
  const p = tx.insert('Port', { name, interfaces: [i] }, new NamedUuid('p'));
  tx.addToSet('Bridge', [['name', '==', bridge]], 'ports', [p]);
  await tx.commit();
}

export async function unplug(client: OvsdbClient, name: string, bridge = 'br-int'): Promise<void> {
  const tx = client.transaction('Open_vSwitch');
  const sel = tx.select('Port', [['name', '==', name]], ['_uuid']);
  await tx.commit();
  const uuid = sel.rows[0]?._uuid;
  if (!uuid) return;
  await client.transaction('Open_vSwitch').removeFromSet('Bridge', [['name', '==', bridge]], 'ports', [uuid]).commit();
}

export async function setIfaceKeys(client: OvsdbClient, name: string, ids: Record<string, string>): Promise<void> {
  await client.transaction('Open_vSwitch').setMapKeys('Interface', [['name', '==', name]], 'external_ids', ids).commit();
}

export async function setOvsKeys(client: OvsdbClient, ids: Record<string, string>): Promise<void> {
  await client.transaction('Open_vSwitch').setMapKeys('Open_vSwitch', [], 'external_ids', ids).commit();
}

export async function deleteOvsKeys(client: OvsdbClient, keys: string[]): Promise<void> {
  await client.transaction('Open_vSwitch').deleteMapKeys('Open_vSwitch', [], 'external_ids', keys).commit();
}

/** external_ids of every Interface, by name, from a live monitor. */
export class IfaceWatch {
  readonly cache: MonitorCache;
  constructor(client: OvsdbClient) {
    this.cache = client.monitor('Open_vSwitch', { Interface: ['name', 'external_ids'] });
  }
  ids(name: string): Map<string, string> | undefined {
    for (const r of this.cache.rows('Interface').values()) if (r['name'] === name) return mapOf(r['external_ids']);
    return undefined;
  }
  encap(name: string): string | undefined {
    return this.ids(name)?.get('encap-ip');
  }
  /** Resolves when `pred` holds, re-checked on every change; rejects after `timeoutMs` with `what`. */
  until(what: string, pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onChange = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.cache.off('change', onChange);
        resolve();
      };
      const timer = setTimeout(() => {
        this.cache.off('change', onChange);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.cache.on('change', onChange);
    });
  }
}
