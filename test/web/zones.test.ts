// The dashboard's interconnect rows on built states: one row per zone, the zone x zone verdict matrix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zonesDashboardView, zoneViews } from '../../src/web/index.ts';
import { binding, buildIcState, encapUuid, zone } from '../verify/icFixture.ts';

test('zone rows: own chassis, pods, remote pod ports by verdict; transit ports counted apart', () => {
  const s = buildIcState(undefined, undefined, { steered: false });
  binding(s, 'hv1', 'pod-hv2-0').encap = encapUuid('hv1', 'hv2', '192.0.2.21'); // its home VTEP: steered
  binding(s, 'hv1', 'pod-hv2-1').encap = encapUuid('hv1', 'hv2', '192.0.2.21'); // not its home VTEP: wrong
  const { zones, crossZone } = zoneViews(s);
  assert.deepEqual(zones[0], {
    name: 'hv1', reachable: true, error: null, ovnVersion: '25.03.0', chassis: ['hv1'], remoteChassis: 2, pods: 2,
    remotePods: { steered: 1, arbitrary: 2, wrong: 1, noHomeVtep: 0 }, otherRemotePorts: 2,
  });
  const cell = (from: string, to: string) => crossZone.find((c) => c.from === from && c.to === to);
  assert.deepEqual(cell('hv1', 'hv2'), { from: 'hv1', to: 'hv2', steered: 1, arbitrary: 0, wrong: 1, noHomeVtep: 0 });
  assert.deepEqual(cell('hv1', 'hv3'), { from: 'hv1', to: 'hv3', steered: 0, arbitrary: 2, wrong: 0, noHomeVtep: 0 });
  assert.equal(crossZone.length, 6);
});

test('an unreachable zone keeps its row with the error; its pods elsewhere count as other remote ports', () => {
  const s = buildIcState();
  const z = zone(s, 'hv3');
  delete z.southbound;
  delete z.ovnVersion;
  z.error = 'unix:/x: connect ENOENT';
  const v = zonesDashboardView(s, 'zones.yaml', new Date(0));
  assert.deepEqual(v.zones?.map((x) => [x.name, x.reachable, x.error]), [['hv1', true, null], ['hv2', true, null], ['hv3', false, 'unix:/x: connect ENOENT']]);
  assert.equal(v.zones![0]!.otherRemotePorts, 2 + 2, 'two transit ports and hv3\'s two pods');
  // The drawing: each zone's own chassis once (not once per zone that sees it as remote), its pods.
  assert.deepEqual(v.chassis.map((c) => c.name), ['hv1', 'hv2']);
  assert.equal(v.steering.length, 4);
  assert.ok(v.findings.some((f) => f.check === 'ic-zone-unreachable'));
  assert.deepEqual(v.source, { kind: 'cluster', name: 'zones.yaml' });
});
