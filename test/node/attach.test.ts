import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NodeAttacher } from '../../src/node/attach.ts';
import { AttachError } from '../../src/node/attachErrors.ts';
import { SriovError } from '../../src/sriov/index.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { startOvs, type OvsHarness } from './agentHarness.ts';

let h: OvsHarness;
let a: NodeAttacher;

before(async () => {
  h = await startOvs({
    vswitchd: true,
    nics: [
      { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 8, numVfs: 3 },
      { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 8, numVfs: 2 },
      { pf: 'enp4s0f0', pci: '0000:04:00.0', totalVfs: 8, numVfs: 2 }, // not in the mapping
      { pf: 'enp5s0f0', pci: '0000:05:00.0', totalVfs: 8, numVfs: 1, mode: 'legacy' },
    ],
    externalIds: { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2' },
  });
  a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
});
after(async () => {
  a?.close();
  await h?.down();
});

const ids = async (iface: string) => h.vsctl(['get', 'Interface', iface, 'external_ids']);
async function version(iface: string): Promise<string> {
  const c = await OvsdbClient.connect(h.remote);
  try {
    const [res] = await c.transact('Open_vSwitch', [{ op: 'select', table: 'Interface', where: [['name', '==', iface]], columns: ['_version'] }]);
    return JSON.stringify(res?.rows);
  } finally {
    c.close();
  }
}
const ports = async () => (await h.vsctl(['list-ports', 'br-int'])).split('\n').filter(Boolean);

test('attach writes port, iface-id and the PF\'s encap-ip in one transaction, and --wait means vswitchd applied it', async () => {
  const r = await a.attach({ iface: 'enp2s0f0_1', ifaceId: 'ns_web', attachedMac: '02:01:02:03:04:05', wait: true });
  assert.equal(r.action, 'create');
  assert.equal(r.pf, 'enp2s0f0');
  assert.equal(r.encapIp, '192.0.2.2');
  assert.ok(r.appliedCfg !== undefined && r.appliedCfg > 0);
  assert.match(await ids('enp2s0f0_1'), /\bencap-ip="192\.0\.2\.2"/);
  assert.match(await ids('enp2s0f0_1'), /iface-id=ns_web/);
  assert.match(await ids('enp2s0f0_1'), /attached-mac="02:01:02:03:04:05"/);
  // ofport is assigned by ovs-vswitchd: proof the change was applied, not only committed.
  assert.ok(Number(await h.vsctl(['get', 'Interface', 'enp2s0f0_1', 'ofport'])) > 0);
  assert.ok(Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'cur_cfg'])) >= r.appliedCfg!);
});

test('a second identical attach changes nothing', async () => {
  await a.attach({ iface: 'enp1s0f0_0', ifaceId: 'ns_a', wait: true });
  const v1 = await version('enp1s0f0_0');
  const cfg1 = await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']);
  const r = await a.attach({ iface: 'enp1s0f0_0', ifaceId: 'ns_a', wait: true });
  assert.equal(r.action, 'unchanged');
  assert.equal(await version('enp1s0f0_0'), v1);
  assert.equal(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']), cfg1);
});

test('VF PCI device id resolves the PF; a device that is not this representor\'s VF is refused', async () => {
  const vf = h.sysfs.nics[0]!.vfs[1]!;
  const r = await a.attach({ iface: vf.representor!, device: vf.pci, ifaceId: 'ns_b' });
  assert.equal(r.encapIp, '192.0.2.1');
  const before = await ports();
  const other = h.sysfs.nics[1]!.vfs[0]!;
  await assert.rejects(a.attach({ iface: other.representor!, device: vf.pci, ifaceId: 'ns_c' }),
    (e: unknown) => e instanceof SriovError && e.code === 'sriov-device-mismatch');
  assert.deepEqual(await ports(), before);
});

test('unmapped PF: attached without encap-ip, with a warning', async () => {
  const r = await a.attach({ iface: 'enp4s0f0_0', ifaceId: 'ns_d' });
  assert.equal(r.encapIp, undefined);
  assert.match(r.warnings.join('\n'), /enp4s0f0 is not in ovn-pf-encap-ip-mapping/);
  assert.doesNotMatch(await ids('enp4s0f0_0'), /encap-ip/);
});

test('mapped IP missing from ovn-encap-ip: typed refusal, nothing written', async () => {
  await h.vsctl(['set', 'Open_vSwitch', '.', 'external_ids:ovn-pf-encap-ip-mapping="enp1s0f0:192.0.2.1,enp2s0f0:198.51.100.9"']);
  try {
    await waitForConfig(a, (m) => m.includes('198.51.100.9'));
    const before = await ports();
    await assert.rejects(a.attach({ iface: 'enp2s0f0_0', ifaceId: 'ns_e' }),
      (e: unknown) => e instanceof AttachError && e.code === 'attach-encap-not-listed' && /198\.51\.100\.9/.test(e.message));
    assert.deepEqual(await ports(), before);
  } finally {
    await h.vsctl(['set', 'Open_vSwitch', '.', 'external_ids:ovn-pf-encap-ip-mapping="enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2"']);
    await waitForConfig(a, (m) => m.includes('192.0.2.2'));
  }
});

test('legacy-mode PF and non-representors are typed errors, nothing written', async () => {
  const before = await ports();
  const legacy = h.sysfs.nics[3]!.vfs[0]!;
  await assert.rejects(a.attach({ iface: 'x', device: legacy.pci, ifaceId: 'ns_f' }), (e: unknown) => e instanceof SriovError && e.code === 'sriov-legacy-mode');
  await assert.rejects(a.attach({ iface: 'enp1s0f0', ifaceId: 'ns_g' }), (e: unknown) => e instanceof SriovError && e.code === 'sriov-not-representor');
  assert.deepEqual(await ports(), before);
});

test('re-attach after a mapping change moves encap-ip and keeps keys other clients wrote', async () => {
  await a.attach({ iface: 'enp2s0f0_0', ifaceId: 'ns_h', wait: true });
  await h.vsctl(['set', 'Interface', 'enp2s0f0_0', 'external_ids:ovn-installed=true']);
  await h.vsctl(['set', 'Open_vSwitch', '.', 'external_ids:ovn-pf-encap-ip-mapping="enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.3"']);
  await waitForConfig(a, (m) => m.includes('192.0.2.3'));
  const r = await a.attach({ iface: 'enp2s0f0_0', ifaceId: 'ns_h' });
  assert.equal(r.action, 'update');
  const now = await ids('enp2s0f0_0');
  assert.match(now, /\bencap-ip="192\.0\.2\.3"/);
  assert.match(now, /ovn-installed="?true"?/);
});

test('detach removes the port; detaching again is a no-op', async () => {
  const r = await a.detach({ ifaceId: 'ns_web', wait: true });
  assert.deepEqual(r.action, 'deleted');
  assert.ok(!(await ports()).includes('enp2s0f0_1'));
  assert.equal((await a.detach({ iface: 'enp2s0f0_1' })).action, 'absent');
});

test('a port another client already created is adopted (keys set), not duplicated', async () => {
  await h.vsctl(['add-port', 'br-int', 'enp1s0f0_2', '--', 'set', 'Interface', 'enp1s0f0_2', 'external_ids:iface-id=ns_z']);
  const r = await a.attach({ iface: 'enp1s0f0_2', ifaceId: 'ns_z' });
  assert.equal(r.action, 'update');
  assert.equal((await ports()).filter((p) => p === 'enp1s0f0_2').length, 1);
  assert.match(await ids('enp1s0f0_2'), /\bencap-ip="192\.0\.2\.1"/);
});

async function waitForConfig(att: NodeAttacher, pred: (mappingRaw: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pred(att.config().config.mapping.raw)) {
    if (Date.now() > deadline) throw new Error('mapping change not seen');
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      t.unref();
    });
  }
}
