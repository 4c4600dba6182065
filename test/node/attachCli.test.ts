import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { startOvs, type OvsHarness } from './agentHarness.ts';

const io = (): CapturedIo => captureIo({}, '/');

let h: OvsHarness;
before(async () => {
  h = await startOvs({ vswitchd: true });
});
after(async () => {
  await h?.down();
});

test('mvtep attach --wait --json, then again (unchanged), then detach', async () => {
  const vf = h.sysfs.nics[2]!.vfs[0]!;
  const base = ['--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--iface', vf.representor!, '--iface-id', 'ns_pod1'];
  const t = io();
  assert.equal(await main(['attach', ...base, '--device', vf.pci, '--mac', '02:00:00:00:00:11', '--wait', '--json'], t), 0, t.err());
  const r = JSON.parse(t.out()) as { action: string; pf: string; encapIp: string; appliedCfg: number };
  assert.deepEqual([r.action, r.pf, r.encapIp], ['create', 'enp3s0f0', '192.0.2.3']);
  assert.ok(Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'cur_cfg'])) >= r.appliedCfg);
  assert.match(await h.vsctl(['get', 'Interface', vf.representor!, 'external_ids:encap-ip']), /192\.0\.2\.3/);
  const again = io();
  assert.equal(await main(['attach', ...base], again), 0);
  assert.match(again.out(), /^unchanged: /);
  const d = io();
  assert.equal(await main(['detach', '--ovsdb', h.remote, '--iface-id', 'ns_pod1', '--wait'], d), 0);
  assert.equal(d.out(), `deleted: ${vf.representor}\n`);
  assert.equal(await h.vsctl(['list-ports', 'br-int']), '');
});

test('mvtep attach errors: exit 1 with the typed code, exit 2 for usage', async () => {
  const t = io();
  assert.equal(await main(['attach', '--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--iface', 'enp1s0f0', '--iface-id', 'x'], t), 1);
  assert.match(t.err(), /error \[sriov-not-representor\]: enp1s0f0 is not a VF\/SF representor/);
  const u = io();
  assert.equal(await main(['attach', '--ovsdb', h.remote, '--iface', 'r'], u), 2);
  assert.match(u.err(), /--iface-id is required/);
  const m = io();
  assert.equal(await main(['attach', '--ovsdb', h.remote, '--iface', 'r', '--iface-id', 'x', '--mac', 'nope'], m), 2);
  assert.equal(await h.vsctl(['list-ports', 'br-int']), '');
});
