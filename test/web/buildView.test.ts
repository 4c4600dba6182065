import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDashboardView } from '../../src/web/buildView.ts';
import type { ChassisInput } from '../../src/web/inputs.ts';
import { seedInputs, withWire } from './fixture.ts';

function order(encapIps: string[], defaultEncapIp: string | null, ovnVersion?: string): readonly string[] {
  const chassis: ChassisInput = { name: 'hv1', encapIps, defaultEncapIp };
  return buildDashboardView({ source: { kind: 'demo', name: 't' }, chassis: [chassis], pods: [], ...(ovnVersion ? { ovnVersion } : {}) }).chassis[0]!.encapIps;
}

test('encap order is byte-wise with the default swapped into index 0', () => {
  assert.deepEqual(order(['192.168.0.11', '192.168.0.100', '10.0.0.1'], null), ['10.0.0.1', '192.168.0.100', '192.168.0.11']);
  assert.deepEqual(order(['192.0.2.3', '192.0.2.1', '192.0.2.2'], '192.0.2.3'), ['192.0.2.3', '192.0.2.2', '192.0.2.1']);
  assert.deepEqual(order(['192.0.2.1', '192.0.2.1'], 'nope'), ['192.0.2.1']);
});

test('the swap follows the OVN release like the model (the dashboard swapped on every release)', () => {
  // 24.09.0-24.09.2 honour the default but keep the byte-wise order for encap IDs.
  assert.deepEqual(order(['192.0.2.3', '192.0.2.1', '192.0.2.2'], '192.0.2.3', '24.09.1'), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  assert.deepEqual(order(['192.0.2.3', '192.0.2.1', '192.0.2.2'], '192.0.2.3', '24.09.3'), ['192.0.2.3', '192.0.2.2', '192.0.2.1']);
});

test('a healthy 3-node seed gives 3 chassis, 9 VTEPs, 27 VTEP links, 54 tunnel ports, 9 rows all ok', () => {
  const v = buildDashboardView(seedInputs(3));
  assert.equal(v.summary.chassis, 3);
  assert.equal(v.summary.vteps, 9);
  assert.equal(v.summary.links, 27);
  assert.equal(v.summary.tunnelPorts, 54);
  assert.equal(v.summary.pods, 9);
  assert.equal(v.summary.paths, 18);
  assert.equal(v.summary.pathsOk, 18);
  assert.ok(v.links.every((l) => l.ports === 2 && l.observed));
  // Same-class links carry the class; 9 of them (3 classes x 3 chassis pairs) are used.
  assert.equal(v.links.filter((l) => l.class !== null).length, 9);
  assert.equal(v.links.filter((l) => l.used).length, 9);
  const row = v.steering.find((r) => r.pod === 'streaming-hv2')!;
  assert.equal(row.class, 'streaming');
  assert.equal(row.nic, 'enp2s0f0');
  assert.equal(row.vtep, '198.51.100.2');
  assert.equal(row.egressDevice, 'vtep1');
  assert.equal(row.status, 'ok');
  assert.equal(row.confirmed, true);
  assert.deepEqual(row.paths.map((p) => p.peer).sort(), ['streaming-hv1', 'streaming-hv3']);
  const vtep = v.vteps.find((t) => t.id === 'hv1/203.0.113.1')!;
  assert.equal(vtep.class, 'storage');
  assert.equal(vtep.device, 'vtep2');
  assert.equal(vtep.encapId, 2);
  assert.equal(v.generatedAt, '2026-11-26T12:00:00.000Z');
  // The view is plain data: it survives JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(v)), v);
});

test('a pod leaving on another VTEP and device is wrong-nic even though confirmed', () => {
  const v = buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }));
  const row = v.steering.find((r) => r.pod === 'storage-hv1')!;
  assert.equal(row.status, 'wrong-nic');
  assert.equal(row.confirmed, true);
  assert.equal(row.vtep, '192.0.2.1');
  assert.equal(row.expectedVtep, '203.0.113.1');
  assert.equal(row.egressDevice, 'vtep0');
  assert.equal(v.summary.pathsOk, 16);
  assert.equal(v.summary.errors, 1);
  assert.equal(v.findings[0]!.check, 'encap-ip-unknown');
});

test('disagreement outranks everything, missing confirmation is unconfirmed, no paths is untraced', () => {
  const base = seedInputs(2);
  const paths = (base.paths ?? []).map((p) => p.from === 'management-hv1' ? { ...p, confirmed: false, detail: 'ofproto/trace chose ovn-x-1' }
    : p.from === 'streaming-hv1' ? { ...p, confirmed: null } : p).filter((p) => p.from !== 'storage-hv1');
  const v = buildDashboardView({ ...base, paths });
  const status = Object.fromEntries(v.steering.map((r) => [r.pod, r.status]));
  assert.equal(status['management-hv1'], 'disagree');
  assert.equal(status['streaming-hv1'], 'unconfirmed');
  assert.equal(status['storage-hv1'], 'untraced');
  assert.equal(status['management-hv2'], 'ok');
  assert.equal(v.steering.find((r) => r.pod === 'storage-hv1')!.vtep, '203.0.113.1', 'falls back to the binding encap');
});

test('an arbitrary remote VTEP is not ok, and missing tunnels are visible on observed links', () => {
  const base = seedInputs(2);
  const chassis = base.chassis.map((c) => c.name === 'hv1' ? { ...c, tunnels: (c.tunnels ?? []).filter((t) => t.localIp !== '192.0.2.1') } : c);
  const paths = (base.paths ?? []).map((p) => p.from === 'storage-hv1'
    ? { ...p, remoteIp: null, candidates: [{ localIp: '203.0.113.1', remoteIp: '203.0.113.2' }, { localIp: '203.0.113.1', remoteIp: '192.0.2.2' }] } : p);
  const v = buildDashboardView({ ...base, chassis, paths });
  const row = v.steering.find((r) => r.pod === 'storage-hv1')!;
  assert.equal(row.status, 'wrong-nic');
  assert.equal(row.paths[0]!.candidates.length, 2);
  assert.equal(row.paths[0]!.linkId, null);
  const short = v.links.filter((l) => l.ports < 2);
  assert.equal(short.length, 3, 'hv1 192.0.2.1 to each of the 3 hv2 VTEPs lost one direction');
  assert.ok(short.every((l) => l.observed && l.ports === 1));
});

test('a NIC VTEP missing from ovn-encap-ip is shown without an encap id and without links; unknown chassis tunnels are not observed', () => {
  const base = seedInputs(2);
  const chassis = base.chassis.map((c) => ({
    name: c.name, nics: c.nics, encapIps: c.name === 'hv2' ? c.encapIps.filter((ip) => ip !== '203.0.113.2') : c.encapIps,
  }));
  const v = buildDashboardView({ ...base, chassis, paths: [] });
  const orphan = v.vteps.find((t) => t.id === 'hv2/203.0.113.2')!;
  assert.equal(orphan.encapId, null);
  assert.equal(v.links.filter((l) => l.a === orphan.id || l.b === orphan.id).length, 0);
  assert.equal(v.links.length, 6);
  assert.ok(v.links.every((l) => !l.observed));
});

test('findings are ordered by severity then check', () => {
  const v = buildDashboardView({
    ...seedInputs(2),
    findings: [
      { check: 'b', severity: 'info', subject: 'x', message: 'm' },
      { check: 'z', severity: 'error', subject: 'x', message: 'm', hint: 'h' },
      { check: 'a', severity: 'warning', subject: 'x', message: 'm' },
      { check: 'c', severity: 'error', subject: 'x', message: 'm' },
    ],
  });
  assert.deepEqual(v.findings.map((f) => f.check), ['c', 'z', 'a', 'b']);
  assert.deepEqual([v.summary.errors, v.summary.warnings, v.summary.infos], [2, 1, 1]);
});

test('wire evidence: carried per path, counted, and it outranks a confirmed trace (never the reverse)', () => {
  const v = buildDashboardView(withWire(seedInputs(3), [['storage-hv2', 'storage-hv1']]));
  assert.deepEqual([v.summary.pathsProbed, v.summary.pathsOnWire], [18, 17]);
  const row = v.steering.find((r) => r.pod === 'storage-hv2')!;
  const off = row.paths.find((p) => p.peer === 'storage-hv1')!;
  assert.deepEqual([off.confirmed, off.wire?.verdict, off.status, row.status], [true, 'wrong-nic', 'wrong-nic', 'wrong-nic']);
  // Nothing arrived: disagree. A bad trace stays bad even when the wire looks right.
  const lost = withWire(seedInputs(3));
  const paths = lost.paths!.map((p, i) => (i === 0 ? { ...p, wire: { ...p.wire!, verdict: 'unreachable' as const } } : i === 1 ? { ...p, confirmed: false } : p));
  const w = buildDashboardView({ ...lost, paths });
  const all = w.steering.flatMap((r) => r.paths.map((p) => [r.pod, p.peer, p.status] as const));
  assert.deepEqual(all.find(([a, b]) => a === paths[0]!.from && b === paths[0]!.to)?.[2], 'disagree');
  assert.deepEqual(all.find(([a, b]) => a === paths[1]!.from && b === paths[1]!.to)?.[2], 'disagree');
  // No probe: null, and counts 0.
  const bare = buildDashboardView(seedInputs(3));
  assert.deepEqual([bare.summary.pathsProbed, bare.steering[0]!.paths[0]!.wire], [0, null]);
});
