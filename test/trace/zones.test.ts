// trace across interconnect zones on built states (test/verify/icFixture.ts): homes, the port crossed, the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainAcrossZones } from '../../src/trace/index.ts';
import { binding, buildIcState, encapUuid, IC_NODES, IC_PODS, zone } from '../verify/icFixture.ts';

test('unsteered L2 pair: the source zone sends to the pod\'s remote port, destination arbitrary among its node\'s VTEPs', () => {
  const r = explainAcrossZones(buildIcState(IC_NODES, IC_PODS, { steered: false }), 'pod-hv1-0', 'pod-hv2-1');
  assert.equal(r.to, 'pod-hv2-1');
  assert.equal(r.destination_chassis, 'hv2');
  assert.equal(r.determined, false);
  assert.deepEqual(r.candidates.map((c) => c.remote_ip).sort(), ['192.0.2.21', '192.0.2.22']);
  assert.deepEqual(r.interconnect, {
    sourceZone: 'hv1', destinationZone: 'hv2', remotePort: { lport: 'pod-hv2-1', transit: false, encapIp: null },
    destinationHomeVtep: '192.0.2.22', verdict: 'arbitrary',
  });
  assert.deepEqual(r.steps.map((s) => s.step).slice(-5), ['remote-chassis', 'remote-port', 'home-vtep', 'remote-vtep', 'destination-vif']);
  assert.ok(r.warnings.some((w) => /cross-zone destination arbitrary: pod-hv2-1's home VTEP is 192\.0\.2\.22, .*fix: mvtep ic steer/.test(w)), r.warnings.join('\n'));
});

test('steered pair: one tunnel, to the destination pod VTEP; a wrong pin is "wrong"', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { transit: false });
  const r = explainAcrossZones(s, 'pod-hv1-1', 'pod-hv3-0');
  assert.equal(r.determined, true);
  assert.deepEqual([r.local_ip, r.remote_ip], ['192.0.2.12', '192.0.2.31']);
  assert.equal(r.interconnect?.verdict, 'steered');
  assert.deepEqual(r.warnings, []);
  binding(s, 'hv1', 'pod-hv3-0').encap = encapUuid('hv1', 'hv3', '192.0.2.32');
  const w = explainAcrossZones(s, 'pod-hv1-1', 'pod-hv3-0');
  assert.equal(w.remote_ip, '192.0.2.32');
  assert.equal(w.interconnect?.verdict, 'wrong');
  assert.deepEqual(w.interconnect?.remotePort, { lport: 'pod-hv3-0', transit: false, encapIp: '192.0.2.32' });
});

test('a routed pair (no remote port of the pod in the source zone) goes through the one transit port of the destination node', () => {
  const s = buildIcState();
  const sb = zone(s, 'hv1').southbound!;
  sb.portBindings = sb.portBindings.filter((p) => p.logicalPort !== 'pod-hv2-0');
  const r = explainAcrossZones(s, 'pod-hv1-0', 'pod-hv2-0');
  assert.deepEqual(r.interconnect?.remotePort, { lport: 'tstor-hv2', transit: true, encapIp: null });
  assert.equal(r.interconnect?.verdict, 'arbitrary');
  assert.match(r.steps.find((x) => x.step === 'remote-port')!.text, /transit port tstor-hv2 of hv2/);
  // Two transit ports to the node: which one is routed to is not modelled, and trace says so.
  sb.portBindings.push({ logicalPort: 'tstor-hv2_tun1', type: 'remote', chassis: 'hv2', encap: undefined });
  assert.throws(() => explainAcrossZones(s, 'pod-hv1-0', 'pod-hv2-0'), /reaches hv2 through 2 transit ports \(tstor-hv2, tstor-hv2_tun1\)/);
});

test('unknown pods, unreachable zones, pods within one zone', () => {
  const s = buildIcState();
  assert.throws(() => explainAcrossZones(s, 'nope', 'pod-hv2-0'), /no zone binds logical port 'nope' to a local chassis/);
  const z = zone(s, 'hv3');
  delete z.southbound;
  z.error = 'down';
  assert.throws(() => explainAcrossZones(s, 'pod-hv1-0', 'pod-hv3-0'), /no zone binds logical port 'pod-hv3-0' to a local chassis \(unreadable zones: hv3\)/);
  const same = explainAcrossZones(s, 'pod-hv1-0', 'pod-hv1-1');
  assert.equal(same.reason, 'local');
  assert.deepEqual(same.interconnect, { sourceZone: 'hv1', destinationZone: 'hv1', remotePort: null, destinationHomeVtep: '192.0.2.12', verdict: null });
  assert.throws(() => explainAcrossZones({ ...s, zones: [] }, 'a', 'b'), /needs zones/);
});

test('routed path: the longest matching static route picks the transit port by its nexthop; no route, no port', async () => {
  const { routedTransitPort } = await import('../../src/ovn/index.ts');
  const routing = {
    routes: [
      { router: 'lr-hv1', prefix: '203.0.113.80/28', nexthop: '198.51.100.2', steering: false },
      { router: 'lr-hv1', prefix: '203.0.113.83/32', nexthop: '203.0.113.146', outputPort: 'mvtep-ts-hv1-1', steering: true },
    ],
    transitPorts: [
      { lport: 'tstor-hv2', ips: ['198.51.100.2'] },
      { lport: 'mvtep-tstor-hv2-1', ips: ['203.0.113.146'] },
    ],
  };
  assert.equal(routedTransitPort(routing, '203.0.113.83')?.lport, 'mvtep-tstor-hv2-1');
  assert.equal(routedTransitPort(routing, '203.0.113.83')?.hop.steering, true);
  assert.equal(routedTransitPort(routing, '203.0.113.84')?.lport, 'tstor-hv2', 'the node subnet route for a pod without a /32');
  assert.equal(routedTransitPort(routing, '203.0.113.99'), undefined);
  assert.equal(routedTransitPort({ ...routing, transitPorts: [] }, '203.0.113.83'), undefined, 'a nexthop that is no transit port');
});
