import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { OvsdbClient, Uuid } from '../../src/ovsdb/index.ts';
import { OpenVSwitchColumns, OpenVSwitchDatabase, type OpenVSwitchTables } from '../../src/schema/index.ts';
import { run } from '../../src/util/exec.ts';
import { startServer, type TestServer } from '../ovsdb/server.ts';

let srv: TestServer;
let client: OvsdbClient;

before(async () => {
  srv = await startServer();
  client = await OvsdbClient.connect(srv.remote);
});
after(async () => {
  client?.close();
  await srv?.stop();
});

test('the checked-in models match the runtime schemas (scripts/gen-schema.ts --check)', async () => {
  const script = fileURLToPath(new URL('../../scripts/gen-schema.ts', import.meta.url));
  const r = await run([process.execPath, '--import', 'tsx', script, '--check'], { allowFailure: true, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const schema = await client.schema(OpenVSwitchDatabase.name);
  assert.equal(schema.version, OpenVSwitchDatabase.version);
  assert.deepEqual([...OpenVSwitchColumns.Interface].sort(),
    [...schema.tables.get('Interface')!.columns.keys()].filter((c) => !c.startsWith('_')).sort());
});

test('typed transactions and caches: column names and value types are checked', async () => {
  const tx = client.transaction<OpenVSwitchTables>(OpenVSwitchDatabase.name);
  const iface = tx.insert('Interface', { name: 'vf1', type: 'internal', external_ids: { 'iface-id': 'pod-t' }, mtu_request: [9000] });
  const port = tx.insert('Port', { name: 'vf1', interfaces: [iface], vlan_mode: ['access'] });
  const br = tx.insert('Bridge', { name: 'br-typed', ports: [port] });
  tx.insert('Open_vSwitch', { bridges: [br] });
  // @ts-expect-error: no such column
  void (() => client.transaction<OpenVSwitchTables>('Open_vSwitch').insert('Bridge', { nmae: 'x' }));
  // @ts-expect-error: mtu_request is a set of integers
  void (() => tx.update('Interface', [['name', '==', 'vf1']], { mtu_request: ['big'] }));
  // @ts-expect-error: no such table
  void (() => tx.delete('Brigde', []));
  await tx.commit();

  const cache = client.monitor<OpenVSwitchTables>(OpenVSwitchDatabase.name, { Interface: ['name', 'external_ids', 'mtu_request'], Port: ['name', 'vlan_mode'] });
  // @ts-expect-error: Port has no column 'mtu'
  void (() => client.monitor<OpenVSwitchTables>('Open_vSwitch', { Port: ['mtu'] }));
  cache.addMapKeyIndex('Interface', 'external_ids', 'iface-id');
  await cache.ready;
  const row = cache.lookupOne('Interface', 'external_ids:iface-id', 'pod-t')!;
  const name: string = row.name;
  const mtu: number[] = row.mtu_request;
  const ids: Map<string, string> = row.external_ids;
  const uuid: Uuid = row._uuid;
  assert.equal(name, 'vf1');
  assert.deepEqual(mtu, [9000]);
  assert.equal(ids.get('iface-id'), 'pod-t');
  assert.ok(uuid instanceof Uuid);
  const vlanMode: ('access' | 'dot1q-tunnel' | 'native-tagged' | 'native-untagged' | 'trunk')[] = [...cache.rows('Port').values()][0]!.vlan_mode;
  assert.deepEqual(vlanMode, ['access']);
});
