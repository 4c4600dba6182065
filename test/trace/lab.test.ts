// `mvtep trace` against a real OVN: the explanation, then --confirm runs
// ofproto/trace on the source chassis' vswitchd and `ip route get` in its
// netns (where this test gives the PFs their VTEP addresses and one source
// rule + table per VTEP, a minimal stand-in for the underlay).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import type { Lab } from '../../src/lab/index.ts';
import type { TraceResult } from '../../src/trace/index.ts';
import { startTestLab } from '../lab/helpers/labLifecycle.ts';
import { TWO_NODES_UNSORTED_VTEPS } from '../lab/helpers/scenarioText.ts';

const SCENARIO = `name: tlab
encapType: geneve
${TWO_NODES_UNSORTED_VTEPS}pods:
  - { name: a2, chassis: hv1, pf: enp2s0f0, vf: 0, switch: ls-a, ip: 203.0.113.11, encapIp: 192.0.2.100 }
  - { name: a3, chassis: hv1, pf: enp3s0f0, vf: 0, switch: ls-a, ip: 203.0.113.12 }
  - { name: b2, chassis: hv2, pf: enp2s0f0, vf: 1, switch: ls-a, ip: 203.0.113.21, encapIp: 198.51.100.2 }
  - { name: b9, chassis: hv2, pf: enp1s0f0, vf: 0, switch: ls-a, ip: 203.0.113.22 }
`;

let lab: Lab | undefined;
let down = async (): Promise<void> => {};

before(async () => {
  ({ lab, down } = await startTestLab(SCENARIO, 'tlab.yaml', 'mvt-'));
  const ns = lab.chassis['hv1']!.netns;
  const ip = (...a: string[]) => execFileSync('ip', ['-n', ns, ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const [pf, addr, table] of [['enp1s0f0', '192.0.2.11', '6081'], ['enp2s0f0', '192.0.2.100', '6082'], ['enp3s0f0', '192.0.2.2', '6083']] as const) {
    ip('addr', 'add', `${addr}/24`, 'dev', pf);
    ip('link', 'set', pf, 'up');
    ip('rule', 'add', 'from', addr, 'lookup', table, 'pref', table);
    ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', pf, 'table', table);
  }
  // Without a source rule, the main table sends every VTEP out of the first NIC.
  ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'enp1s0f0');
}, { timeout: 300_000 });

after(() => down());

const io = (): CapturedIo => captureIo();

async function trace(from: string, to: string, extra: string[] = []): Promise<{ code: number; result: TraceResult; err: string }> {
  const hv1 = lab!.chassis['hv1']!;
  const t = io();
  const code = await main(['trace', '--from', from, '--to', to, '--sb', lab!.sb.remote, '--ovsdb', hv1.ovsdbRemote,
    '--sysfs', hv1.sysfsRoot, '--netns', hv1.netns, '--json', ...extra], t);
  // With --json an error is one JSON object on stdout (docs/cli.md).
  return { code, result: code === 2 ? (undefined as unknown as TraceResult) : JSON.parse(t.out()) as TraceResult, err: code === 2 ? t.out() : t.err() };
}

test('pinned to pinned: determined tunnel, kernel route per VTEP, confirmed by ofproto/trace', async () => {
  const { code, result: r, err } = await trace('a2', 'b2', ['--confirm', '--appctl-target', lab!.chassis['hv1']!.vswitchdCtl]);
  assert.equal(code, 0, err);
  assert.equal(r.determined, true);
  assert.equal(r.local_ip, '192.0.2.100');
  assert.equal(r.remote_ip, '198.51.100.2');
  assert.equal(r.encap_id, 0); // "192.0.2.100" < "192.0.2.11" < "192.0.2.2"
  assert.equal(r.tunnel?.ovn_chassis_id, 'hv2@198.51.100.2%192.0.2.100');
  assert.ok(r.tunnel?.name?.startsWith('ovn-') && (r.tunnel.ofport ?? 0) > 0);
  assert.equal(r.egress_device, 'enp2s0f0');
  assert.equal(r.route?.gateway, '192.0.2.254');
  assert.deepEqual(r.source.representor_of, { pf: 'enp2s0f0', vf: 0 });
  assert.equal(r.confirm?.agrees, true, JSON.stringify(r.confirm));
  assert.equal(r.confirm?.observed?.tunnel, r.tunnel?.name);
  assert.equal(r.confirm?.observed_route?.device, 'enp2s0f0');
});

test('to a VIF without encap: remote arbitrary, ofproto/trace picks one of the candidates (derived appctl target)', async () => {
  const { code, result: r, err } = await trace('a2', 'b9', ['--confirm']);
  assert.equal(code, 0, err);
  assert.equal(r.determined, false);
  assert.equal(r.remote_ip, null);
  assert.equal(r.local_ip, '192.0.2.100');
  assert.deepEqual(r.candidates.map((c) => c.remote_ip).sort(), ['198.51.100.1', '198.51.100.2']);
  assert.equal(r.confirm?.agrees, true, JSON.stringify(r.confirm));
  assert.ok(r.candidates.some((c) => c.remote_ip === r.confirm?.observed?.remote_ip));
});

test('a VIF without encap-ip leaves from encap ID 0 = the byte-wise smallest IP', async () => {
  const { result: r } = await trace('a3', 'b2', ['--confirm']);
  assert.equal(r.local_ip, '192.0.2.100');
  assert.ok(r.warnings.some((w) => /PF enp3s0f0 \(VTEP 192\.0\.2\.2\)/.test(w)), r.warnings.join('\n'));
  assert.equal(r.confirm?.agrees, true);
});

test('--confirm disagrees (exit 1) when the kernel routes the VTEP out of another device', async () => {
  const ns = lab!.chassis['hv1']!.netns;
  execFileSync('ip', ['-n', ns, 'rule', 'del', 'from', '192.0.2.100', 'lookup', '6082']);
  try {
    const { code, result: r } = await trace('a2', 'b2', ['--confirm']);
    assert.equal(code, 1);
    assert.equal(r.confirm?.agrees, false);
    assert.match(r.confirm!.differences.join('\n'), /out of enp1s0f0, not enp2s0f0/);
  } finally {
    execFileSync('ip', ['-n', ns, 'rule', 'add', 'from', '192.0.2.100', 'lookup', '6082', 'pref', '6082']);
  }
});

test('unknown port: exit 2 with the port named', async () => {
  const { code, err } = await trace('a2', 'nope');
  assert.equal(code, 2);
  assert.match(err, /'nope'/);
});
