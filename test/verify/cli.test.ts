import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { buildState, TWO_NODES, TWO_VIFS } from './fixture.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-verify-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const io = (): CapturedIo => captureIo({}, '/');

test('bad usage exits 2 with the reason', async () => {
  for (const [argv, re] of [
    [['verify'], /give --ovsdb, --sb, --zones or --snapshot/],
    [['verify', '--zones', '/x.yaml', '--sb', 'unix:/y'], /--zones cannot be combined with --sb/],
    [['verify', '--zones', '/x.yaml', '--ovsdb', 'unix:/y'], /--zones cannot be combined with --ovsdb/],
    [['verify', '--snapshot', '/x', '--zones', '/y.yaml'], /--snapshot cannot be combined with --zones/],
    [['verify', '--sb', 'unix:/x', '--sysfs', '/sys'], /--sysfs describes a node and needs --ovsdb/],
    [['verify', '--snapshot', '/x', '--sb', 'unix:/y'], /cannot be combined with --sb/],
    [['verify', '--sb', 'unix:/x', '--ovn-version', 'latest'], /not a version: latest/],
    [['verify', '--bogus'], /Unknown option/],
  ] as const) {
    const t = io();
    assert.equal(await main([...argv], t), 2, argv.join(' '));
    assert.match(t.err(), re);
  }
});

test('an unreachable OVSDB exits 3; a missing or malformed snapshot (unreadable input) exits 2', async () => {
  let t = io();
  assert.equal(await main(['verify', '--sb', `unix:${join(dir, 'nothing.sock')}`, '--timeout', '2'], t), 3);
  assert.match(t.err(), /ovsdb-connection.*nothing\.sock/);
  t = io();
  assert.equal(await main(['verify', '--snapshot', join(dir, 'missing.json')], t), 2);
  assert.match(t.err(), /snapshot-unreadable/);
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ format: 'mvtep-verify-state/1', nodes: [{ label: 'x' }] }));
  t = io();
  assert.equal(await main(['verify', '--snapshot', join(dir, 'bad.json')], t), 2);
  assert.match(t.err(), /\$\.nodes\[0\]\.openVswitch\.externalIds: expected an object/);
});

test('a snapshot with errors exits 1, a clean one 0; the text report names check, subject and hint', async () => {
  const s = buildState(TWO_NODES, [...TWO_VIFS, { lport: 'e', chassis: 'hv1', pf: 'enp1', vf: 3, encapIp: '203.0.113.7' }]);
  await writeFile(join(dir, 'bad-vif.json'), JSON.stringify(s));
  let t = io();
  assert.equal(await main(['verify', '--snapshot', join(dir, 'bad-vif.json')], t), 1);
  assert.match(t.out(), /^ERROR encap-ip-unknown {2}interface hv1\/enp1_3 \(e\)$/m);
  assert.match(t.out(), /hint: set encap-ip/);
  assert.match(t.out(), /\d+ error\(s\), \d+ warning\(s\), 0 info \(checked nodes hv1, hv2, 2 chassis in the Southbound, OVN 25\.03\.0\)/);
  await writeFile(join(dir, 'clean.json'), JSON.stringify(buildState(TWO_NODES, TWO_VIFS)));
  t = io();
  assert.equal(await main(['verify', '--snapshot', join(dir, 'clean.json'), '--json'], t), 0);
  const report = JSON.parse(t.out()) as { ok: boolean; findings: unknown[] };
  assert.equal(report.ok, true);
  assert.deepEqual(report.findings, []);
  // nothing half-written next to the snapshots
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp-')), []);
});

test('--zones: a zones file without zones (icSb discovery) or a malformed one exits 2 naming the reason', async () => {
  const onlyIcSb = join(dir, 'zones-icsb.yaml');
  await writeFile(onlyIcSb, 'icSb: unix:/run/ovn/ic_sb.sock\n');
  let t = io();
  assert.equal(await main(['verify', '--zones', onlyIcSb], t), 2);
  assert.match(t.err(), /lists no zone \(verify does not discover zones from icSb yet\)/);
  const bad = join(dir, 'zones-bad.yaml');
  await writeFile(bad, 'zones:\n  - { name: z1, nb: unix:/a, sb: nowhere }\n');
  t = io();
  assert.equal(await main(['verify', '--zones', bad], t), 2);
  assert.match(t.err(), /zones\[0\]\.sb/);
});
