import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSysfsFixture, FixtureError, representorName, vfPci } from '../../src/sriov/fixture.ts';

async function withTree(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'mvtep-fixture-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const attr = async (path: string) => (await readFile(path, 'utf8')).trim();

test('VF PCI addresses follow the PF on its bus from function .2', () => {
  assert.equal(vfPci('0000:01:00.0', 0), '0000:01:00.2');
  assert.equal(vfPci('0000:01:00.0', 5), '0000:01:00.7');
  assert.equal(vfPci('0000:01:00.0', 6), '0000:01:01.0');
  // Function 1's VFs follow function 0's range (8 here), so two PFs on one bus never collide.
  assert.equal(vfPci('0000:3b:00.1', 0, 8), '0000:3b:01.2');
});

test('switchdev PF: kernel layout with relative links, representors under the PF', () => withTree(async (root) => {
  const fx = await buildSysfsFixture(root, [
    { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 8, numVfs: 2 },
    { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 4, numVfs: 1 },
  ], { seed: 3 });
  const pf = join(root, 'devices/pci0000:00/0000:01:00.0');
  assert.equal(await attr(join(pf, 'sriov_totalvfs')), '8');
  assert.equal(await attr(join(pf, 'sriov_numvfs')), '2');
  // Links are relative, like the kernel's, and resolve into the devices tree.
  assert.equal(await readlink(join(pf, 'virtfn1')), '../0000:01:00.3');
  assert.equal(await readlink(join(root, 'devices/pci0000:00/0000:01:00.3/physfn')), '../0000:01:00.0');
  assert.equal(await readlink(join(root, 'bus/pci/devices/0000:01:00.2')), '../../../devices/pci0000:00/0000:01:00.2');
  assert.equal(await readlink(join(root, 'class/net/enp1s0f0_1')), '../../devices/pci0000:00/0000:01:00.0/net/enp1s0f0_1');

  // The spec §6 walk: VF -> physfn -> PF's net/ entries -> the uplink (p\d+ with a switch id).
  const vfDir = join(root, 'bus/pci/devices', fx.nics[0]!.vfs[1]!.pci);
  const pfDir = await realpath(join(vfDir, 'physfn'));
  assert.equal(pfDir, await realpath(pf));
  const netdevs = (await readdir(join(pfDir, 'net'))).sort();
  assert.deepEqual(netdevs, ['enp1s0f0', 'enp1s0f0_0', 'enp1s0f0_1']);
  const uplinks = [];
  for (const n of netdevs) {
    const cls = join(root, 'class/net', n);
    if (/^p\d+$/.test(await attr(join(cls, 'phys_port_name'))) && (await attr(join(cls, 'phys_switch_id'))) !== '') uplinks.push(n);
  }
  assert.deepEqual(uplinks, ['enp1s0f0']);
  const rep = join(root, 'class/net', representorName('enp1s0f0', 1));
  assert.equal(await attr(join(rep, 'phys_port_name')), 'pf0vf1');
  assert.equal(await attr(join(rep, 'phys_switch_id')), await attr(join(root, 'class/net/enp1s0f0/phys_switch_id')));
  assert.notEqual(await attr(join(root, 'class/net/enp2s0f0/phys_switch_id')), await attr(join(rep, 'phys_switch_id')));
  assert.equal(await realpath(join(rep, 'device')), pfDir);
  // The VF's own netdev sits under the VF's PCI dir, with no switchdev attributes.
  assert.equal(await realpath(join(root, 'class/net/enp1s0f0v1/device')), await realpath(vfDir));
  assert.equal(await attr(join(root, 'class/net/enp1s0f0v1/phys_port_name')), '');
  const ifindexes = await Promise.all(['enp1s0f0', 'enp1s0f0_0', 'enp1s0f0_1', 'enp2s0f0'].map((n) => attr(join(root, 'class/net', n, 'ifindex'))));
  assert.equal(new Set(ifindexes).size, 4);
  assert.equal(await attr(join(root, 'mvtep-devlink/pci/0000:01:00.0/eswitch_mode')), 'switchdev');
  assert.equal(fx.nics[1]!.vfs.length, 1);
  assert.equal(fx.nics[0]!.vfs[1]!.representor, 'enp1s0f0_1');
}));

test('legacy PF: no representors, uplink without switchdev attributes', () => withTree(async (root) => {
  await buildSysfsFixture(root, [{ pf: 'enp5s0f1', pci: '0000:05:00.1', totalVfs: 2, numVfs: 2, mode: 'legacy' }]);
  assert.deepEqual((await readdir(join(root, 'devices/pci0000:00/0000:05:00.1/net'))).sort(), ['enp5s0f1']);
  assert.equal(await attr(join(root, 'class/net/enp5s0f1/phys_switch_id')), '');
  assert.equal(await attr(join(root, 'mvtep-devlink/pci/0000:05:00.1/eswitch_mode')), 'legacy');
  // PF function 1: its VFs follow function 0's VF range (totalVfs 2: .2 .3 belong to function 0).
  assert.equal(await readlink(join(root, 'devices/pci0000:00/0000:05:00.1/virtfn0')), '../0000:05:00.4');
}));

test('bad fixture input is a typed error naming the value', () => withTree(async (root) => {
  await assert.rejects(buildSysfsFixture(root, [{ pf: 'enp1s0f0', pci: '01:00.0', totalVfs: 2, numVfs: 1 }]),
    (e: unknown) => e instanceof FixtureError && e.code === 'fixture-bad-pci' && e.input === '01:00.0');
  await assert.rejects(buildSysfsFixture(join(root, 'b'), [{ pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 2, numVfs: 3 }]),
    (e: unknown) => e instanceof FixtureError && e.code === 'fixture-bad-vfs');
}));

test('two PFs of one card (functions .0 and .1) get disjoint VF addresses', () => withTree(async (root) => {
  const fx = await buildSysfsFixture(root, [
    { pf: 'enp8s0f0', pci: '0000:08:00.0', totalVfs: 4, numVfs: 4 },
    { pf: 'enp8s0f1', pci: '0000:08:00.1', totalVfs: 4, numVfs: 4 },
  ]);
  const all = fx.nics.flatMap((n) => [n.pci, ...n.vfs.map((v) => v.pci)]);
  assert.equal(new Set(all).size, 10);
  assert.equal(await attr(join(root, 'class/net/enp8s0f1_0/phys_port_name')), 'pf1vf0');
  await assert.rejects(buildSysfsFixture(join(root, 'c'), [
    { pf: 'enp8s0f0', pci: '0000:08:00.0', totalVfs: 8, numVfs: 8 },
    { pf: 'enp8s1f0', pci: '0000:08:01.0', totalVfs: 8, numVfs: 1 },
  ]), (e: unknown) => e instanceof FixtureError && e.code === 'fixture-duplicate' && e.input === '0000:08:01.0');
}));

test('a VF PCI address in upper-case hex resolves like the kernel spelling (the resolver accepted it, then looked up the upper-case name)', () => withTree(async (root) => {
  const { resolveDevice, Sysfs } = await import('../../src/sriov/index.ts');
  await buildSysfsFixture(root, [{ pf: 'enp59s0f0', pci: '0000:3b:00.0', totalVfs: 4, numVfs: 1 }]);
  const sys = new Sysfs(root);
  const lower = resolveDevice(sys, '0000:3b:00.2');
  assert.equal(lower.uplink.netdev, 'enp59s0f0');
  assert.deepEqual({ ...resolveDevice(sys, '0000:3B:00.2'), input: '0000:3b:00.2' }, lower);
}));
