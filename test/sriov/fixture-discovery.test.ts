import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSysfsFixture, discoverSriov, resolveDevice, SriovError, Sysfs, type SysfsFixture } from '../../src/sriov/index.ts';

// The lab builds its chassis with src/sriov/fixture.ts: discovery must read it
// exactly as it reads the kernel's tree, including a dual-port NIC whose
// second port (function 1) has uplink `p1` and representors `pf1vf<M>`.
let dir: string;
let fx: SysfsFixture;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-sriovfx-'));
  fx = await buildSysfsFixture(join(dir, 'sys'), [
    { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 8, numVfs: 3 },
    { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 8, numVfs: 2 },
    { pf: 'enp2s0f1', pci: '0000:02:00.1', totalVfs: 8, numVfs: 2 },
    { pf: 'enp3s0f0', pci: '0000:03:00.0', totalVfs: 4, numVfs: 1, mode: 'legacy' },
  ], { seed: 7 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('fixture: every representor, VF PCI address and VF netdev resolves to its own PF', () => {
  const sys = new Sysfs(fx.root);
  let checked = 0;
  for (const nic of fx.nics.filter((n) => n.mode === 'switchdev')) {
    for (const vf of nic.vfs) {
      for (const id of [vf.representor!, vf.pci, vf.netdev]) {
        const r = resolveDevice(sys, id);
        assert.equal(r.uplink.netdev, nic.pf, id);
        assert.equal(r.uplink.pci, nic.pci, id);
        assert.equal(r.uplink.switchId, nic.switchId, id);
        assert.equal(r.vfIndex, vf.index, id);
        assert.equal(r.vfPci, vf.pci, id);
        checked++;
      }
    }
  }
  assert.equal(checked, 3 * (3 + 2 + 2));
  const port1 = resolveDevice(sys, fx.nics.find((n) => n.pf === 'enp2s0f1')!.vfs[1]!.representor!);
  assert.deepEqual([port1.uplink.netdev, port1.uplink.port, port1.vfIndex], ['enp2s0f1', 1, 1]);
});

test('fixture: a VF of a legacy-mode PF is a typed error, not a silent miss', () => {
  const sys = new Sysfs(fx.root);
  const legacy = fx.nics.find((n) => n.mode === 'legacy')!;
  for (const id of [legacy.vfs[0]!.pci, legacy.vfs[0]!.netdev]) {
    assert.throws(() => resolveDevice(sys, id), (e: unknown) => e instanceof SriovError && e.code === 'sriov-legacy-mode' && e.input === id);
  }
});

test('fixture: inventory matches what the builder made', () => {
  const inv = discoverSriov(fx.root);
  assert.deepEqual(inv.pfs.map((p) => [p.uplink?.netdev ?? null, p.mode, p.vfs.length, p.vfs.map((v) => v.representor ?? null)]),
    [...fx.nics].sort((a, b) => a.pci.localeCompare(b.pci)).map((n) => [n.mode === 'switchdev' ? n.pf : null, n.mode, n.vfs.length, n.vfs.map((v) => v.representor ?? null)]));
});
