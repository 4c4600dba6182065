import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNodeEncapConfig, decidePfEncapIp, parseNodeEncapConfig } from '../../src/config/index.ts';

const seed = {
  'system-id': 'hv1',
  'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.3',
  'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.3',
};

test('reads the seed layout from a Map or a plain object alike', () => {
  const a = parseNodeEncapConfig(seed);
  const b = parseNodeEncapConfig(new Map(Object.entries(seed)));
  assert.deepEqual(a.warnings, []);
  assert.equal(a.value.chassis, 'hv1');
  assert.deepEqual(a.value.mapping.entries.map((e) => e.pf), ['enp1s0f0', 'enp2s0f0', 'enp3s0f0']);
  assert.deepEqual(b.value.ovn, a.value.ovn);
  assert.deepEqual(a.value.ovn, { encapIps: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], defaultIp: undefined });
});

test('ovn-encap-ip-<chassis> overrides ovn-encap-ip, also for the default', () => {
  const ids = {
    ...seed,
    'ovn-encap-ip-hv1': '198.51.100.1,198.51.100.2',
    'ovn-encap-ip-default-hv1': '198.51.100.2',
    'ovn-pf-encap-ip-mapping': 'enp1s0f0:198.51.100.1',
  };
  const r = parseNodeEncapConfig(ids);
  assert.equal(r.value.encapIps.key, 'ovn-encap-ip-hv1');
  assert.deepEqual(r.value.ovn, { encapIps: ['198.51.100.1', '198.51.100.2'], defaultIp: '198.51.100.2' });
  assert.deepEqual(r.warnings.map((w) => w.code), ['chassis-override']);
  // A different chassis name falls back to the plain key.
  assert.equal(parseNodeEncapConfig(ids, { chassis: 'hv2' }).value.encapIps.key, 'ovn-encap-ip');
});

test('cross-checks: default not listed, mapped IP not listed, single VTEP', () => {
  const c = checkNodeEncapConfig({
    'ovn-encap-ip': '192.0.2.1',
    'ovn-encap-ip-default': '192.0.2.7',
    'ovn-pf-encap-ip-mapping': 'p0:192.0.2.1,p1:192.0.2.9',
  });
  assert.deepEqual(c.errors, []);
  assert.deepEqual(c.warnings.map((w) => w.code).sort(), ['default-not-listed', 'mapped-ip-not-encap', 'single-encap-ip']);
  assert.equal(c.value.ovn.defaultIp, undefined);
});

test('errors from every key are collected, strict parse throws the first', () => {
  const ids = { 'ovn-encap-ip': '192.0.2.1,x', 'ovn-encap-ip-default': 'y', 'ovn-pf-encap-ip-mapping': 'z' };
  const c = checkNodeEncapConfig(ids);
  assert.deepEqual(c.errors.map((e) => [e.key, e.position]), [['ovn-encap-ip', 2], ['ovn-encap-ip-default', 1], ['ovn-pf-encap-ip-mapping', 1]]);
  assert.throws(() => parseNodeEncapConfig(ids), /ovn-encap-ip: entry 2 "x"/);
});

test('per-PF decision: mapped, unmapped, not listed, unusable', () => {
  const { value } = checkNodeEncapConfig({
    'ovn-encap-ip': '192.0.2.1,192.0.2.2',
    'ovn-pf-encap-ip-mapping': 'p0:192.0.2.1,p1:203.0.113.5,p2:nope',
  });
  assert.deepEqual(decidePfEncapIp(value, 'p0'), { kind: 'mapped', pf: 'p0', ip: '192.0.2.1' });
  assert.deepEqual(decidePfEncapIp(value, 'p1'), { kind: 'not-listed', pf: 'p1', ip: '203.0.113.5' });
  assert.deepEqual(decidePfEncapIp(value, 'p2'), { kind: 'unusable', pf: 'p2' });
  assert.deepEqual(decidePfEncapIp(value, 'p9'), { kind: 'unmapped', pf: 'p9' });
});

test('absent keys give an empty config without errors', () => {
  const c = checkNodeEncapConfig({});
  assert.deepEqual(c.errors, []);
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(c.value.encapIps.ips, []);
  assert.equal(c.value.defaultIp, undefined);
});
