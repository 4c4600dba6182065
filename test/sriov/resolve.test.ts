import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverSriov, resolveDevice, resolveRepresentor, resolveVfPci, SriovError, Sysfs } from '../../src/sriov/index.ts';
import { buildKernelTree, SWITCH_ID, type KernelTreeLayout } from './kernelTree.ts';

let dir: string;
let k: KernelTreeLayout;
let sys: Sysfs;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-sriov-'));
  k = await buildKernelTree(join(dir, 'sys'));
  sys = new Sysfs(k.root);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const uplink = () => ({ netdev: k.pf0.uplink, pci: k.pf0.pci, switchId: SWITCH_ID, port: 0 });

test('kernel layout: VF representors resolve to the uplink, with their VF', () => {
  assert.deepEqual(resolveRepresentor(sys, 'enp3s0f0npf0vf0'),
    { input: 'enp3s0f0npf0vf0', kind: 'vf-representor', uplink: uplink(), vfIndex: 0, vfPci: '0000:03:00.2' });
  // Name says nothing; phys_port_name does.
  assert.deepEqual(resolveRepresentor(sys, 'eth5'),
    { input: 'eth5', kind: 'vf-representor', uplink: uplink(), vfIndex: 1, vfPci: '0000:03:00.3' });
});

test('kernel layout: SF representor, SF aux device and SF netdev resolve to the uplink', () => {
  assert.deepEqual(resolveDevice(sys, k.pf0.sfRep), { input: k.pf0.sfRep, kind: 'sf-representor', uplink: uplink(), sfNum: 88 });
  assert.deepEqual(resolveDevice(sys, k.pf0.sfAux), { input: k.pf0.sfAux, kind: 'sf-aux', uplink: uplink(), sfNum: 88 });
  assert.deepEqual(resolveDevice(sys, k.pf0.sfNetdev), { input: k.pf0.sfNetdev, kind: 'sf-netdev', uplink: uplink(), sfNum: 88 });
});

test('kernel layout: VF PCI address and VF netdev resolve through physfn', () => {
  assert.deepEqual(resolveVfPci(sys, '0000:03:00.3'), { input: '0000:03:00.3', kind: 'vf-pci', uplink: uplink(), vfPci: '0000:03:00.3', vfIndex: 1 });
  assert.deepEqual(resolveDevice(sys, k.pf0.vfNetdev), { input: k.pf0.vfNetdev, kind: 'vf-netdev', uplink: uplink(), vfPci: '0000:03:00.2', vfIndex: 0 });
});

function rejects(fn: () => unknown, code: string, input: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SriovError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.input, input);
    assert.match(err.message, message);
    return true;
  });
}

const errorCases: Array<{ name: string; id: () => string; code: string; message: RegExp }> = [
  { name: 'legacy-mode PF', id: () => k.pf1Legacy.vf, code: 'sriov-legacy-mode', message: /0000:03:00\.1 .*legacy mode.*devlink dev eswitch set pci\/0000:03:00\.1 mode switchdev/ },
  { name: 'broken physfn link', id: () => k.brokenVf, code: 'sriov-broken-link', message: /physfn -> \.\.\/0000:03:00\.7 is a broken link/ },
  { name: 'a PF is not a VF', id: () => k.pf0.pci, code: 'sriov-not-vf', message: /no physfn/ },
  { name: 'unknown PCI address', id: () => '0000:09:00.2', code: 'sriov-no-device', message: /no PCI device/ },
  { name: 'unknown netdev', id: () => 'nope0', code: 'sriov-no-device', message: /no netdev 'nope0'/ },
  { name: 'path traversal', id: () => '../lo', code: 'sriov-no-device', message: /not a netdev name/ },
  { name: 'virtual netdev', id: () => 'lo', code: 'sriov-not-vf', message: /no device link/ },
  { name: 'uplink itself', id: () => k.pf0.uplink, code: 'sriov-not-vf', message: /no physfn/ },
  { name: 'legacy uplink netdev', id: () => k.pf1Legacy.netdev, code: 'sriov-not-vf', message: /no physfn/ },
];
for (const c of errorCases) {
  test(`kernel layout: ${c.name} gives ${c.code}`, () => rejects(() => resolveDevice(sys, c.id()), c.code, c.id(), c.message));
}

test('kernel layout: representor check names what is wrong', () => {
  rejects(() => resolveRepresentor(sys, k.pf0.uplink), 'sriov-not-representor', k.pf0.uplink, /phys_port_name is 'p0'/);
  rejects(() => resolveRepresentor(sys, 'lo'), 'sriov-not-representor', 'lo', /no phys_port_name/);
});

test('kernel layout: inventory lists PFs, modes, VFs, representors, SFs and problems', () => {
  const inv = discoverSriov(k.root);
  assert.deepEqual(inv.pfs.map((p) => [p.pci, p.mode, p.uplink?.netdev]), [
    ['0000:03:00.0', 'switchdev', 'enp3s0f0np0'],
    ['0000:03:00.1', 'legacy', undefined],
  ]);
  const pf0 = inv.pfs[0]!;
  assert.deepEqual(pf0.vfs, [
    { index: 0, pci: '0000:03:00.2', netdevs: ['enp3s0f0v0'], representor: 'enp3s0f0npf0vf0' },
    { index: 1, pci: '0000:03:00.3', netdevs: [], representor: 'eth5' },
  ]);
  assert.deepEqual(pf0.sfs, [{ aux: 'mlx5_core.sf.2', sfNum: 88, netdevs: ['enp3s0f0s88'], representor: 'enp3s0f0npf0sf88' }]);
  assert.equal(pf0.totalVfs, 8);
  assert.equal(pf0.numVfs, 2);
  assert.deepEqual(inv.pfs[1]!.vfs.map((v) => v.representor), [undefined]);
  assert.deepEqual(inv.problems, []);
});
