import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingEncap, bindingReason, modelChassis, ovnFeatures } from '../../src/ovn/index.ts';

const f = ovnFeatures([25, 3, 0]);
const two = modelChassis({ name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'vxlan,geneve', encapIpDefault: '192.0.2.2' }, f);
const noDefault = modelChassis({ name: 'hv1', encapIp: '192.0.2.1,192.0.2.2', encapType: 'geneve' }, f);
const single = modelChassis({ name: 'hv1', encapIp: '192.0.2.1', encapType: 'geneve' }, f);

test('encap-ip matching a row pins the binding, geneve row preferred over vxlan', () => {
  const e = bindingEncap(two.encaps, '192.0.2.1');
  assert.equal(e?.ip, '192.0.2.1');
  assert.equal(e?.type, 'geneve');
  assert.equal(bindingReason(two.encaps, '192.0.2.1'), 'pinned');
});

test('unknown encap-ip is silently ignored: no encap at all (not the default)', () => {
  assert.equal(bindingEncap(two.encaps, '203.0.113.9'), undefined);
  assert.equal(bindingReason(two.encaps, '203.0.113.9'), 'unknown-ip');
  // exact match only: no trimming
  assert.equal(bindingEncap(two.encaps, ' 192.0.2.1'), undefined);
});

test('absent encap-ip takes the default row, or nothing without one', () => {
  assert.equal(bindingEncap(two.encaps, undefined)?.ip, '192.0.2.2');
  assert.equal(bindingReason(two.encaps, undefined), 'default');
  assert.equal(bindingEncap(noDefault.encaps, undefined), undefined);
  assert.equal(bindingReason(noDefault.encaps, undefined), 'unpinned');
});

test('a chassis with fewer than two Encap rows ignores encap-ip', () => {
  assert.equal(bindingEncap(single.encaps, '192.0.2.1'), undefined);
  assert.equal(bindingReason(single.encaps, '192.0.2.1'), 'single-encap');
  // one IP but two types = two rows: encap-ip is honoured
  const oneIpTwoTypes = modelChassis({ name: 'hv1', encapIp: '192.0.2.1', encapType: 'geneve,vxlan' }, f);
  assert.equal(bindingEncap(oneIpTwoTypes.encaps, '192.0.2.1')?.type, 'geneve');
});

test('24.03 honours encap-ip even with a single Encap row (the two-row rule came in 24.09.0)', () => {
  const old = ovnFeatures([24, 3, 5]);
  assert.equal(bindingEncap(single.encaps, '192.0.2.1', old)?.ip, '192.0.2.1');
  assert.equal(bindingReason(single.encaps, '192.0.2.1', old), 'pinned');
  assert.equal(bindingEncap(single.encaps, '192.0.2.1', ovnFeatures([24, 9, 0])), undefined);
});
