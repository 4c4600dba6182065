import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { startOvs, type OvsHarness } from '../node/agentHarness.ts';

const io = (): CapturedIo => captureIo({}, '/');

let h: OvsHarness;
before(async () => {
  h = await startOvs({ externalIds: { 'ovn-encap-ip': '192.0.2.1,192.0.2.2', 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.3' } });
});
after(async () => {
  await h?.down();
});

test('config check on given strings: exit 0 with warnings, 1 with errors', async () => {
  const ok = io();
  assert.equal(await main(['config', 'check', '--encap-ip', '192.0.2.1,192.0.2.2', '--mapping', 'p0:192.0.2.1,p1:2001:db8::1'], ok), 0);
  assert.match(ok.out(), /warning \[ipv6-ovnkube\]/);
  assert.match(ok.out(), /p1 -> 2001:db8::1 {2}\(not an OVN encap IP\)/);
  const bad = io();
  assert.equal(await main(['config', 'check', '--mapping', 'p0:192.0.2.1,p1'], bad), 1);
  assert.match(bad.out(), /error \[config-missing-separator\]: ovn-pf-encap-ip-mapping: entry 2 "p1"/);
});

test('config check --json is machine-readable', async () => {
  const t = io();
  assert.equal(await main(['config', 'check', '--encap-ip', '192.0.2.1,x', '--json'], t), 1);
  const j = JSON.parse(t.out()) as { ok: boolean; errors: Array<{ code: string; input: { entry: string; position: number } }> };
  assert.equal(j.ok, false);
  assert.deepEqual(j.errors.map((e) => [e.code, e.input.entry, e.input.position]), [['config-invalid-ip', 'x', 2]]);
});

test('config check --ovsdb reads the live node; given strings override it', async () => {
  const live = io();
  assert.equal(await main(['config', 'check', '--ovsdb', h.remote, '--json'], live), 0);
  const j = JSON.parse(live.out()) as { chassis: string; warnings: Array<{ code: string; entry: string }> };
  assert.equal(j.chassis, 'hv1');
  assert.deepEqual(j.warnings.map((w) => [w.code, w.entry]), [['mapped-ip-not-encap', 'enp3s0f0:192.0.2.3']]);
  const fixed = io();
  assert.equal(await main(['config', 'check', '--ovsdb', h.remote, '--encap-ip', '192.0.2.1,192.0.2.2,192.0.2.3', '--json'], fixed), 0);
  assert.deepEqual((JSON.parse(fixed.out()) as { warnings: unknown[] }).warnings, []);
});

test('config check without input is a usage error', async () => {
  const t = io();
  assert.equal(await main(['config', 'check'], t), 2);
  assert.match(t.err(), /give --ovsdb REMOTE/);
});
