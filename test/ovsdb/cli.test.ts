import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { startServer, type TestServer } from './server.ts';

let srv: TestServer;

const io = (): CapturedIo => captureIo({}, '/');

before(async () => {
  srv = await startServer();
  const c = await OvsdbClient.connect(srv.remote);
  try {
    const tx = c.transaction('Open_vSwitch');
    const i = tx.insert('Interface', { name: 'vf0', type: 'internal', external_ids: { 'iface-id': 'pod a', 'encap-ip': '192.0.2.1' } });
    const p = tx.insert('Port', { name: 'vf0', interfaces: [i], tag: 10 });
    const b = tx.insert('Bridge', { name: 'br-int', ports: [p], fail_mode: 'secure' });
    tx.insert('Open_vSwitch', { bridges: [b], external_ids: { 'ovn-encap-ip': '192.0.2.1,192.0.2.2' } });
    await tx.commit();
  } finally {
    c.close();
  }
});
after(async () => {
  await srv?.stop();
});

test('--help prints usage', async () => {
  const t = io();
  assert.equal(await main(['ovsdb', 'dump', '--help'], t), 0);
  assert.match(t.out(), /Usage: mvtep ovsdb dump --db REMOTE \[DATABASE\] \[TABLE\.\.\.\]/);
});

test('--json output holds the same rows as ovsdb-client dump', async () => {
  const t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, 'Open_vSwitch', 'Bridge', 'Interface', '--json'], t), 0, t.err());
  const doc = JSON.parse(t.out()) as { database: string; tables: Record<string, Record<string, unknown>[]> };
  assert.equal(doc.database, 'Open_vSwitch');
  assert.deepEqual(Object.keys(doc.tables), ['Bridge', 'Interface']);
  const iface = doc.tables['Interface']![0]!;
  assert.deepEqual(iface['external_ids'], { 'encap-ip': '192.0.2.1', 'iface-id': 'pod a' });
  assert.equal(iface['name'], 'vf0');
  const c = JSON.parse(await srv.client(['dump', '--format=json', srv.remote, 'Open_vSwitch', 'Interface', '_uuid', 'name'])) as { data: [[string, string], string][] };
  assert.equal(iface['_uuid'], c.data[0]![0][1]);
  assert.equal(doc.tables['Bridge']![0]!['fail_mode'] instanceof Array, true);
});

test('text output looks like ovsdb-client dump and defaults the database', async () => {
  const t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, 'Port'], t), 0, t.err());
  const lines = t.out().split('\n');
  assert.equal(lines[0], 'Port table');
  assert.match(lines[1]!, /^_uuid +bond_active_slave .* vlan_mode$/);
  assert.match(lines[3]!, /\bvf0\b.*\[10\]/);
  const all = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote], all), 0);
  assert.match(all.out(), /^Interface table$/m);
  assert.match(all.out(), /\{encap-ip="192\.0\.2\.1", iface-id="pod a"\}/);
});

test('clear errors: missing --db, bad remote, unknown table, unreachable server', async () => {
  let t = io();
  assert.equal(await main(['ovsdb', 'dump'], t), 2);
  assert.match(t.err(), /--db is required/);
  t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', 'http://x'], t), 2);
  assert.match(t.err(), /remote 'http:\/\/x': expected unix:PATH/);
  t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, 'Open_vSwitch', 'Nope'], t), 2);
  assert.match(t.err(), /database Open_vSwitch has no table 'Nope'/);
  t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', `unix:${join(srv.dir, 'absent.sock')}`], t), 3);
  assert.match(t.err(), /error \[ovsdb-connection\]: cannot connect to unix:.*absent\.sock/);
  t = io();
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, '--timeout', 'soon'], t), 2);
  assert.match(t.err(), /--timeout: 'soon'/);
});
