import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  byteCompare, chassisConfigFromExternalIds, encapIdOf, encapIpOrder, modelChassis, modelSouthbound, ovnFeatures,
  ovnTokenSet, parseOvnVersion,
} from '../../src/ovn/index.ts';

const v2503 = ovnFeatures([25, 3, 0]);
const v2409_2 = ovnFeatures([24, 9, 2]);
const v2409_3 = ovnFeatures([24, 9, 3]);
const v2403 = ovnFeatures([24, 3, 4]);

test('encap IP list is parsed like OVN: split on comma, drop empty, no trim, dedupe', () => {
  assert.deepEqual(ovnTokenSet('192.0.2.1,,192.0.2.2,'), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(ovnTokenSet('192.0.2.1, 192.0.2.2'), ['192.0.2.1', ' 192.0.2.2']);
  assert.deepEqual(ovnTokenSet('192.0.2.1,192.0.2.1,192.0.2.3'), ['192.0.2.1', '192.0.2.3']);
  assert.deepEqual(ovnTokenSet(',,,'), []);
  assert.deepEqual(ovnTokenSet('not-an-ip'), ['not-an-ip']);
});

test('encap order is byte-wise: .100 sorts before .11 and .2', () => {
  assert.deepEqual(encapIpOrder(['192.0.2.2', '192.0.2.11', '192.0.2.100'], undefined, v2503),
    ['192.0.2.100', '192.0.2.11', '192.0.2.2']);
  assert.ok(byteCompare('192.0.2.100', '192.0.2.11') < 0);
  assert.ok(byteCompare('198.51.100.9', '198.51.100.10') > 0);
});

test('IPv6 and IPv4 mixed sort byte-wise (digits before letters, "2001:db8::" vs "203.")', () => {
  const ips = ['2001:db8::a', '203.0.113.5', '2001:db8::10', '2001:db8::1'];
  assert.deepEqual(encapIpOrder(ips, undefined, v2503), ['2001:db8::1', '2001:db8::10', '2001:db8::a', '203.0.113.5']);
});

test('default is swapped (not rotated) into index 0 on 24.09.3+ and 25.03+', () => {
  const ips = ['192.0.2.3', '192.0.2.1', '192.0.2.2'];
  assert.deepEqual(encapIpOrder(ips, '192.0.2.3', v2503), ['192.0.2.3', '192.0.2.2', '192.0.2.1']);
  assert.deepEqual(encapIpOrder(ips, '192.0.2.3', v2409_3), ['192.0.2.3', '192.0.2.2', '192.0.2.1']);
  assert.deepEqual(encapIpOrder(ips, '192.0.2.3', v2409_2), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
});

test('version features', () => {
  assert.equal(v2403.encapIpDefault, false);
  assert.equal(v2409_2.encapIpDefault, true);
  assert.equal(v2409_2.defaultIsEncapIdZero, false);
  assert.equal(ovnFeatures([24, 3, 0]).multiEncap, true);
  assert.equal(ovnFeatures([23, 9, 4]).multiEncap, false);
  assert.deepEqual(parseOvnVersion('ovn-controller 25.03.1-1'), [25, 3, 1]);
  assert.throws(() => parseOvnVersion('banana'), /not an OVN version/);
});

test('Encap rows: one per (ip, type), is_default on the default IP rows only', () => {
  const m = modelChassis({ name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'geneve,vxlan', encapIpDefault: '192.0.2.2' }, v2503);
  assert.equal(m.encaps.length, 4);
  assert.deepEqual(m.encaps.filter((e) => e.isDefault).map((e) => `${e.ip}/${e.type}`), ['192.0.2.2/geneve', '192.0.2.2/vxlan']);
  assert.ok(m.encaps.every((e) => e.csum === 'true' && e.chassisName === 'hv1'));
});

test('a default that is not listed exactly is ignored (trailing space counts)', () => {
  const m = modelChassis({ name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'geneve', encapIpDefault: '192.0.2.2 ' }, v2503);
  assert.equal(m.defaultIp, undefined);
  assert.equal(m.defaultRejected, 'not-listed');
  assert.ok(m.encaps.every((e) => !e.isDefault));
});

test('24.03 ignores ovn-encap-ip-default entirely', () => {
  const m = modelChassis({ name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'geneve', encapIpDefault: '192.0.2.2' }, v2403);
  assert.equal(m.defaultRejected, 'unsupported-version');
  assert.deepEqual(m.encapIps, ['192.0.2.1', '192.0.2.2']);
});

test('no ovn-encap-type or ovn-encap-ip: chassis not registered, no rows', () => {
  assert.equal(modelChassis({ name: 'hv1', encapIp: '192.0.2.1', encapType: undefined }, v2503).configured, false);
  assert.equal(modelChassis({ name: 'hv1', encapIp: '192.0.2.1', encapType: undefined }, v2503).encaps.length, 0);
});

test('encap ID of an IP, 0 for unknown or absent', () => {
  const m = modelChassis({ name: 'hv1', encapIp: '192.0.2.11,192.0.2.100,192.0.2.2', encapType: 'geneve' }, v2503);
  assert.equal(encapIdOf(m, '192.0.2.100'), 0);
  assert.equal(encapIdOf(m, '192.0.2.11'), 1);
  assert.equal(encapIdOf(m, '192.0.2.2'), 2);
  assert.equal(encapIdOf(m, '203.0.113.1'), 0);
  assert.equal(encapIdOf(m, undefined), 0);
});

test('per-chassis key overrides: ovn-encap-ip-<chassis> wins', () => {
  const cfg = chassisConfigFromExternalIds(new Map([
    ['system-id', 'hv1'], ['ovn-encap-ip', '192.0.2.1'], ['ovn-encap-ip-hv1', '192.0.2.7,192.0.2.8'], ['ovn-encap-type', 'geneve'],
  ]));
  assert.equal(cfg.encapIp, '192.0.2.7,192.0.2.8');
  assert.equal(cfg.name, 'hv1');
});

test('a (type, ip) claimed by two chassis stays with the first, the second loses the row', () => {
  const sb = modelSouthbound([
    { name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'geneve' },
    { name: 'hv2', encapIp: '192.0.2.2,192.0.2.3', encapType: 'geneve' },
  ], v2503);
  assert.deepEqual(sb.conflicts, [{ ip: '192.0.2.2', type: 'geneve', owner: 'hv1', rejected: 'hv2' }]);
  assert.deepEqual(sb.chassis.get('hv2')!.encaps.map((e) => e.ip), ['192.0.2.3']);
  // the local encap ID order still includes the lost IP (it comes from the OVS config)
  assert.deepEqual(sb.chassis.get('hv2')!.encapIps, ['192.0.2.2', '192.0.2.3']);
});
