import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  floodEgress, modelTopology, ovnFeatures, parseTunnelChassisId, tunnelMesh, modelSouthbound, unicastEgress,
  type ChassisConfig,
} from '../../src/ovn/index.ts';

const f = ovnFeatures([25, 3, 0]);
const sandbox: ChassisConfig[] = [
  { name: 'hv1', encapIp: '192.0.2.1,192.0.2.2,192.0.2.3', encapType: 'geneve' },
  { name: 'hv2', encapIp: '198.51.100.1,198.51.100.2', encapType: 'geneve' },
];

test('tunnel mesh is |local| x |remote| with ovn-chassis-id R@remote%local', () => {
  const sb = modelSouthbound(sandbox, f);
  const t = tunnelMesh(sb.chassis.get('hv1')!, sb.chassis.values());
  assert.equal(t.length, 6);
  assert.ok(t.some((x) => x.chassisId === 'hv2@198.51.100.2%192.0.2.3'));
  assert.deepEqual(parseTunnelChassisId('hv2@198.51.100.2%192.0.2.3'), { chassis: 'hv2', remoteIp: '198.51.100.2', localIp: '192.0.2.3' });
  assert.deepEqual(parseTunnelChassisId('hv2@2001:db8::1%2001:db8::2'), { chassis: 'hv2', remoteIp: '2001:db8::1', localIp: '2001:db8::2' });
  assert.equal(parseTunnelChassisId('hv2@198.51.100.2')!.localIp, undefined);
  assert.equal(parseTunnelChassisId('garbage'), undefined);
});

test('geneve is preferred over vxlan when both chassis have both; vxlan when only common type', () => {
  const sb = modelSouthbound([
    { name: 'a', encapIp: '192.0.2.1', encapType: 'vxlan,geneve' },
    { name: 'b', encapIp: '192.0.2.2', encapType: 'geneve,vxlan' },
    { name: 'c', encapIp: '192.0.2.3', encapType: 'vxlan' },
    { name: 'd', encapIp: '192.0.2.4', encapType: 'geneve' },
  ], f);
  const a = tunnelMesh(sb.chassis.get('a')!, sb.chassis.values());
  assert.deepEqual(a.map((t) => `${t.chassis}:${t.type}`).sort(), ['b:geneve', 'c:vxlan', 'd:geneve']);
  const c = tunnelMesh(sb.chassis.get('c')!, sb.chassis.values());
  assert.deepEqual(c.map((t) => t.chassis).sort(), ['a', 'b']); // no common type with d
});

test('transport zones: tunnels only between overlapping zones', () => {
  const sb = modelSouthbound([
    { name: 'a', encapIp: '192.0.2.1', encapType: 'geneve', transportZones: ['tz1'] },
    { name: 'b', encapIp: '192.0.2.2', encapType: 'geneve', transportZones: ['tz2'] },
    { name: 'c', encapIp: '192.0.2.3', encapType: 'geneve', transportZones: ['tz2', 'tz1'] },
  ], f);
  assert.deepEqual(tunnelMesh(sb.chassis.get('a')!, sb.chassis.values()).map((t) => t.chassis), ['c']);
});

test('the sandbox observations of spec §5', () => {
  const m = modelTopology({
    features: f,
    chassis: sandbox,
    vifs: [
      { lport: 'p1', chassis: 'hv1', encapIp: '192.0.2.2' },
      { lport: 'p2', chassis: 'hv1', encapIp: undefined },
      { lport: 'p3', chassis: 'hv1', encapIp: '203.0.113.99' },
      { lport: 'q1', chassis: 'hv2', encapIp: '198.51.100.2' },
      { lport: 'q2', chassis: 'hv2', encapIp: undefined },
      { lport: 'p4', chassis: 'hv1', encapIp: '192.0.2.3' },
    ],
  });
  // pinned both ends: determined
  const a = m.egress('p1', 'q1');
  assert.equal(a.determined, true);
  assert.deepEqual(a.candidates, [{ localIp: '192.0.2.2', remoteIp: '198.51.100.2' }]);
  assert.equal(a.encapId, 1);
  // remote without encap: local fixed, remote arbitrary
  const b = m.egress('p1', 'q2');
  assert.equal(b.reason, 'remote-unpinned');
  assert.equal(b.determined, false);
  assert.deepEqual(b.candidates.map((c) => c.localIp), ['192.0.2.2', '192.0.2.2']);
  assert.deepEqual(b.candidates.map((c) => c.remoteIp).sort(), ['198.51.100.1', '198.51.100.2']);
  // VIF without encap: local = smallest string
  const c = m.egress('p2', 'q1');
  assert.deepEqual(c.candidates, [{ localIp: '192.0.2.1', remoteIp: '198.51.100.2' }]);
  assert.equal(c.encapId, 0);
  // bogus encap-ip: same as no encap
  assert.deepEqual(m.egress('p3', 'q1').candidates, c.candidates);
  assert.equal(m.bindings.get('p3')!.reason, 'unknown-ip');
  // same chassis: no tunnel
  assert.equal(m.egress('p1', 'p4').reason, 'local');
  assert.throws(() => m.egress('p1', 'nope'), /unknown logical port/);
});

test('string-order trap: VIF without encap leaves from .100, not .2', () => {
  const m = modelTopology({
    features: f,
    chassis: [
      { name: 'hv1', encapIp: '192.0.2.2,192.0.2.11,192.0.2.100', encapType: 'geneve' },
      { name: 'hv2', encapIp: '198.51.100.7,198.51.100.8', encapType: 'geneve' },
    ],
    vifs: [{ lport: 'a', chassis: 'hv1', encapIp: undefined }, { lport: 'b', chassis: 'hv2', encapIp: '198.51.100.8' }],
  });
  assert.deepEqual(m.egress('a', 'b').candidates, [{ localIp: '192.0.2.100', remoteIp: '198.51.100.8' }]);
});

test('default swapped to ID 0: unpinned VIF leaves from the default (>= 25.03) via the default binding', () => {
  const chassis: ChassisConfig[] = [
    { name: 'hv1', encapIp: '2001:db8::1,2001:db8::2,2001:db8::3', encapType: 'geneve', encapIpDefault: '2001:db8::3' },
    { name: 'hv2', encapIp: '2001:db8:1::1,2001:db8:1::2', encapType: 'geneve' },
  ];
  const vifs = [{ lport: 'a', chassis: 'hv1', encapIp: undefined }, { lport: 'b', chassis: 'hv2', encapIp: '2001:db8:1::1' }];
  const m = modelTopology({ features: f, chassis, vifs });
  assert.equal(m.bindings.get('a')!.encap?.ip, '2001:db8::3');
  const e = m.egress('a', 'b');
  assert.equal(e.encapId, 0);
  assert.deepEqual(e.candidates, [{ localIp: '2001:db8::3', remoteIp: '2001:db8:1::1' }]);
  // 24.09.2: binding points at the default, its ID is its sorted index, same tunnel
  const old = modelTopology({ features: ovnFeatures([24, 9, 2]), chassis, vifs }).egress('a', 'b');
  assert.equal(old.encapId, 2);
  assert.deepEqual(old.candidates, e.candidates);
  // 24.03: no default at all, smallest string
  const o2 = modelTopology({ features: ovnFeatures([24, 3, 2]), chassis, vifs }).egress('a', 'b');
  assert.deepEqual(o2.candidates, [{ localIp: '2001:db8::1', remoteIp: '2001:db8:1::1' }]);
});

test('no tunnel with the local IP: any tunnel to the chassis', () => {
  const e = unicastEgress({ name: 'hv1', encapIps: ['192.0.2.9', '192.0.2.1'] }, { chassis: 'hv1', encap: { ip: '192.0.2.9' } },
    { chassis: 'hv2', encap: { ip: '198.51.100.1' } },
    [{ chassis: 'hv2', type: 'geneve', localIp: '192.0.2.1', remoteIp: '198.51.100.1', chassisId: 'hv2@198.51.100.1%192.0.2.1' },
      { chassis: 'hv2', type: 'geneve', localIp: '192.0.2.1', remoteIp: '198.51.100.2', chassisId: 'hv2@198.51.100.2%192.0.2.1' }]);
  assert.equal(e.reason, 'no-local-tunnel');
  assert.equal(e.candidates.length, 2);
  assert.equal(e.determined, false);
});

test('flood: one candidate set per remote chassis, all its tunnels', () => {
  const sb = modelSouthbound([...sandbox, { name: 'hv3', encapIp: '203.0.113.1', encapType: 'geneve' }], f);
  const hv1 = sb.chassis.get('hv1')!;
  const fl = floodEgress(hv1, { chassis: 'hv1', encap: undefined }, tunnelMesh(hv1, sb.chassis.values()));
  assert.deepEqual(fl.map((p) => [p.remoteChassis, p.candidates.length]), [['hv2', 6], ['hv3', 3]]);
});
