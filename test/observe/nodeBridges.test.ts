// readNodeState reads each Bridge's datapath_type from a real ovsdb-server, and
// userspace-tunnel-routing follows it (and external_ids:ovn-bridge). Only
// the database is needed: the check reads configuration, not vswitchd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { readNodeState } from '../../src/observe/index.ts';
import { runChecks, STATE_FORMAT, type NodeState } from '../../src/verify/index.ts';
import { startServer, type TestServer } from '../ovsdb/server.ts';

let srv: TestServer;
let client: OvsdbClient;

before(async () => {
  srv = await startServer();
  client = await OvsdbClient.connect(srv.remote);
  const tx = client.transaction('Open_vSwitch');
  const brInt = tx.insert('Bridge', { name: 'br-int', datapath_type: 'netdev' });
  const brPhy = tx.insert('Bridge', { name: 'br-phy' });
  tx.insert('Open_vSwitch', {
    bridges: [brInt, brPhy],
    external_ids: { 'system-id': 'hv1', 'ovn-encap-type': 'geneve', 'ovn-encap-ip': '192.0.2.11,192.0.2.100' },
  });
  await tx.commit();
});
after(async () => {
  client?.close();
  await srv?.stop();
});

function userspace(node: NodeState) {
  return runChecks({ format: STATE_FORMAT, ovnVersion: '25.03.0', nodes: [node] }).filter((f) => f.check === 'userspace-tunnel-routing');
}

async function setDatapath(bridge: string, datapathType: string): Promise<void> {
  const tx = client.transaction('Open_vSwitch');
  tx.update('Bridge', [['name', '==', bridge]], { datapath_type: datapathType });
  await tx.commit();
}

test('readNodeState: every bridge with its datapath_type ("" when unset)', async () => {
  await setDatapath('br-int', 'netdev');
  const node = await readNodeState(srv.remote);
  assert.deepEqual(node.bridges, [{ name: 'br-int', datapathType: 'netdev' }, { name: 'br-phy', datapathType: '' }]);
});

test('netdev br-int from the live DB: warning without subnets, error with a shared /24 from routing', async () => {
  await setDatapath('br-int', 'netdev');
  const node = await readNodeState(srv.remote);
  assert.deepEqual(userspace(node).map((f) => f.severity), ['warning']);
  const routing = {
    netns: undefined, rules: [], routes: [], links: [], lookups: [],
    addresses: [{ dev: 'br-phy0', ip: '192.0.2.11', prefixLen: 24 }, { dev: 'br-phy1', ip: '192.0.2.100', prefixLen: 24 }],
  };
  const f = userspace({ ...node, routing });
  assert.deepEqual(f.map((x) => x.severity), ['error']);
  assert.match(f[0]!.message, /br-int has datapath_type=netdev/);
});

test('dummy br-int (the lab) is quiet; ovn-bridge moves the check to another bridge', async () => {
  await setDatapath('br-int', 'dummy');
  assert.deepEqual(userspace(await readNodeState(srv.remote)), []);
  await setDatapath('br-phy', 'netdev');
  const tx = client.transaction('Open_vSwitch');
  tx.setMapKeys('Open_vSwitch', [], 'external_ids', { 'ovn-bridge': 'br-phy' });
  await tx.commit();
  const f = userspace(await readNodeState(srv.remote));
  assert.deepEqual(f.map((x) => x.severity), ['warning']);
  assert.match(f[0]!.message, /br-phy has datapath_type=netdev/);
});

test('readNodeState reads Open_vSwitch ovs_version; OVS >= 3.7 on netdev is an info, empty is unknown', async () => {
  await setDatapath('br-int', 'netdev');
  const tx0 = client.transaction('Open_vSwitch');
  tx0.setMapKeys('Open_vSwitch', [], 'external_ids', { 'ovn-bridge': 'br-int' });
  await tx0.commit();
  const routing = {
    netns: undefined, rules: [], routes: [], links: [], lookups: [],
    addresses: [{ dev: 'br-phy0', ip: '192.0.2.11', prefixLen: 24 }, { dev: 'br-phy1', ip: '192.0.2.100', prefixLen: 24 }],
  };
  let node = await readNodeState(srv.remote);
  assert.equal(node.openVswitch.ovsVersion, undefined);
  assert.match(userspace({ ...node, routing })[0]!.message, /OVS version unknown \(Open_vSwitch ovs_version is empty/);
  const tx = client.transaction('Open_vSwitch');
  tx.update('Open_vSwitch', [], { ovs_version: '4.0.0' });
  await tx.commit();
  node = await readNodeState(srv.remote);
  assert.equal(node.openVswitch.ovsVersion, '4.0.0');
  const f = userspace({ ...node, routing });
  assert.deepEqual(f.map((x) => x.severity), ['info']);
  assert.match(f[0]!.message, /OVS 4\.0\.0 \(>= 3\.7\)/);
});
