// The interconnect checks (verify --zones) on built states: data in, findings out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, makeReport, parseSnapshot, runChecks, type Finding } from '../../src/verify/index.ts';
import { binding, buildIcState, encapUuid, IC_NODES, IC_PODS, zone } from './icFixture.ts';

const ic = (f: readonly Finding[]) => f.filter((x) => x.check.startsWith('ic-'));
const brief = (f: readonly Finding[]) => ic(f).map((x) => `${x.severity} ${x.check} ${x.subject}`).sort();

test('steered zones without transit ports: no findings at all', () => {
  assert.deepEqual(runChecks(buildIcState(IC_NODES, IC_PODS, { transit: false })), []);
});

test('ic-destination-arbitrary: unsteered remote pod ports are errors, one per home chassis (the root cause), counted', () => {
  const f = runChecks(buildIcState(IC_NODES, IC_PODS, { steered: false, transit: false }));
  const hits = f.filter((x) => x.check === 'ic-destination-arbitrary');
  assert.equal(hits.length, 3, 'one per node, not one per zone and node');
  assert.ok(hits.every((h) => h.severity === 'error'));
  const one = hits.find((h) => h.subject === 'chassis hv2')!;
  assert.match(one.message, /^4 remote port\(s\) of 2 pod\(s\) homed on hv2 have no Port_Binding.encap in 2 zone\(s\) \(hv1, hv3\)/);
  assert.match(one.message, /arbitrary one of 192\.0\.2\.21, 192\.0\.2\.22, .*e\.g\. pod-hv2-0 in hv1, pod-hv2-0 in hv3, pod-hv2-1 in hv1 and 1 more/);
  assert.match(one.hint, /mvtep ic steer --zones/);
});

test('ic-destination-arbitrary: transit ports (no home pod) are warnings, and a single-VTEP destination is no finding', () => {
  const f = runChecks(buildIcState());
  assert.deepEqual(brief(f), [
    'warning ic-destination-arbitrary chassis hv1', 'warning ic-destination-arbitrary chassis hv2', 'warning ic-destination-arbitrary chassis hv3',
  ]);
  assert.match(f[0]!.message, /^2 remote port\(s\) bound to hv1 have no Port_Binding.encap in 2 zone\(s\) \(hv2, hv3\) .*\(transit ports, .*e\.g\. tstor-hv1 in hv2, tstor-hv1 in hv3\)/);
  // One VTEP per node: OVN has one tunnel to pick, and that VTEP is the pod's.
  const single = IC_NODES.map((n) => ({ name: n.name, ips: [n.ips[0]!] }));
  const pods = single.map((n) => ({ lport: `p-${n.name}`, node: n.name, vtep: null }));
  assert.deepEqual(runChecks(buildIcState(single, pods, { steered: false })), []);
});

test('ic-destination-arbitrary: a pod whose home gives it no VTEP is a warning, not an error', () => {
  const pods = [...IC_PODS, { lport: 'loose', node: 'hv2', vtep: null }];
  const f = ic(runChecks(buildIcState(IC_NODES, pods, { transit: false })));
  assert.deepEqual(brief(f), ['warning ic-destination-arbitrary chassis hv2']);
  assert.match(f[0]!.message, /e\.g\. loose in hv1, loose in hv3\)/);
});

test('ic-steering-drift: a remote port pinned to another VTEP than its pod home one', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { transit: false });
  binding(s, 'hv1', 'pod-hv2-0').encap = encapUuid('hv1', 'hv2', '192.0.2.22');
  // Pinned to an Encap row of another chassis altogether: followed as is, so drift too.
  binding(s, 'hv3', 'pod-hv1-1').encap = encapUuid('hv3', 'hv2', '192.0.2.21');
  const f = ic(runChecks(s));
  assert.deepEqual(brief(f), ['error ic-steering-drift chassis hv1', 'error ic-steering-drift chassis hv2']);
  assert.match(f.find((x) => x.subject === 'chassis hv2')!.message, /^1 remote port\(s\) of 1 pod\(s\) homed on hv2 .* in 1 zone\(s\) \(hv1\): pod-hv2-0 \(192\.0\.2\.22, home 192\.0\.2\.21\) in hv1/);
});

test('a pod moved in its home zone: the old pin elsewhere becomes drift', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { transit: false });
  binding(s, 'hv2', 'pod-hv2-0').encap = encapUuid('hv2', 'hv2', '192.0.2.22');
  const f = ic(runChecks(s));
  assert.deepEqual(brief(f), ['error ic-steering-drift chassis hv2']);
  assert.match(f[0]!.message, /^2 remote port\(s\) of 1 pod\(s\) .* in 2 zone\(s\) \(hv1, hv3\)/);
});

test('ic-remote-encaps-differ: a zone copy of a remote chassis missing or adding a VTEP', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { transit: false });
  const sb = zone(s, 'hv1').southbound!;
  const hv2 = sb.chassis.find((c) => c.name === 'hv2')!;
  hv2.encaps = [encapUuid('hv1', 'hv2', '192.0.2.21')];
  sb.encaps = sb.encaps.filter((e) => e.uuid !== encapUuid('hv1', 'hv2', '192.0.2.22'));
  // The dangling pin to the removed row is gone too (ovsdb clears weak refs).
  binding(s, 'hv1', 'pod-hv2-1').encap = undefined;
  const f = ic(runChecks(s));
  const d = f.find((x) => x.check === 'ic-remote-encaps-differ')!;
  assert.equal(d.severity, 'warning');
  assert.equal(d.subject, 'zone hv1: chassis hv2');
  assert.match(d.message, /zone hv1 holds VTEPs 192\.0\.2\.21 for remote chassis hv2, but its home zone hv2 has 192\.0\.2\.21, 192\.0\.2\.22 \(missing 192\.0\.2\.22\)/);
  // The port whose VTEP this zone lacks: one tunnel left, and it is the wrong one.
  assert.deepEqual(brief(f), ['error ic-destination-arbitrary chassis hv2', 'warning ic-remote-encaps-differ zone hv1: chassis hv2']);
  assert.match(f[0]!.message, /in 1 zone\(s\) \(hv1\), and their home VTEP is not among the ones those zones know for hv2: pod-hv2-1 \(home 192\.0\.2\.22\) in hv1/);
  const extra = buildIcState(IC_NODES, IC_PODS, { transit: false });
  const sb3 = zone(extra, 'hv3').southbound!;
  sb3.encaps.push({ uuid: 'enc-extra', chassisName: 'hv1', ip: '192.0.2.19', type: 'geneve', options: {} });
  sb3.chassis.find((c) => c.name === 'hv1')!.encaps.push('enc-extra');
  assert.match(ic(runChecks(extra)).find((x) => x.check === 'ic-remote-encaps-differ')!.message, /\(extra 192\.0\.2\.19\)/);
});

test('ic-duplicate-vtep: one VTEP IP claimed by two chassis across zones', () => {
  const nodes = [IC_NODES[0]!, IC_NODES[1]!, { name: 'hv3', ips: ['192.0.2.31', '192.0.2.12'] }];
  const pods = IC_PODS.filter((p) => p.node !== 'hv3');
  const f = ic(runChecks(buildIcState(nodes, pods, { transit: false })));
  const d = f.filter((x) => x.check === 'ic-duplicate-vtep');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.severity, 'error');
  assert.equal(d[0]!.subject, 'vtep 192.0.2.12');
  assert.match(d[0]!.message, /hv1 \(in zones hv1, hv2, hv3\), hv3 \(in zones hv1, hv2, hv3\)/);
});

test('ic-zone-unreachable: the zone is an error; its pods seen elsewhere have no known home (warnings, not arbitrary errors)', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { steered: false, transit: false });
  const z = zone(s, 'hv3');
  delete z.southbound;
  delete z.ovnVersion;
  z.error = 'unix:/run/hv3/sb.sock: connect ENOENT';
  const f = ic(runChecks(s));
  const u = f.find((x) => x.check === 'ic-zone-unreachable')!;
  assert.equal(u.severity, 'error');
  assert.equal(u.subject, 'zone hv3');
  assert.match(u.message, /connect ENOENT/);
  assert.deepEqual(brief(f).filter((x) => x.includes('chassis hv3')), ['warning ic-destination-arbitrary chassis hv3']);
  const r = makeReport(s, runChecks(s));
  assert.deepEqual(r.scope.zones, ['hv1', 'hv2', 'hv3']);
  assert.deepEqual(r.scope.unreachableZones, ['hv3']);
  assert.match(formatReport(r), /checked 3 zone\(s\) hv1, hv2, hv3 \(unreachable: hv3\)/);
});

test('snapshot: zones round-trip through JSON with the same findings; malformed zones are refused', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { steered: false });
  zone(s, 'hv2').error = 'x';
  const back = parseSnapshot(JSON.stringify(s));
  assert.deepEqual(runChecks(back), runChecks(s));
  assert.throws(() => parseSnapshot(JSON.stringify({ ...s, zones: [{ name: 'a' }] })), /\$\.zones\[0\]: expected southbound or error/);
  assert.throws(() => parseSnapshot(JSON.stringify({ ...s, zones: [{ name: 'a', southbound: { chassis: [] } }] })), /\$\.zones\[0\]\.southbound\.encaps: expected an array/);
  assert.throws(() => parseSnapshot(JSON.stringify({ ...s, zones: {} })), /\$\.zones: expected an array/);
});

test('ic-zone-nb-unreadable: a zone whose SB reads but whose NB does not is a warning naming the error; a zone without nb: is not', () => {
  const s = buildIcState(IC_NODES, IC_PODS, { steered: false });
  const z = zone(s, 'hv2');
  delete z.routing;
  z.nbError = 'unix:/run/hv2/nb.sock: connect ECONNREFUSED';
  const f = ic(runChecks(s));
  const w = f.filter((x) => x.check === 'ic-zone-nb-unreadable');
  assert.equal(w.length, 1);
  assert.equal(w[0]!.severity, 'warning');
  assert.equal(w[0]!.subject, 'zone hv2');
  assert.match(w[0]!.message, /ECONNREFUSED/);
  assert.ok(w[0]!.hint.length > 0);
  delete z.nbError;
  assert.equal(ic(runChecks(s)).filter((x) => x.check === 'ic-zone-nb-unreadable').length, 0);
});
