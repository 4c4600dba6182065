// verify against a real OVN: a clean lab has no errors; each misconfiguration
// seeded into it (single-key OVSDB mutations, then reverted) is reported with
// its check id. Runs the real `mvtep verify` command in-process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import type { Lab } from '../../src/lab/index.ts';
import type { OvnRuntime } from '../../src/lab/runtime.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { ovnFeatures, parseOvnVersion } from '../../src/ovn/index.ts';
import type { VerifyReport } from '../../src/verify/index.ts';
import { startTestLab } from '../lab/helpers/labLifecycle.ts';
import { TWO_NODES_UNSORTED_VTEPS } from '../lab/helpers/scenarioText.ts';

const SCENARIO = `name: vlab
encapType: geneve
${TWO_NODES_UNSORTED_VTEPS}pods:
  - { name: a1, chassis: hv1, pf: enp1s0f0, vf: 0, switch: ls-a, ip: 203.0.113.10, encapIp: 192.0.2.11 }
  - { name: a2, chassis: hv1, pf: enp2s0f0, vf: 0, switch: ls-a, ip: 203.0.113.11, encapIp: 192.0.2.100 }
  - { name: a3, chassis: hv1, pf: enp3s0f0, vf: 1, switch: ls-a, ip: 203.0.113.12, encapIp: 192.0.2.2 }
  - { name: b1, chassis: hv2, pf: enp1s0f0, vf: 0, switch: ls-a, ip: 203.0.113.20, encapIp: 198.51.100.1 }
  - { name: b2, chassis: hv2, pf: enp2s0f0, vf: 1, switch: ls-a, ip: 203.0.113.21, encapIp: 198.51.100.2 }
`;

let root: string;
let lab: Lab | undefined;
let down = async (): Promise<void> => {};
let ovnVersion = '';
const clients = new Map<string, OvsdbClient>();

before(async () => {
  let runtime: OvnRuntime;
  ({ lab, root, runtime, down } = await startTestLab(SCENARIO, 'vlab.yaml', 'mvv-'));
  ovnVersion = runtime.manifest.ovnVersion;
  for (const c of ['hv1', 'hv2']) clients.set(c, await OvsdbClient.connect(lab.chassis[c]!.ovsdbRemote));
}, { timeout: 300_000 });

after(async () => {
  for (const c of clients.values()) c.close();
  await down();
});

const io = (): CapturedIo => captureIo();

async function verify(chassis: string | undefined, extra: string[] = []): Promise<{ code: number; report: VerifyReport }> {
  const args = ['verify', '--sb', lab!.sb.remote, '--json', ...extra];
  if (chassis) args.push('--ovsdb', lab!.chassis[chassis]!.ovsdbRemote, '--sysfs', lab!.chassis[chassis]!.sysfsRoot);
  const t = io();
  const code = await main(args, t);
  assert.ok(code === 0 || code === 1, `verify exit ${code}: ${t.err()}`);
  return { code, report: JSON.parse(t.out()) as VerifyReport };
}

/** Re-runs verify until `pred` holds (OVN converges asynchronously), returning the last report. */
async function verifyUntil(chassis: string | undefined, pred: (r: VerifyReport) => boolean, what: string): Promise<VerifyReport> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { report } = await verify(chassis);
    if (pred(report)) return report;
    if (Date.now() > deadline) assert.fail(`${what}: not reached; last findings ${JSON.stringify(report.findings, null, 1)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const has = (check: string, subject?: RegExp) => (r: VerifyReport) =>
  r.findings.some((f) => f.check === check && (!subject || subject.test(f.subject)));
const clean = (r: VerifyReport) => r.counts.error === 0;

async function setIds(chassis: string, table: string, name: string | undefined, keys: Record<string, string>): Promise<void> {
  const tx = clients.get(chassis)!.transaction('Open_vSwitch');
  tx.setMapKeys(table, name === undefined ? [] : [['name', '==', name]], 'external_ids', keys);
  await tx.commit();
}

async function delIds(chassis: string, table: string, name: string | undefined, keys: string[]): Promise<void> {
  const tx = clients.get(chassis)!.transaction('Open_vSwitch');
  tx.deleteMapKeys(table, name === undefined ? [] : [['name', '==', name]], 'external_ids', keys);
  await tx.commit();
}

test('the clean lab: no errors from either node, nor from the SB alone (exit 0)', async () => {
  for (const c of ['hv1', 'hv2', undefined]) {
    const r = await verifyUntil(c, clean, `clean ${c ?? 'sb'}`);
    assert.deepEqual(r.findings.filter((f) => f.severity === 'error'), []);
  }
  const { code, report } = await verify('hv1');
  assert.equal(code, 0);
  assert.equal(report.scope.sbChassis, 2);
});

test('seeded: encap-ip-unknown and encap-ip-mismatch on a VIF (exit 1)', async () => {
  const rep = lab!.pods['a1']!.representor;
  await setIds('hv1', 'Interface', rep, { 'encap-ip': '192.0.2.99' });
  const r = await verifyUntil('hv1', (x) => has('encap-ip-unknown', /\(a1\)/)(x) && has('encap-ip-mismatch', /\(a1\)/)(x), 'unknown encap-ip');
  assert.ok(r.findings.find((f) => f.check === 'encap-ip-unknown')!.message.includes('leaves from 192.0.2.100'));
  const { code } = await verify('hv1');
  assert.equal(code, 1);
  await setIds('hv1', 'Interface', rep, { 'encap-ip': '192.0.2.2' }); // listed, but not its PF's
  await verifyUntil('hv1', (x) => has('encap-ip-mismatch', /\(a1\)/)(x) && !has('encap-ip-unknown')(x), 'mismatch');
  await setIds('hv1', 'Interface', rep, { 'encap-ip': '192.0.2.11' });
  await verifyUntil('hv1', clean, 'reverted');
});

test('seeded: a VIF without encap-ip is pf-mismatched and makes hv1 remote-vtep-unpinned (SB only)', async () => {
  const rep = lab!.pods['a3']!.representor;
  await delIds('hv1', 'Interface', rep, ['encap-ip']);
  await verifyUntil(undefined, has('remote-vtep-unpinned', /hv1/), 'unpinned (sb only)');
  await verifyUntil('hv1', has('encap-ip-mismatch', /\(a3\)/), 'absent encap-ip vs mapping');
  await setIds('hv1', 'Interface', rep, { 'encap-ip': '192.0.2.2' });
  await verifyUntil(undefined, (x) => !has('remote-vtep-unpinned')(x), 'pinned again');
});

test('seeded: mapping-syntax, mapping-ip-not-encap, mapping-ovnk-incompatible, pf-unmapped', async () => {
  const orig = 'enp1s0f0:192.0.2.11,enp2s0f0:192.0.2.100,enp3s0f0:192.0.2.2';
  await setIds('hv1', 'Open_vSwitch', undefined, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.11,enp2s0f0=192.0.2.100,enp3s0f0:192.0.2.77' });
  await verifyUntil('hv1', (x) => has('mapping-syntax')(x) && has('mapping-ip-not-encap')(x), 'mapping errors');
  await setIds('hv1', 'Open_vSwitch', undefined, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.11,enp2s0f0:192.0.2.100,enp9s0f0:2001:db8::9' });
  await verifyUntil('hv1', (x) => has('mapping-ovnk-incompatible')(x) && has('pf-unmapped', /\(a3\)/)(x), 'ipv6 + unmapped');
  await setIds('hv1', 'Open_vSwitch', undefined, { 'ovn-pf-encap-ip-mapping': orig });
  await verifyUntil('hv1', clean, 'reverted');
});

test('seeded: default-not-listed', async () => {
  await setIds('hv2', 'Open_vSwitch', undefined, { 'ovn-encap-ip-default': '198.51.100.9' });
  await verifyUntil('hv2', has('default-not-listed'), 'default');
  await delIds('hv2', 'Open_vSwitch', undefined, ['ovn-encap-ip-default']);
  await verifyUntil('hv2', clean, 'reverted');
});

test('seeded: duplicate-encap-ip (hv2 also claims hv1\'s VTEP)', async () => {
  await setIds('hv2', 'Open_vSwitch', undefined, { 'ovn-encap-ip': '198.51.100.1,198.51.100.2,192.0.2.11' });
  const r = await verifyUntil('hv2', has('duplicate-encap-ip', /hv2/), 'duplicate');
  assert.ok(r.findings.some((f) => f.check === 'duplicate-encap-ip' && f.message.includes('192.0.2.11')));
  // The release decides what the losing chassis does: 26.03 skips the IP, 25.03.0 loops on failing transactions.
  const guarded = ovnFeatures(parseOvnVersion(ovnVersion)).duplicateEncapGuard;
  assert.equal(guarded, !ovnVersion.startsWith('25.03.0'), `guard for OVN ${ovnVersion}`);
  const message = r.findings.find((f) => f.check === 'duplicate-encap-ip' && f.subject === 'chassis hv2')?.message ?? '';
  assert.match(message, guarded ? /OVN skips it here \("cannot duplicate"\)/ : /no duplicate-encap guard/);
  await setIds('hv2', 'Open_vSwitch', undefined, { 'ovn-encap-ip': '198.51.100.1,198.51.100.2' });
  await verifyUntil('hv2', clean, 'reverted');
});

test('seeded: encap-ip-syntax (a space in ovn-encap-ip) silently unpins the VIFs of that VTEP', async () => {
  await setIds('hv2', 'Open_vSwitch', undefined, { 'ovn-encap-ip': '198.51.100.1, 198.51.100.2' });
  // OVN now has a VTEP " 198.51.100.2": b2's encap-ip "198.51.100.2" matches nothing.
  const r = await verifyUntil('hv2', (x) => has('encap-ip-syntax')(x) && has('encap-ip-unknown', /\(b2\)/)(x), 'space');
  assert.ok(r.counts.error > 0);
  await setIds('hv2', 'Open_vSwitch', undefined, { 'ovn-encap-ip': '198.51.100.1,198.51.100.2' });
  await verifyUntil('hv2', clean, 'reverted');
});

test('--dump-state then --snapshot gives the same report', async () => {
  const file = join(root, 'state.json');
  const live = await verify('hv1', ['--dump-state', file]);
  const t = io();
  const code = await main(['verify', '--snapshot', file, '--json'], t);
  assert.equal(code, live.code);
  assert.deepEqual((JSON.parse(t.out()) as VerifyReport).findings, live.report.findings);
});
