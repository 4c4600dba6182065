// Gatherers at the edges that need no OVN: sysfs (fixture tree shaped like
// the kernel's), and the snapshot round trip.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSysfsFixture } from '../../src/sriov/index.ts';
import { readSriov } from '../../src/observe/index.ts';
import { parseSnapshot, readSnapshot, writeSnapshot } from '../../src/verify/index.ts';
import { buildState, TWO_NODES, TWO_VIFS } from './fixture.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-gather-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('readSriov: switchdev PFs and their VF representors; legacy PFs are skipped', async () => {
  const fx = await buildSysfsFixture(join(dir, 'sys'), [
    { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 4, numVfs: 2 },
    { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 4, numVfs: 3 },
    { pf: 'enp3s0f0', pci: '0000:03:00.0', totalVfs: 2, numVfs: 2, mode: 'legacy' },
  ]);
  const s = readSriov(fx.root);
  assert.deepEqual(s.pfs.map((p) => p.pf), ['enp1s0f0', 'enp2s0f0']);
  assert.deepEqual(s.representors.map((r) => `${r.netdev}:${r.pf}:${r.vf}`).sort(),
    ['enp1s0f0_0:enp1s0f0:0', 'enp1s0f0_1:enp1s0f0:1', 'enp2s0f0_0:enp2s0f0:0', 'enp2s0f0_1:enp2s0f0:1', 'enp2s0f0_2:enp2s0f0:2']);
  const vf1 = s.representors.find((r) => r.netdev === 'enp2s0f0_1')!;
  assert.equal(vf1.vfPci, fx.nics[1]!.vfs[1]!.pci);
});

test('snapshot: write then read gives the same state; structural errors name the path', async () => {
  const state = buildState(TWO_NODES, TWO_VIFS);
  const file = join(dir, 's.json');
  await writeSnapshot(file, state);
  assert.deepEqual(await readSnapshot(file), JSON.parse(JSON.stringify(state)));
  assert.throws(() => parseSnapshot('{"format":"other","nodes":[]}', 'f.json'), /f\.json: \$\.format: expected "mvtep-verify-state\/1"/);
  assert.throws(() => parseSnapshot('[1', 'f.json'), /f\.json: not JSON/);
  assert.throws(() => parseSnapshot('{"format":"mvtep-verify-state/1","nodes":[],"southbound":{"chassis":[]}}', 'f.json'), /\$\.southbound\.encaps: expected an array/);
});
