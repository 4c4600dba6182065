import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossZoneVerdict, encapRowForIp, modelZone, ovnFeatures, type EncapRow, type ZoneInput } from '../../src/ovn/index.ts';

const features = ovnFeatures([25, 3, 0]);
const row = (chassisName: string, ip: string, type = 'geneve'): EncapRow => ({ chassisName, ip, type, isDefault: false, csum: 'true' });
const hv2 = [row('hv2', '192.0.2.21'), row('hv2', '192.0.2.22'), row('hv2', '192.0.2.23')];

function zone(over: Partial<ZoneInput> = {}): ZoneInput {
  return {
    name: 'hv1', features,
    localChassis: [{ name: 'hv1', encapIp: '192.0.2.11,192.0.2.12', encapType: 'geneve', interconn: true }],
    remoteChassis: [{ name: 'hv2', encaps: hv2 }],
    vifs: [{ lport: 'a', chassis: 'hv1', encapIp: '192.0.2.12' }],
    remotePorts: [{ lport: 'b', chassis: 'hv2' }],
    ...over,
  };
}

test('an interconnect chassis builds the full local x remote mesh; without ovn-is-interconn none', () => {
  assert.equal(modelZone(zone()).tunnels.get('hv1')!.length, 6);
  const off = modelZone(zone({ localChassis: [{ name: 'hv1', encapIp: '192.0.2.11,192.0.2.12', encapType: 'geneve', interconn: false }] }));
  assert.equal(off.tunnels.get('hv1')!.length, 0);
  assert.equal(off.egress('a', 'b').reason, 'no-tunnel');
});

test('a remote port without encap: source VTEP from the VIF, destination any of the remote VTEPs', () => {
  const e = modelZone(zone()).egress('a', 'b');
  assert.equal(e.reason, 'remote-unpinned');
  assert.deepEqual(e.candidates.map((c) => `${c.localIp}>${c.remoteIp}`), ['192.0.2.12>192.0.2.21', '192.0.2.12>192.0.2.22', '192.0.2.12>192.0.2.23']);
  assert.equal(crossZoneVerdict(e, '192.0.2.22'), 'arbitrary');
  assert.equal(crossZoneVerdict(e, undefined), 'no-home-vtep');
});

test('a written remote Port_Binding.encap pins the destination; a stale one is cleared', () => {
  const pinned = modelZone(zone({ remotePorts: [{ lport: 'b', chassis: 'hv2', encapIp: '192.0.2.22' }] }));
  assert.equal(pinned.remotePorts.get('b')!.reason, 'written');
  const e = pinned.egress('a', 'b');
  assert.equal(e.reason, 'pinned');
  assert.deepEqual(e.candidates, [{ localIp: '192.0.2.12', remoteIp: '192.0.2.22' }]);
  assert.equal(crossZoneVerdict(e, '192.0.2.22'), 'steered');
  assert.equal(crossZoneVerdict(e, '192.0.2.23'), 'wrong');
  const stale = modelZone(zone({ remotePorts: [{ lport: 'b', chassis: 'hv2', encapIp: '192.0.2.99' }] }));
  assert.equal(stale.remotePorts.get('b')!.reason, 'stale');
  assert.equal(stale.egress('a', 'b').reason, 'remote-unpinned');
});

test('requested-encap-ip counts only where the running OVN was found to support it', () => {
  const ports = [{ lport: 'b', chassis: 'hv2', requestedEncapIp: '192.0.2.23' }];
  assert.equal(modelZone(zone({ remotePorts: ports })).egress('a', 'b').reason, 'remote-unpinned');
  const on = modelZone(zone({ remotePorts: ports, icFeatures: { requestedEncapIp: true } }));
  assert.equal(on.remotePorts.get('b')!.reason, 'requested');
  assert.deepEqual(on.egress('a', 'b').candidates, [{ localIp: '192.0.2.12', remoteIp: '192.0.2.23' }]);
});

test('encapRowForIp prefers geneve over vxlan for one IP', () => {
  assert.equal(encapRowForIp([row('x', '192.0.2.1', 'vxlan'), row('x', '192.0.2.1', 'geneve')], '192.0.2.1')!.type, 'geneve');
  assert.equal(encapRowForIp([row('x', '192.0.2.1')], '192.0.2.2'), undefined);
});
