import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNodeEncapConfig } from '../../src/config/index.ts';
import { configFingerprint, reconcile, type RepLookup } from '../../src/node/agent/reconcile.ts';
import type { VswitchIface } from '../../src/node/agent/ovsView.ts';

const cfg = (mapping: string, encap = '192.0.2.1,192.0.2.2,192.0.2.3') =>
  checkNodeEncapConfig({ 'ovn-encap-ip': encap, 'ovn-pf-encap-ip-mapping': mapping }).value;
const SEED = 'pfA:192.0.2.1,pfB:192.0.2.2,pfC:192.0.2.3';

const reps: Record<string, RepLookup> = {
  a0: { kind: 'representor', pf: 'pfA' },
  b0: { kind: 'representor', pf: 'pfB' },
  c0: { kind: 'representor', pf: 'pfC' },
  d0: { kind: 'representor', pf: 'pfD' },
  veth1: { kind: 'not-representor' },
  bad0: { kind: 'error', code: 'sriov-legacy-mode', message: 'PF 0000:05:00.0 is in legacy mode' },
};
const lookup = (n: string): RepLookup => reps[n] ?? { kind: 'not-representor' };
let n = 0;
const vif = (name: string, ids: Record<string, string>): VswitchIface => ({ uuid: `u-${name}-${n++}`, name, externalIds: new Map(Object.entries(ids)) });

const cases: Array<{ name: string; mapping?: string; iface: VswitchIface; want: unknown[]; problem?: string; managed: boolean }> = [
  { name: 'adds missing encap-ip', iface: vif('a0', { 'iface-id': 'p1' }), want: [['set', 'a0', '192.0.2.1', undefined]], managed: true },
  { name: 'fixes drift', iface: vif('b0', { 'iface-id': 'p2', 'encap-ip': '192.0.2.1' }), want: [['set', 'b0', '192.0.2.2', '192.0.2.1']], managed: true },
  { name: 'leaves a correct VIF alone', iface: vif('c0', { 'iface-id': 'p3', 'encap-ip': '192.0.2.3' }), want: [], managed: true },
  { name: 'removes when the PF is unmapped', iface: vif('d0', { 'iface-id': 'p4', 'encap-ip': '192.0.2.1' }), want: [['remove', 'd0', undefined, '192.0.2.1']], managed: true },
  { name: 'unmapped PF without the key: nothing', iface: vif('d0', { 'iface-id': 'p4' }), want: [], managed: true },
  { name: 'ignores VIFs without iface-id', iface: vif('a0', {}), want: [], managed: false },
  { name: 'ignores an empty iface-id', iface: vif('a0', { 'iface-id': '' }), want: [], managed: false },
  { name: 'never touches non-representors', iface: vif('veth1', { 'iface-id': 'p5', 'encap-ip': '192.0.2.9' }), want: [], managed: false },
  { name: 'reports sysfs problems, no write', iface: vif('bad0', { 'iface-id': 'p6', 'encap-ip': '192.0.2.9' }), want: [], problem: 'sriov', managed: false },
  {
    name: 'refuses an IP OVN does not list', mapping: 'pfA:198.51.100.1', iface: vif('a0', { 'iface-id': 'p7', 'encap-ip': '192.0.2.1' }),
    want: [], problem: 'not-listed', managed: true,
  },
  {
    name: 'leaves a PF with a malformed entry alone', mapping: 'pfA:192.0.2.1,pfB:nope', iface: vif('b0', { 'iface-id': 'p8', 'encap-ip': '192.0.2.3' }),
    want: [], problem: 'unusable', managed: true,
  },
  {
    name: 'a malformed entry for another PF does not stop this one', mapping: 'pfA:192.0.2.1,pfB:nope', iface: vif('a0', { 'iface-id': 'p9' }),
    want: [['set', 'a0', '192.0.2.1', undefined]], managed: true,
  },
  {
    name: 'IPv6 mapping (split at the first colon)', mapping: 'pfA:2001:db8::a', iface: vif('a0', { 'iface-id': 'p10' }),
    want: [['set', 'a0', '2001:db8::a', undefined]], managed: true,
  },
];

for (const c of cases) {
  test(`reconcile: ${c.name}`, () => {
    const encap = c.mapping?.includes('2001:db8') ? '192.0.2.1,2001:db8::a' : undefined;
    const r = reconcile(cfg(c.mapping ?? SEED, encap), [c.iface], lookup);
    assert.deepEqual(r.mutations.map((m) => [m.kind, m.iface, m.kind === 'set' ? m.ip : undefined, m.previous]), c.want);
    assert.deepEqual(r.problems.map((p) => p.kind), c.problem ? [c.problem] : []);
    assert.equal(r.managed.includes(c.iface.name), c.managed);
    for (const m of r.mutations) assert.equal(m.uuid, c.iface.uuid);
  });
}

test('reconcile: many VIFs, one pass, each decided on its own', () => {
  const vifs = ['a0', 'b0', 'c0', 'd0', 'veth1'].map((x) => vif(x, { 'iface-id': x, 'encap-ip': '192.0.2.2' }));
  const r = reconcile(cfg(SEED), vifs, lookup);
  assert.deepEqual(r.mutations.map((m) => `${m.kind}:${m.iface}`), ['set:a0', 'set:c0', 'remove:d0']);
});

test('config fingerprint changes with any key that affects decisions, and only those', () => {
  const base = new Map([['system-id', 'hv1'], ['ovn-encap-ip', '192.0.2.1'], ['ovn-remote', 'tcp:x']]);
  const fp = configFingerprint(base, undefined);
  assert.equal(configFingerprint(new Map([...base, ['ovn-remote', 'tcp:y']]), undefined), fp);
  for (const k of ['ovn-encap-ip', 'ovn-encap-ip-default', 'ovn-pf-encap-ip-mapping', 'ovn-encap-ip-hv1', 'ovn-encap-ip-default-hv1']) {
    assert.notEqual(configFingerprint(new Map([...base, [k, 'changed']]), undefined), fp, k);
  }
});
