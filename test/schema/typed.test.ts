import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { OvsdbClient, Uuid, parseDatabaseSchema } from '../../src/ovsdb/index.ts';
import { readFile } from 'node:fs/promises';
import {
  OpenVSwitchColumns, OpenVSwitchDatabase, OvnNorthboundColumns, OvnNorthboundDatabase, OvnSouthboundColumns,
  OvnSouthboundDatabase, type OpenVSwitchTables,
} from '../../src/schema/index.ts';
import { DEFAULT_RELEASE, parseVersion, requireRuntime, versionAtLeast } from '../../src/lab/runtime.ts';
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
  const rt = await requireRuntime();
  if (rt.release === DEFAULT_RELEASE) {
    assert.equal(schema.version, OpenVSwitchDatabase.version);
    assert.deepEqual([...OpenVSwitchColumns.Interface].sort(),
      [...schema.tables.get('Interface')!.columns.keys()].filter((c) => !c.startsWith('_')).sort());
  }
});

test('the models (oldest release) are a subset of the running release\'s schemas: every table and column still exists', async () => {
  const rt = await requireRuntime();
  const models = [
    { path: rt.schemas.vswitch, db: OpenVSwitchDatabase, columns: OpenVSwitchColumns },
    { path: rt.schemas.sb, db: OvnSouthboundDatabase, columns: OvnSouthboundColumns },
    { path: rt.schemas.nb, db: OvnNorthboundDatabase, columns: OvnNorthboundColumns },
  ];
  for (const m of models) {
    const schema = parseDatabaseSchema(JSON.parse(await readFile(m.path, 'utf8')));
    assert.equal(schema.name, m.db.name);
    // On 26.03 the SB schema is 21.8 against the models' 20.41: newer, never older.
    assert.ok(versionAtLeast(parseVersion(schema.version)!, parseVersion(m.db.version)!), `${m.db.name} ${schema.version} >= ${m.db.version}`);
    for (const [table, cols] of Object.entries(m.columns)) {
      const have = schema.tables.get(table);
      assert.ok(have, `${m.db.name} ${schema.version} has table ${table}`);
      for (const c of cols as readonly string[]) assert.ok(have.columns.has(c), `${m.db.name} ${schema.version} ${table}.${c}`);
    }
  }
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
