import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, type Finding } from '../../src/verify/index.ts';
import { buildState, TWO_NODES, TWO_VIFS, type MutableState } from './fixture.ts';

function ids(findings: Finding[], severity?: string): string[] {
  return findings.filter((f) => !severity || f.severity === severity).map((f) => f.check).sort();
}

function node(s: MutableState, name: string) {
  return s.nodes.find((n) => n.label === name)!;
}

test('a clean two-chassis state has no findings at all', () => {
  assert.deepEqual(runChecks(buildState(TWO_NODES, TWO_VIFS)), []);
});

test('encap-ip-unknown: a VIF pinned to an IP the chassis does not have', () => {
  const s = buildState(TWO_NODES, [...TWO_VIFS, { lport: 'e', chassis: 'hv1', pf: 'enp1', vf: 3, encapIp: '203.0.113.7' }]);
  const f = runChecks(s);
  const hit = f.find((x) => x.check === 'encap-ip-unknown');
  assert.ok(hit, JSON.stringify(f));
  assert.equal(hit.severity, 'error');
  assert.match(hit.subject, /hv1\/enp1_3 \(e\)/);
  assert.match(hit.message, /leaves from 192\.0\.2\.100/); // byte-wise smallest, not .11
  // its PF maps to .11, so it is also a mismatch
  assert.ok(f.some((x) => x.check === 'encap-ip-mismatch' && x.subject.includes('(e)')));
});

test('encap-ip-mismatch: encap-ip differs from the PF mapping (or is absent)', () => {
  const s = buildState(TWO_NODES, [...TWO_VIFS,
    { lport: 'e', chassis: 'hv1', pf: 'enp1', vf: 4, encapIp: '192.0.2.100' },
    { lport: 'f', chassis: 'hv1', pf: 'enp2', vf: 4, encapIp: null }]);
  const f = runChecks(s).filter((x) => x.check === 'encap-ip-mismatch');
  assert.deepEqual(f.map((x) => x.subject).sort(), ['interface hv1/enp1_4 (e)', 'interface hv1/enp2_4 (f)']);
  assert.match(f.find((x) => x.subject.includes('(f)'))!.message, /encap-ip is absent/);
});

test('pf-unmapped: SR-IOV VIF on a PF without a mapping entry', () => {
  const s = buildState([{ ...TWO_NODES[0]!, pfs: { enp1: '192.0.2.11', enp3: '192.0.2.100' } }, TWO_NODES[1]!],
    [{ lport: 'a', chassis: 'hv1', pf: 'enp2', vf: 0, encapIp: null }, { lport: 'c', chassis: 'hv2', pf: 'enp1', vf: 0 }]);
  const f = runChecks(s);
  assert.deepEqual(ids(f.filter((x) => x.subject.includes('(a)'))), ['pf-unmapped']);
  // the unpinned VIF also makes hv1's peers choose its VTEP arbitrarily
  assert.ok(f.some((x) => x.check === 'remote-vtep-unpinned' && x.subject === 'chassis hv1'));
});

test('mapping checks: syntax, IP not listed, ovnkube-incompatible IPv6', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  node(s, 'hv1').openVswitch.externalIds['ovn-pf-encap-ip-mapping'] = 'enp1:192.0.2.11,enp2:192.0.2.12,enp3';
  node(s, 'hv2').openVswitch.externalIds['ovn-pf-encap-ip-mapping'] = 'enp1:198.51.100.1,enp2:198.51.100.2,enp9:2001:db8::9';
  const f = runChecks(s);
  const hv1 = f.filter((x) => x.subject === 'chassis hv1').map((x) => x.check);
  assert.ok(hv1.includes('mapping-syntax'), hv1.join());
  assert.ok(hv1.includes('mapping-ip-not-encap'), hv1.join());
  const hv2 = f.filter((x) => x.subject === 'chassis hv2');
  assert.ok(hv2.some((x) => x.check === 'mapping-ovnk-incompatible' && x.severity === 'warning'));
});

test('default-not-listed: a default OVN ignores', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  node(s, 'hv1').openVswitch.externalIds['ovn-encap-ip-default'] = '192.0.2.99';
  const f = runChecks(s).filter((x) => x.check === 'default-not-listed');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'error');
});

test('encap-ip-syntax: spaces in ovn-encap-ip make a VTEP string nothing else matches', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  node(s, 'hv2').openVswitch.externalIds['ovn-encap-ip'] = '198.51.100.1, 198.51.100.2';
  const f = runChecks(s);
  assert.ok(f.some((x) => x.check === 'encap-ip-syntax' && x.severity === 'error'));
});

test('duplicate-encap-ip: seen from the SB (two types) and from the losing node', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  // hv2 also lists hv1's .11; the SB keeps it with hv1
  node(s, 'hv2').openVswitch.externalIds['ovn-encap-ip'] = '198.51.100.1,198.51.100.2,192.0.2.11';
  let f = runChecks(s).filter((x) => x.check === 'duplicate-encap-ip');
  assert.deepEqual(f.map((x) => x.subject), ['chassis hv2']);
  // SB-only view of a vxlan row on another chassis for the same IP
  s.southbound!.encaps.push({ uuid: 'dup', chassisName: 'hv2', ip: '192.0.2.11', type: 'vxlan', options: {} });
  f = runChecks({ ...s, nodes: [] }).filter((x) => x.check === 'duplicate-encap-ip');
  assert.deepEqual(f.map((x) => x.subject), ['encap 192.0.2.11']);
});

test('tunnel-missing, tunnel-extra, tunnel-down', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv1 = node(s, 'hv1');
  const removed = hv1.tunnels.shift()!;
  hv1.tunnels.push({ port: 'ovn-ghost-0', chassisId: 'ghost@203.0.113.1%192.0.2.11', type: 'geneve', localIp: '192.0.2.11', remoteIp: '203.0.113.1', ofport: 50 });
  node(s, 'hv2').tunnels[0]!.ofport = null;
  const f = runChecks(s);
  const missing = f.find((x) => x.check === 'tunnel-missing')!;
  assert.equal(missing.subject, 'chassis hv1 -> hv2');
  assert.ok(missing.message.includes(`${removed.localIp}->${removed.remoteIp}`));
  assert.ok(f.some((x) => x.check === 'tunnel-extra' && x.message.includes('ghost@')));
  assert.ok(f.some((x) => x.check === 'tunnel-down' && x.subject.startsWith('tunnel hv2/')));
});

test('tunnel-down names the OVS error and, for the reconfiguration race, the way out', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv2 = node(s, 'hv2');
  const stuck = hv2.tunnels[0]!;
  stuck.ofport = null;
  const error = `could not add network device ${stuck.port} to ofproto (File exists)`;
  hv2.interfaces.push({ name: stuck.port, type: 'geneve', ofport: null, externalIds: {}, options: {}, error });
  const down = runChecks(s).find((x) => x.check === 'tunnel-down')!;
  assert.ok(down.message.includes(error));
  assert.match(down.hint, /next reconfiguration/);
  hv2.interfaces.pop();
  assert.match(runChecks(s).find((x) => x.check === 'tunnel-down')!.hint, /malformed VTEP/);
});

test('binding-encap-mismatch: SB disagrees with the VIF, and encap of another chassis', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const pbA = s.southbound!.portBindings.find((p) => p.logicalPort === 'a')!;
  const pbB = s.southbound!.portBindings.find((p) => p.logicalPort === 'b')!;
  const pbC = s.southbound!.portBindings.find((p) => p.logicalPort === 'c')!;
  pbA.encap = pbB.encap; // a is pinned to .11 but the SB says .100
  pbB.encap = pbC.encap; // an encap of hv2
  const f = runChecks(s).filter((x) => x.check === 'binding-encap-mismatch');
  assert.deepEqual(f.map((x) => x.subject).sort(), ['port a', 'port b', 'port b']);
  assert.ok(f.some((x) => x.message.includes('of chassis hv2')));
});

test('remote-vtep-unpinned summarises per chassis; a default pins them', () => {
  const vifs = Array.from({ length: 8 }, (_, i) => ({ lport: `u${i}`, chassis: 'hv2', pf: 'enp1', vf: i, encapIp: null }));
  const s = buildState([TWO_NODES[0]!, { ...TWO_NODES[1]!, pfs: {} }], vifs);
  const f = runChecks(s).filter((x) => x.check === 'remote-vtep-unpinned');
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /^8 VIF\(s\).*and 3 more/);
  const withDefault = buildState([TWO_NODES[0]!, { ...TWO_NODES[1]!, pfs: {}, default: '198.51.100.2' }], vifs);
  assert.deepEqual(runChecks(withDefault).filter((x) => x.check === 'remote-vtep-unpinned'), []);
});

test('ovn-too-old and default-unsupported by version', () => {
  assert.deepEqual(ids(runChecks(buildState(TWO_NODES, TWO_VIFS, '23.09.1')), 'error').filter((c) => c === 'ovn-too-old'), ['ovn-too-old']);
  const withDefault = [{ ...TWO_NODES[0]!, default: '192.0.2.11' }, TWO_NODES[1]!];
  const old = runChecks(buildState(withDefault, TWO_VIFS, '24.09.2'));
  assert.ok(old.some((x) => x.check === 'default-unsupported' && /encap ID 0 = 192\.0\.2\.100/.test(x.message)));
  assert.deepEqual(runChecks(buildState(withDefault, TWO_VIFS, '24.09.3')), []);
});

test('routing: rule-missing, route-egress-wrong, mtu-too-small, vtep-no-device', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  node(s, 'hv1').routing = {
    netns: 'ns1',
    rules: [{ priority: 6081, src: '192.0.2.11', table: '6081' }],
    routes: [{ table: '6081', dst: '192.0.2.0/24', dev: 'vtep0' }],
    addresses: [{ dev: 'vtep0', ip: '192.0.2.11', prefixLen: 24 }, { dev: 'vtep1', ip: '192.0.2.100', prefixLen: 24 }],
    links: [{ name: 'vtep0', mtu: 1500, up: true }, { name: 'vtep1', mtu: 1420, up: true }],
    lookups: [
      { from: '192.0.2.11', to: '198.51.100.1', dev: 'vtep0', gateway: '192.0.2.254', table: '6081' },
      { from: '192.0.2.100', to: '198.51.100.1', dev: 'vtep0', gateway: '192.0.2.254', table: 'main' },
    ],
  };
  const f = runChecks(s).filter((x) => x.subject.startsWith('vtep ') || x.subject.startsWith('device '));
  assert.deepEqual(f.map((x) => `${x.check} ${x.subject}`).sort(), [
    'mtu-too-small device hv1/vtep1',
    'route-egress-wrong vtep hv1/192.0.2.100',
    'rule-missing vtep hv1/192.0.2.100',
  ]);
  node(s, 'hv1').routing!.addresses.pop();
  assert.ok(runChecks(s).some((x) => x.check === 'vtep-no-device' && x.subject === 'vtep hv1/192.0.2.100'));
});

test('SB-only: every chassis checked, clean SB has no findings', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  assert.deepEqual(runChecks({ ...s, nodes: [] }), []);
});
