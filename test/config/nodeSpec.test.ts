import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseNodeSpec, loadNodeSpec, NodeSpecError, validateNodeSpec } from '../../src/config/nodeSpec.ts';
import { contains, parsePrefix, toBigInt, fromBigInt } from '../../src/config/nodeSpecIp.ts';

const BASE = `node: hv1
encapType: geneve
defaultVtep: vtep0
overlayMtu: 1400
routing:
  supernets: [198.51.100.0/24]
  gateway: 192.0.2.254
nics:
  - pf: enp1s0f0
    vtep: vtep0
    ip: 192.0.2.1/24
    vlan: 25
  - pf: enp2s0f0
    vtep: vtep1
    ip: 192.0.2.2/24
`;

test('defaults: bridge br<pf>, table 6081+index, priority = table, MTU from overlayMtu, gateway per NIC', () => {
  const s = parseNodeSpec(BASE, { file: 'hv1.yaml' });
  assert.equal(s.nics.length, 2);
  const [a, b] = s.nics;
  assert.deepEqual([a!.bridge, a!.table, a!.priority, a!.mtu, a!.vlan, a!.gateway], ['brenp1s0f0', 6081, 6081, 1500, 25, '192.0.2.254']);
  assert.deepEqual([b!.bridge, b!.table, b!.priority, b!.vlan], ['brenp2s0f0', 6082, 6082, undefined]);
  assert.equal(s.datapathType, 'system');
  assert.deepEqual(s.supernets.map((p) => `${p.network}/${p.prefixLength}`), ['198.51.100.0/24']);
});

test('overlay MTU 1480 makes the default VTEP MTU 1538 (IPv4) / 1558 (IPv6)', () => {
  const s = parseNodeSpec(BASE.replace('overlayMtu: 1400', 'overlayMtu: 1480')
    .replace('ip: 192.0.2.2/24', 'ip: "2001:db8:1::2/64"').replace('supernets: [198.51.100.0/24]', 'supernets: [198.51.100.0/24]'));
  assert.deepEqual(s.nics.map((n) => n.mtu), [1538, 1558]);
});

test('IPv6 addresses are canonicalised and a per-family gateway list is accepted', () => {
  const s = parseNodeSpec(BASE.replace('ip: 192.0.2.2/24', 'ip: "2001:DB8:1:0::2/64"')
    .replace('supernets: [198.51.100.0/24]', 'supernets: [198.51.100.0/24, "2001:db8:100::/48"]')
    .replace('gateway: 192.0.2.254', 'gateway: [192.0.2.254, "2001:db8:1::fe"]'));
  assert.equal(s.nics[1]!.ip.address, '2001:db8:1::2');
  assert.equal(s.nics[1]!.gateway, '2001:db8:1::fe');
});

interface BadCase {
  name: string;
  edit: (y: string) => string;
  path: string;
  token: string;
  reason: RegExp;
}

const nic2 = (extra: string) => (y: string) => y.replace('    ip: 192.0.2.2/24\n', `    ip: 192.0.2.2/24\n${extra}`);

const BAD: BadCase[] = [
  { name: 'IP without prefix', edit: (y) => y.replace('192.0.2.1/24', '192.0.2.1'), path: 'nics[0].ip', token: '192.0.2.1', reason: /prefix length/ },
  { name: 'not an IP', edit: (y) => y.replace('192.0.2.1/24', '192.0.2.300/24'), path: 'nics[0].ip', token: '192.0.2.300/24', reason: /not an IPv4 or IPv6/ },
  { name: 'prefix too long', edit: (y) => y.replace('192.0.2.1/24', '192.0.2.1/33'), path: 'nics[0].ip', token: '192.0.2.1/33', reason: /exceeds 32/ },
  { name: 'network address as VTEP IP', edit: (y) => y.replace('192.0.2.1/24', '192.0.2.0/24'), path: 'nics[0].ip', token: '192.0.2.0/24', reason: /network or broadcast/ },
  { name: 'VLAN 0', edit: (y) => y.replace('vlan: 25', 'vlan: 0'), path: 'nics[0].vlan', token: '0', reason: /1-4094/ },
  { name: 'VLAN 4095', edit: (y) => y.replace('vlan: 25', 'vlan: 4095'), path: 'nics[0].vlan', token: '4095', reason: /1-4094/ },
  { name: 'VLAN as text', edit: (y) => y.replace('vlan: 25', 'vlan: "25"'), path: 'nics[0].vlan', token: '25', reason: /integer/ },
  { name: 'main table', edit: nic2('    table: 254\n'), path: 'nics[1].table', token: '254', reason: /main and local/ },
  { name: 'table 0', edit: nic2('    table: 0\n'), path: 'nics[1].table', token: '0', reason: /table must be in/ },
  { name: 'duplicate table (explicit vs default)', edit: nic2('    table: 6081\n    priority: 7000\n'), path: 'nics[1].table', token: '6081', reason: /duplicate table: also used by nics\[0\]/ },
  { name: 'duplicate priority', edit: nic2('    priority: 6081\n'), path: 'nics[1].priority', token: '6081', reason: /duplicate rule priority/ },
  { name: 'priority at the main rule', edit: nic2('    priority: 32766\n'), path: 'nics[1].priority', token: '32766', reason: /1-32765/ },
  { name: 'duplicate VTEP IP', edit: (y) => y.replace('192.0.2.2/24', '192.0.2.1/24'), path: 'nics[1].ip', token: '192.0.2.1', reason: /duplicate VTEP IP/ },
  { name: 'duplicate vtep name', edit: (y) => y.replace('vtep: vtep1', 'vtep: vtep0'), path: 'nics[1].vtep', token: 'vtep0', reason: /duplicate VTEP device/ },
  { name: 'duplicate PF', edit: (y) => y.replace('pf: enp2s0f0', 'pf: enp1s0f0'), path: 'nics[1].pf', token: 'enp1s0f0', reason: /duplicate PF/ },
  { name: 'shared bridge', edit: nic2('    bridge: brenp1s0f0\n'), path: 'nics[1].bridge', token: 'brenp1s0f0', reason: /one bridge per PF/ },
  { name: 'interface name too long', edit: (y) => y.replace('vtep: vtep1', 'vtep: vtep-abcdefghijkl'), path: 'nics[1].vtep', token: 'vtep-abcdefghijkl', reason: /1-15 characters/ },
  { name: 'PF name with a colon (breaks the mapping)', edit: (y) => y.replace('pf: enp2s0f0', 'pf: "enp2:0"'), path: 'nics[1].pf', token: 'enp2:0', reason: /interface name/ },
  { name: 'defaultVtep unknown', edit: (y) => y.replace('defaultVtep: vtep0', 'defaultVtep: vtep9'), path: 'defaultVtep', token: 'vtep9', reason: /not the vtep of any NIC/ },
  { name: 'MTU below overlay + 58', edit: nic2('    mtu: 1450\n'), path: 'nics[1].mtu', token: '1450', reason: /1400 \+ 58.*= 1458/ },
  { name: 'IPv6 MTU below overlay + 78', edit: (y) => nic2('    mtu: 1470\n')(y).replace('192.0.2.2/24', '"2001:db8::2/64"').replace('[198.51.100.0/24]', '[]'), path: 'nics[1].mtu', token: '1470', reason: /1400 \+ 78.*= 1478/ },
  { name: 'gateway outside every VTEP subnet', edit: (y) => y.replace('gateway: 192.0.2.254', 'gateway: 203.0.113.1'), path: 'routing.gateway', token: '203.0.113.1', reason: /outside every IPv4 VTEP subnet \(192\.0\.2\.0\/24/ },
  { name: "gateway is a VTEP's own IP (seed's placeholder)", edit: (y) => y.replace('gateway: 192.0.2.254', 'gateway: 192.0.2.1'), path: 'routing.gateway', token: '192.0.2.1', reason: /own address/ },
  { name: 'gateway with prefix', edit: (y) => y.replace('gateway: 192.0.2.254', 'gateway: 192.0.2.254/24'), path: 'routing.gateway', token: '192.0.2.254/24', reason: /without prefix/ },
  { name: 'two IPv4 gateways', edit: (y) => y.replace('gateway: 192.0.2.254', 'gateway: [192.0.2.254, 192.0.2.253]'), path: 'routing.gateway[1]', token: '192.0.2.253', reason: /second IPv4 gateway/ },
  { name: 'supernet with host bits', edit: (y) => y.replace('[198.51.100.0/24]', '[198.51.100.1/24]'), path: 'routing.supernets[0]', token: '198.51.100.1/24', reason: /host bits set: the network is 198\.51\.100\.0\/24/ },
  { name: 'IPv6 supernet without IPv6 VTEP', edit: (y) => y.replace('[198.51.100.0/24]', '[198.51.100.0/24, "2001:db8:100::/48"]'), path: 'routing.supernets[1]', token: '2001:db8:100::/48', reason: /no IPv6 VTEP/ },
  { name: 'NIC in another subnet without its own gateway', edit: (y) => y.replace('192.0.2.2/24', '203.0.113.2/24'), path: 'nics[1].ip', token: '203.0.113.2/24', reason: /not in this VTEP's subnet.*nics\[1\]\.gateway/ },
  { name: 'per-NIC gateway outside its subnet', edit: nic2('    gateway: 203.0.113.1\n'), path: 'nics[1].gateway', token: '203.0.113.1', reason: /outside the VTEP subnet 192\.0\.2\.0\/24/ },
  { name: 'unknown key (typo)', edit: nic2('    tabel: 7\n'), path: 'nics[1].tabel', token: 'tabel', reason: /unknown key/ },
  { name: 'unknown top-level key', edit: (y) => `overlayMTU: 1400\n${y}`, path: 'overlayMTU', token: 'overlayMTU', reason: /unknown key/ },
  { name: 'missing vtep', edit: (y) => y.replace('    vtep: vtep1\n', ''), path: 'nics[1].vtep', token: '', reason: /is required/ },
  { name: 'no NICs', edit: (y) => y.slice(0, y.indexOf('nics:')) + 'nics: []\n', path: 'nics', token: '[]', reason: /at least one NIC/ },
  { name: 'bad encapType', edit: (y) => y.replace('encapType: geneve', 'encapType: "geneve, vxlan"'), path: 'encapType', token: 'geneve, vxlan', reason: /unknown encapsulation " vxlan"/ },
  { name: 'datapath type', edit: (y) => `datapathType: dpdk\n${y}`, path: 'datapathType', token: 'dpdk', reason: /system or netdev/ },
  { name: 'overlay MTU too small', edit: (y) => y.replace('overlayMtu: 1400', 'overlayMtu: 100'), path: 'overlayMtu', token: '100', reason: /576-65000/ },
  { name: 'leading space in node name', edit: (y) => y.replace('node: hv1', 'node: " hv1"'), path: 'node', token: ' hv1', reason: /whitespace/ },
];

for (const c of BAD) {
  test(`rejects: ${c.name}`, () => {
    const text = c.edit(BASE);
    assert.notEqual(text, BASE, 'the edit applied');
    assert.throws(() => parseNodeSpec(text, { file: 'bad.yaml' }), (err: unknown) => {
      assert.ok(err instanceof NodeSpecError, String(err));
      assert.equal(err.code, 'node-spec-invalid');
      const issue = err.issues.find((i) => i.path === c.path);
      assert.ok(issue, `no issue at ${c.path}; got ${err.message}`);
      assert.equal(issue.file, 'bad.yaml');
      assert.equal(issue.token, c.token);
      assert.match(issue.reason, c.reason);
      assert.ok(typeof issue.line === 'number' && issue.line > 0, 'carries the YAML line');
      assert.match(err.message, new RegExp(`bad\\.yaml:\\d+:\\d+: ${c.path.replace(/[[\].]/g, '\\$&')}`));
      return true;
    });
  });
}

test('every problem is reported at once, each with its line', () => {
  const text = BASE.replace('vlan: 25', 'vlan: 5000').replace('192.0.2.2/24', '192.0.2.1/24');
  assert.throws(() => parseNodeSpec(text, { file: 'x.yaml' }), (err: unknown) => {
    assert.ok(err instanceof NodeSpecError);
    assert.deepEqual(err.issues.map((i) => [i.path, i.line]), [['nics[0].vlan', 12], ['nics[1].ip', 15]]);
    return true;
  });
});

test('YAML syntax errors and duplicate keys are NodeSpecErrors with a position', () => {
  for (const text of ['nics: [\n', 'node: a\nnode: b\nnics: []\n']) {
    assert.throws(() => parseNodeSpec(text, { file: 'y.yaml' }), (err: unknown) => err instanceof NodeSpecError && err.issues[0]!.line !== undefined);
  }
});

test('allowUnreachableGateway lets an outside gateway through (for rollback tests)', () => {
  const s = parseNodeSpec(BASE.replace('gateway: 192.0.2.254', 'gateway: 203.0.113.1'), { allowUnreachableGateway: true });
  assert.equal(s.nics[0]!.gateway, '203.0.113.1');
});

test('validateNodeSpec checks objects built in code the same way', () => {
  assert.throws(() => validateNodeSpec({ nics: [{ pf: 'p0', vtep: 'v0', ip: '192.0.2.1/24', vlan: 9999 }] }, { file: 'code' }),
    (err: unknown) => err instanceof NodeSpecError && err.issues[0]!.path === 'nics[0].vlan' && err.issues[0]!.file === 'code');
});

test('the examples parse', async () => {
  for (const f of ['examples/node-hv1.yaml', 'examples/node-dualstack.yaml']) {
    const s = await loadNodeSpec(f);
    assert.ok(s.nics.length >= 2);
    assert.ok(s.nics.every((n) => n.gateway !== undefined), `${f}: every NIC routes its supernets`);
  }
  const text = await readFile('examples/node-dualstack.yaml', 'utf8');
  assert.equal(parseNodeSpec(text).nics[2]!.gateway, '203.0.113.254');
});

test('prefix arithmetic', () => {
  const p = parsePrefix('2001:db8:1::1/64');
  assert.ok(p.ok);
  assert.equal(p.value.network, '2001:db8:1::');
  assert.ok(contains(p.value, '2001:db8:1::fe'));
  assert.ok(!contains(p.value, '2001:db8:2::1'));
  assert.ok(!contains(p.value, '192.0.2.1'));
  assert.equal(fromBigInt(toBigInt('192.0.2.77'), 4), '192.0.2.77');
  assert.equal(fromBigInt(toBigInt('::1'), 6), '::1');
  const q = parsePrefix('198.51.100.7/22');
  assert.ok(q.ok);
  assert.equal(q.value.network, '198.51.100.0');
  assert.ok(contains(q.value, '198.51.103.255'));
  assert.ok(!contains(q.value, '198.51.104.0'));
});

test('a long PF gets the same 15-byte default bridge in the spec, the underlay and the dashboard (the spec rejected it, the dashboard kept 17 bytes)', async () => {
  const { defaultBridgeName } = await import('../../src/config/index.ts');
  const { buildDashboardView } = await import('../../src/web/buildView.ts');
  const s = parseNodeSpec(BASE.replace('pf: enp2s0f0', 'pf: enp2s0f0np0123'), { file: 'hv1.yaml' });
  assert.equal(s.nics[1]!.bridge, 'brnp2s0f0np0123');
  assert.equal(defaultBridgeName('enp2s0f0np0123'), 'brnp2s0f0np0123');
  const view = buildDashboardView({
    source: { kind: 'demo', name: 't' }, pods: [],
    chassis: [{ name: 'hv1', encapIps: ['192.0.2.2'], nics: [{ pf: 'enp2s0f0np0123', ip: '192.0.2.2/24' }] }],
  });
  assert.equal(view.chassis[0]!.bridges[0]!.name, s.nics[1]!.bridge);
  assert.equal(defaultBridgeName('enp1s0f0'), 'brenp1s0f0');
});
