import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNodeEncapConfig } from '../../src/config/index.ts';
import { AttachError } from '../../src/node/attachErrors.ts';
import { decideAttachEncap, planAttach, planDetach, type AttachState } from '../../src/node/attachPlan.ts';

const U = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const empty: AttachState = { bridges: [{ uuid: U(1), name: 'br-int', ports: [] }], ports: [], interfaces: [] };
const attached = (ids: Record<string, string>, bridge = 'br-int'): AttachState => ({
  bridges: [{ uuid: U(1), name: bridge, ports: [U(2)] }, ...(bridge === 'br-int' ? [] : [{ uuid: U(9), name: 'br-int', ports: [] }])],
  ports: [{ uuid: U(2), name: 'rep0', interfaces: [U(3)] }],
  interfaces: [{ uuid: U(3), name: 'rep0', externalIds: new Map(Object.entries(ids)) }],
});
const req = { bridge: 'br-int', iface: 'rep0', ifaceId: 'ns_pod', attachedMac: '02:00:00:00:00:01' };
const mapped = { kind: 'mapped', pf: 'p0', ip: '192.0.2.1' } as const;

test('create: one port with iface-id, the usual keys and encap-ip', () => {
  const plan = planAttach(empty, req, mapped);
  assert.equal(plan.action, 'create');
  assert.deepEqual(plan.action === 'create' && Object.fromEntries(plan.externalIds), {
    'iface-id': 'ns_pod', 'iface-status': 'active', 'attached-mac': '02:00:00:00:00:01', 'encap-ip': '192.0.2.1',
  });
});

test('create for an unmapped PF carries no encap-ip', () => {
  const plan = planAttach(empty, req, { kind: 'unmapped', pf: 'p0' });
  assert.ok(plan.action === 'create' && !plan.externalIds.has('encap-ip'));
});

test('same request twice: unchanged; other clients\' keys are ignored', () => {
  const ids = { 'iface-id': 'ns_pod', 'iface-status': 'active', 'attached-mac': '02:00:00:00:00:01', 'encap-ip': '192.0.2.1', 'ovn-installed': 'true' };
  assert.deepEqual(planAttach(attached(ids), req, mapped), { action: 'unchanged', ifaceUuid: U(3) });
});

test('drifted encap-ip is corrected by single keys; unmapped PF removes the key', () => {
  const ids = { 'iface-id': 'ns_pod', 'iface-status': 'active', 'attached-mac': '02:00:00:00:00:01', 'encap-ip': '192.0.2.9' };
  assert.deepEqual(planAttach(attached(ids), req, mapped),
    { action: 'update', ifaceUuid: U(3), set: new Map([['encap-ip', '192.0.2.1']]), remove: [] });
  assert.deepEqual(planAttach(attached(ids), req, { kind: 'unmapped', pf: 'p0' }),
    { action: 'update', ifaceUuid: U(3), set: new Map(), remove: ['encap-ip'] });
});

const refusals: Array<{ name: string; state: AttachState; code: string; re: RegExp }> = [
  { name: 'no bridge', state: { bridges: [], ports: [], interfaces: [] }, code: 'attach-no-bridge', re: /bridge br-int does not exist/ },
  { name: 'other pod', state: attached({ 'iface-id': 'other_pod' }), code: 'attach-conflict', re: /iface-id other_pod/ },
  { name: 'other bridge', state: attached({ 'iface-id': 'ns_pod' }, 'br-ex'), code: 'attach-wrong-bridge', re: /bridge br-ex/ },
];
for (const c of refusals) {
  test(`refuses: ${c.name}`, () => {
    assert.throws(() => planAttach(c.state, req, mapped), (e: unknown) => e instanceof AttachError && e.code === c.code && c.re.test(e.message));
  });
}

test('encap decision: not-listed and malformed entries refuse, naming the PF and IP', () => {
  const { value } = checkNodeEncapConfig({ 'ovn-encap-ip': '192.0.2.1,192.0.2.2', 'ovn-pf-encap-ip-mapping': 'p0:192.0.2.1,p1:198.51.100.7,p2:x' });
  assert.deepEqual(decideAttachEncap(value, 'p0', 'r'), { kind: 'mapped', pf: 'p0', ip: '192.0.2.1' });
  assert.deepEqual(decideAttachEncap(value, 'p3', 'r'), { kind: 'unmapped', pf: 'p3' });
  assert.throws(() => decideAttachEncap(value, 'p1', 'r'),
    (e: unknown) => e instanceof AttachError && e.code === 'attach-encap-not-listed' && /198\.51\.100\.7.*not in ovn-encap-ip/.test(e.message));
  assert.throws(() => decideAttachEncap(value, 'p2', 'r'), (e: unknown) => e instanceof AttachError && e.code === 'attach-mapping-invalid');
});

test('detach by name or iface-id; absent is not an error', () => {
  const s = attached({ 'iface-id': 'ns_pod' });
  const del = { action: 'delete', bridgeUuid: U(1), portUuid: U(2), iface: 'rep0' };
  assert.deepEqual(planDetach(s, 'br-int', { iface: 'rep0' }), del);
  assert.deepEqual(planDetach(s, 'br-int', { ifaceId: 'ns_pod' }), del);
  assert.deepEqual(planDetach(s, 'br-int', { ifaceId: 'nope' }), { action: 'absent' });
});
