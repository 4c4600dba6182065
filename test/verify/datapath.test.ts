// userspace-tunnel-routing: a netdev integration bridge routes tunnels with
// OVS's own destination-only table, so VTEPs sharing a prefix share one
// egress device. Pure check over fixture states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, type Finding } from '../../src/verify/index.ts';
import { buildState, TWO_NODES, TWO_VIFS, type MutableState } from './fixture.ts';

function hv1(s: MutableState) {
  return s.nodes.find((n) => n.label === 'hv1')!;
}

function userspace(s: MutableState): Finding[] {
  return runChecks(s).filter((f) => f.check === 'userspace-tunnel-routing');
}

/** hv1's two VTEPs (192.0.2.11, 192.0.2.100) on devices with the given prefix lengths. */
function withPrefixes(s: MutableState, len0: number, len1: number): MutableState {
  hv1(s).routing = {
    netns: undefined, rules: [], routes: [], links: [], lookups: [],
    addresses: [{ dev: 'vtep0', ip: '192.0.2.11', prefixLen: len0 }, { dev: 'vtep1', ip: '192.0.2.100', prefixLen: len1 }],
  };
  return s;
}

test('netdev br-int, VTEPs in one /24: error naming bridge, datapath type and VTEPs', () => {
  const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24);
  hv1(s).bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  const f = userspace(s);
  assert.equal(f.length, 1, JSON.stringify(f));
  assert.equal(f[0]!.severity, 'error');
  assert.equal(f[0]!.subject, 'chassis hv1');
  assert.match(f[0]!.message, /br-int has datapath_type=netdev/);
  assert.match(f[0]!.message, /192\.0\.2\.11, 192\.0\.2\.100 share 192\.0\.2\.0\/24/);
  assert.match(f[0]!.hint, /ovs\/route\/add/);
  assert.match(f[0]!.hint, /datapath_type=system/);
});

test('netdev br-int, each VTEP its own prefix: info only, no error', () => {
  // /26: .11 is in 192.0.2.0/26, .100 in 192.0.2.64/26
  const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 26, 26);
  hv1(s).bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['info']);
  assert.match(f[0]!.message, /192\.0\.2\.0\/26, 192\.0\.2\.64\/26/);
});

test('netdev br-int, prefixes unknown: warning; the node spec supplies them', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  hv1(s).bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  let f = userspace(s);
  assert.deepEqual(f.map((x) => `${x.severity} ${x.subject}`), ['warning chassis hv1']);
  assert.match(f[0]!.message, /192\.0\.2\.11, 192\.0\.2\.100 are unknown/);
  hv1(s).spec = { vteps: [{ pf: 'enp1', ip: '192.0.2.11', prefixLen: 24 }, { pf: 'enp2', ip: '192.0.2.100', prefixLen: 24 }] };
  f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['error']);
});

test('kernel datapaths (system, empty) and the lab\'s dummy: nothing, even with a shared prefix', () => {
  for (const datapathType of ['', 'system', 'dummy']) {
    const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24);
    hv1(s).bridges = [{ name: 'br-int', datapathType }, { name: 'br-phy', datapathType: 'netdev' }];
    assert.deepEqual(userspace(s), [], datapathType);
  }
  // older snapshots carry no bridges at all
  assert.deepEqual(userspace(withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24)), []);
});

test('external_ids:ovn-bridge picks the integration bridge', () => {
  const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24);
  const node = hv1(s);
  node.bridges = [{ name: 'br-int', datapathType: 'system' }, { name: 'br-ovn', datapathType: 'netdev' }];
  assert.deepEqual(userspace(s), []);
  node.openVswitch.externalIds['ovn-bridge'] = 'br-ovn';
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['error']);
  assert.match(f[0]!.message, /br-ovn has datapath_type=netdev/);
  node.bridges = [{ name: 'br-int', datapathType: 'netdev' }, { name: 'br-ovn', datapathType: 'system' }];
  assert.deepEqual(userspace(s), []);
});

test('a single-VTEP node is not affected', () => {
  const s = buildState([{ name: 'hv1', ips: ['192.0.2.11'], pfs: { enp1: '192.0.2.11' } }, TWO_NODES[1]!],
    [{ lport: 'a', chassis: 'hv1', pf: 'enp1', vf: 0 }, { lport: 'c', chassis: 'hv2', pf: 'enp1', vf: 0 }]);
  hv1(s).bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  assert.deepEqual(userspace(s), []);
});

// OVS >= 3.7 imports the kernel's `from` rules into ovs-router and looks tunnels
// up with their local_ip as source (/work/shared/spec, measured on 4.0.0).
function sharedNetdev(ovsVersion: string | undefined): Finding[] {
  const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24);
  hv1(s).bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  if (ovsVersion !== undefined) hv1(s).openVswitch.ovsVersion = ovsVersion;
  return userspace(s);
}

test('OVS 3.5.0 on netdev, shared /24: still an error, naming the version', () => {
  for (const v of ['3.5.0', '3.6.2', '3.5.0-1']) {
    const f = sharedNetdev(v);
    assert.deepEqual(f.map((x) => x.severity), ['error'], v);
    assert.match(f[0]!.message, new RegExp(`OVS ${v.replace(/\./g, '\\.')} \\(< 3\\.7\\)`));
    assert.match(f[0]!.hint, /OVS >= 3\.7/);
  }
});

test('OVS 3.7.1 and 4.0.0 on netdev, shared /24: no error, one info saying why', () => {
  for (const v of ['3.7.1', '4.0.0', '3.7.1~git20260101']) {
    const f = sharedNetdev(v);
    assert.deepEqual(f.map((x) => x.severity), ['info'], v);
    assert.match(f[0]!.message, new RegExp(`OVS ${v.replace(/[.~]/g, '\\$&')} \\(>= 3\\.7\\)`));
    assert.match(f[0]!.message, /imports the kernel's ip rules/);
    // Without vswitchd's socket the router itself is unchecked, and the finding says so.
    assert.match(f[0]!.message, /its router was not read/);
    assert.match(f[0]!.hint, /--appctl-target/);
  }
});

test('OVS version unknown (absent, empty, not a version): today\'s error, saying the version is unknown', () => {
  for (const [v, why] of [[undefined, /ovs_version is empty/], ['', /ovs_version is empty/], ['v4', /'v4' is not a version/], ['4.0.0 (patched)', /is not a version/]] as const) {
    const f = sharedNetdev(v);
    assert.deepEqual(f.map((x) => x.severity), ['error'], String(v));
    assert.match(f[0]!.message, /OVS version unknown/);
    assert.match(f[0]!.message, why);
    assert.match(f[0]!.message, /192\.0\.2\.11, 192\.0\.2\.100 share 192\.0\.2\.0\/24/);
  }
});

// OVS >= 3.7 with its router read (ovs/route/rule/show, ovs/route/lookup R src=V): the
// shapes below are what OVS 4.0.0 printed in the netdev lab (test/lab/ovsRouter.lab.test.ts
// produces each of them for real).
const KERNEL_RULES = [
  { priority: 0, table: 'local' }, { priority: 6081, src: '192.0.2.11', table: '6081' },
  { priority: 6082, src: '192.0.2.100', table: '6082' }, { priority: 32766, table: 'main' }, { priority: 32767, table: 'default' },
];
const OVS_RULES = KERNEL_RULES.map((r) => ({ ...r, invert: false, user: false }));

/** hv1 on netdev, OVS 4.0.0, each VTEP on its device, kernel and OVS both sending it out of its own device. */
function healthyRouter(): MutableState {
  const s = withPrefixes(buildState(TWO_NODES, TWO_VIFS), 24, 24);
  const n = hv1(s);
  n.bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  n.openVswitch.ovsVersion = '4.0.0';
  const lookups = [['192.0.2.11', 'vtep0'], ['192.0.2.100', 'vtep1']].map(([from, dev]) => ({ from: from!, to: '198.51.100.2', dev: dev!, gateway: undefined, table: undefined }));
  n.routing = { ...n.routing!, rules: KERNEL_RULES, lookups };
  n.ovsRouter = { target: '/run/ovs-vswitchd.ctl', rules: OVS_RULES, lookups: lookups.map((l) => ({ from: l.from, to: l.to, bySource: true, dev: l.dev })) };
  return s;
}

test('OVS >= 3.7, router read and in line with the kernel: one info with what was compared', () => {
  const f = userspace(healthyRouter());
  assert.deepEqual(f.map((x) => x.severity), ['info'], JSON.stringify(f));
  assert.match(f[0]!.message, /OVS holds 5 rules matching the kernel's, and 2 lookups .* leave on each VTEP's own device as the kernel's do/);
});

test('OVS >= 3.7: kernel rules with fwmark/iif/tos/oif are not imported: a warning naming them', () => {
  const s = healthyRouter();
  const n = hv1(s);
  n.routing = { ...n.routing!, rules: [...KERNEL_RULES, { priority: 100, table: '6082', selectors: ['fwmark'] }, { priority: 101, src: '192.0.2.11', table: '6082', selectors: ['tos'] }] };
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['warning']);
  assert.match(f[0]!.message, /does not import .* 100 \(fwmark, lookup 6082\), 101 \(tos, lookup 6082\)/);
});

test('OVS >= 3.7: a kernel rule OVS lacks is an error; a rule only OVS has (ovs/route/rule/add) a warning', () => {
  const s = healthyRouter();
  const n = hv1(s);
  n.ovsRouter = { ...n.ovsRouter!, rules: [...OVS_RULES.filter((r) => r.priority !== 6082), { priority: 50, src: '192.0.2.0/24', table: '6081', invert: false, user: true }] };
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['error', 'warning'], JSON.stringify(f));
  assert.match(f[0]!.message, /lacks kernel rules 6082: from 192\.0\.2\.100 lookup 6082/);
  assert.match(f[1]!.message, /50: from 192\.0\.2\.0\/24 lookup 6081 \(User\)/);
});

test('OVS >= 3.7: a VTEP OVS routes out of another device, disagreeing with the kernel; a failed lookup', () => {
  const s = healthyRouter();
  const n = hv1(s);
  // As after 'ovs-appctl ovs/route/add 198.51.100.2/32 vtep0 table=6082': OVS's own route wins, the kernel still says vtep1.
  n.ovsRouter = { ...n.ovsRouter!, lookups: [
    { from: '192.0.2.11', to: '198.51.100.2', bySource: true, dev: 'vtep0' },
    { from: '192.0.2.100', to: '198.51.100.2', bySource: true, dev: 'vtep0' },
    { from: '192.0.2.100', to: '198.51.100.9', bySource: true, error: 'ovs/route/lookup: Not found' },
  ] };
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['error', 'error', 'error'], JSON.stringify(f));
  assert.match(f[0]!.message, /finds no route for 192\.0\.2\.100 -> 198\.51\.100\.9 \(ovs\/route\/lookup: Not found\)/);
  assert.match(f[1]!.message, /out of another device: 192\.0\.2\.100 -> 198\.51\.100\.2 out of vtep0, not vtep1$/);
  assert.match(f[2]!.message, /disagrees with the kernel: 192\.0\.2\.100 -> 198\.51\.100\.2: OVS vtep0, kernel vtep1$/);
});

test('OVS >= 3.7: a router that cannot be read is a warning, not a clean bill', () => {
  const s = healthyRouter();
  hv1(s).ovsRouter = { target: '/nowhere.ctl', lookups: [], error: 'cannot reach /nowhere.ctl: ENOENT' };
  const f = userspace(s);
  assert.deepEqual(f.map((x) => x.severity), ['warning']);
  assert.match(f[0]!.message, /could not be read at \/nowhere\.ctl: cannot reach/);
});
