// The netdev demo's wire evidence, without a lab: probe results (judged by src/probe over observations
// shaped like the ones a real netdev lab produced) -> the verdict, the CONFIRMED text, the steering
// table, the break verdict; and how the demo picks its datapath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judge, type ProbeNode, type ProbeResult, type WireObservation } from '../../src/probe/index.ts';
import { wirePath, wireSummary, wireText, wireVerdict, type WireReport } from '../../src/demo/wire.ts';
import { formatSteeringTable } from '../../src/demo/table.ts';
import { judgeBreak } from '../../src/demo/break.ts';
import { allConfirmed } from '../../src/demo/run.ts';
import { chooseDatapath } from '../../src/demo/datapath.ts';
import { planDemoFromText, seedDatapath } from '../../src/demo/plan.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { seedInputs, CLASSES } from '../web/fixture.ts';

const NETS = ['192.0.2', '198.51.100', '203.0.113'] as const;
/** The fixture's nodes: PF k of hv<i> carries VTEP NETS[k].<i>. */
const node = (i: number): ProbeNode => ({ name: `hv${i}`, pfs: NETS.map((n, k) => ({ pf: `enp${k + 1}s0f0`, vtep: `${n}.${i}` })) });
const obs = (n: number, pfIndex: number, src: string, dst: string): WireObservation => ({
  node: `hv${n}`, pf: `enp${pfIndex + 1}s0f0`, pfVtep: `${NETS[pfIndex]}.${n}`, outerSrc: src, outerDst: dst, vlan: 25, vni: 1, frames: 3,
});

/** A probe of class k from hv<a> to hv<b>, the wire showing `left`/`arrived` (default: the right NICs). */
function result(k: number, a: number, b: number, seen: { left?: WireObservation[]; arrived?: WireObservation[] } = {}): ProbeResult {
  const [src, dst] = [`${NETS[k]}.${a}`, `${NETS[k]}.${b}`];
  const left = seen.left ?? [obs(a, k, src, dst)];
  const arrived = seen.arrived ?? [obs(b, k, src, dst)];
  return {
    from: { pod: `${CLASSES[k]}-hv${a}`, ip: '203.0.113.1', node: `hv${a}` }, to: { pod: `${CLASSES[k]}-hv${b}`, ip: '203.0.113.2', node: `hv${b}` },
    sent: 3, replies: arrived.length > 0 ? 3 : 0, left, arrived, flooded: 0, captured: [], durationMs: 900,
    ...judge({ source: 'node spec', localIp: src, remoteIp: dst, vlan: 25 }, node(a), node(b), left, arrived),
  };
}

const end = (k: number, i: number) => ({ lport: `${CLASSES[k]}-hv${i}`, chassis: `hv${i}` });

/** Every same-class pair of the 3-node fixture; `override` replaces some results. */
function report(override: (k: number, a: number, b: number) => ProbeResult | undefined = () => undefined): WireReport {
  const paths = [];
  for (let a = 1; a <= 3; a++) for (let k = 0; k < 3; k++) for (let b = 1; b <= 3; b++) {
    if (a === b) continue;
    paths.push(wirePath(end(k, a), end(k, b), override(k, a, b) ?? result(k, a, b)));
  }
  return { paths, count: 3, captures: 18, durationMs: 2400, probedAt: '2026-01-01T00:00:00.000Z' };
}

test('wire verdicts: right NICs at both ends is wire; another PF at either end is wrong-nic, nothing arrived is unreachable', () => {
  assert.equal(wireVerdict(result(1, 1, 2)), 'wire');
  assert.equal(wireText(result(1, 1, 2)), 'wire');
  // The streaming VTEP's tunnel left on the storage PF (its source rule deleted).
  const offNic = result(1, 1, 2, { left: [obs(1, 2, '198.51.100.1', '198.51.100.2')] });
  assert.equal(wireVerdict(offNic), 'wrong-nic');
  assert.equal(wireText(offNic), 'WRONG NIC on the wire: left hv1/enp3s0f0 (198.51.100.1 -> 198.51.100.2, vlan 25), '
    + 'arrived hv2/enp2s0f0 (198.51.100.1 -> 198.51.100.2, vlan 25) [expected hv1/enp2s0f0 -> hv2/enp2s0f0, 198.51.100.1 -> 198.51.100.2]');
  // Arriving on the wrong PF counts as much as leaving on one.
  assert.equal(wireVerdict(result(1, 1, 2, { arrived: [obs(2, 2, '198.51.100.1', '198.51.100.2')] })), 'wrong-nic');
  const lost = result(1, 1, 2, { arrived: [] });
  assert.equal(wireVerdict(lost), 'unreachable');
  assert.match(wireText(lost), /^NOT SEEN on the wire: left hv1\/enp2s0f0 .*, arrived nowhere \[expected/);
  // Right PFs, but the wrong VLAN: differs, not wrong-nic.
  const tagged = { ...obs(1, 1, '198.51.100.1', '198.51.100.2'), vlan: 7 };
  assert.equal(wireVerdict(result(1, 1, 2, { left: [tagged] })), 'differs');
});

test('a wire path carries the probe\'s figures as they are and its expectation without undefined', () => {
  const tagged = { ...obs(1, 1, '198.51.100.1', '198.51.100.2'), vlan: 7 };
  const r = { ...result(1, 1, 2, { left: [tagged] }), replies: 2, flooded: 1 };
  const p = wirePath(end(1, 1), end(1, 2), r);
  assert.deepEqual(p, {
    from: 'streaming-hv1', to: 'streaming-hv2', fromNode: 'hv1', toNode: 'hv2', verdict: 'differs', text: wireText(r),
    expected: { localIp: '198.51.100.1', remoteIp: '198.51.100.2', vlan: 25, sourcePf: 'enp2s0f0', destinationPf: 'enp2s0f0' },
    sent: 3, replies: 2, left: [tagged], arrived: r.arrived, flooded: 1, differences: r.differences,
  });
  assert.ok(p.differences.length > 0 && p.arrived.length > 0);
  const untagged = { ...r, expected: { ...r.expected, vlan: undefined } };
  assert.equal(wirePath(end(1, 1), end(1, 2), untagged).expected.vlan, null);
});

test('the steering table with wire evidence: CONFIRMED per path, wire or what was seen, trace added when it disagrees', () => {
  const healthy = buildDashboardView(seedInputs(3));
  const lines = formatSteeringTable(healthy, report()).trimEnd().split('\n');
  assert.equal(lines.length, 1 + 18);
  assert.ok(lines.slice(1).every((l) => /\s+wire$/.test(l)), lines.join('\n'));
  assert.ok(allConfirmed(healthy, report()));
  assert.match(wireSummary(report()), /^wire: 18\/18 paths seen on their own NICs at both ends \(ping, 3 echo requests per pair, 18 tcpdumps on the PFs, 2\.4 s\)$/);

  // storage-hv1 broken: trace has it on vtep0, the wire on the management PF.
  const broken = buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }));
  const wire = report((k, a, b) => (k === 2 && a === 1 ? result(2, 1, b, { left: [obs(1, 0, '203.0.113.1', `203.0.113.${b}`)] }) : undefined));
  const text = formatSteeringTable(broken, wire).trimEnd().split('\n');
  const rows = text.filter((l) => /^storage-hv1 |^\s+hv3\/storage-hv3: 192\.0\.2\.1 ->/.test(l));
  assert.equal(rows.length, 2, text.join('\n'));
  for (const r of rows) assert.match(r, /WRONG NIC on the wire: left hv1\/enp1s0f0 .* \(trace: WRONG NIC\)$/);
  assert.ok(!allConfirmed(healthy, wire), 'a wrong-NIC wire path is not confirmed even when trace says yes');
  assert.match(wireSummary(wire), /^wire: 16\/18 .*; not: storage-hv1 -> storage-hv2, storage-hv1 -> storage-hv3$/);

  // Without wire evidence the table is the trace-only one (CONFIRMED on the pod's first line only).
  assert.doesNotMatch(formatSteeringTable(healthy), /wire/);
});

test('the break verdict carries the wire: the pod\'s paths off its NIC are the evidence; null without a wire check', () => {
  const injected = { check: 'rule-missing' as const, chassis: 'hv1', pod: 'storage-hv1', description: '', agentStopped: false };
  const broken = buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }));
  const wire = report((k, a, b) => (k === 2 && a === 1 && b === 2 ? result(2, 1, 2, { left: [obs(1, 0, '203.0.113.1', '203.0.113.2')] }) : undefined));
  const v = judgeBreak(injected, broken, wire);
  assert.equal(v.wireWrongNic, true);
  assert.equal(v.wireEvidence.length, 1);
  assert.match(v.wireEvidence[0]!, /^storage-hv1 -> storage-hv2: WRONG NIC on the wire: left hv1\/enp1s0f0/);
  assert.equal(judgeBreak(injected, broken, report()).wireWrongNic, false, 'a wire that shows nothing wrong does not count');
  assert.equal(judgeBreak(injected, broken).wireWrongNic, null);
});

test('plan: --datapath overrides the seed and renames the lab; the seed\'s own datapath is read as written', () => {
  const seed = `name: s\nfabric: { gateway: 192.0.2.254/24, vlan: 25 }\nswitches: [{ name: ls, subnet: 203.0.113.0/26 }]\n`
    + 'chassis:\n' + [1, 2].map((i) => `  - { name: hv${i}, nics: [{ pf: enp1s0f0, vtep: 192.0.2.${i}1, totalVfs: 4, numVfs: 2 }] }\n`).join('')
    + 'pods:\n' + [1, 2].map((i) => `  - { name: p-${i}, chassis: hv${i}, pf: enp1s0f0, vf: 0, switch: ls, ip: 203.0.113.${i} }\n`).join('');
  assert.equal(seedDatapath(seed), undefined);
  assert.equal(seedDatapath(`datapath: netdev\n${seed}`), 'netdev');
  const netdev = planDemoFromText(seed, 'seed.yaml', 2, 'netdev');
  assert.deepEqual([netdev.scenario.datapath, netdev.scenario.name], ['netdev', 's-netdev']);
  // On netdev the VTEP ports carry the fabric's VLAN.
  assert.equal(netdev.specs.get('hv1')!.nics[0]!.vlan, 25);
  const same = planDemoFromText(seed, 'seed.yaml', 2);
  assert.deepEqual([same.scenario.datapath, same.scenario.name, same.specs.get('hv1')!.nics[0]!.vlan], ['dummy', 's', undefined]);
  assert.equal(planDemoFromText(`datapath: netdev\n${seed}`, 'seed.yaml', 2, 'netdev').scenario.name, 's');
});

test('datapath choice: flag, then the seed, then netdev only when release 26.03 runs here, with the reason', async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'mvtep-demo-dp-'));
  try {
    // An empty cache and no OVN on PATH: no 26.03.
    const env = { PATH: '/nonexistent' };
    assert.deepEqual(await chooseDatapath({ flag: 'netdev', env, cacheDir }), { datapath: 'netdev', release: '26.03', why: '--datapath netdev' });
    assert.deepEqual(await chooseDatapath({ flag: 'dummy', seed: 'netdev', env, cacheDir }), { datapath: 'dummy', release: undefined, why: '--datapath dummy' });
    assert.equal((await chooseDatapath({ seed: 'netdev', env, cacheDir })).datapath, 'netdev');
    const auto = await chooseDatapath({ env, cacheDir });
    assert.equal(auto.datapath, 'dummy');
    assert.match(auto.why, /release 26\.03 is not installed \('mvtep runtime install --release 26\.03' for the wire-checked demo\)/);
    const old = await chooseDatapath({ env: { ...env, MVTEP_OVN_RELEASE: '25.03' }, cacheDir });
    assert.deepEqual([old.datapath, old.release], ['dummy', '25.03']);
    assert.match(old.why, /^MVTEP_OVN_RELEASE=25\.03: its OVS cannot run the userspace datapath .*OVS >= 3\.7/);
    // An explicit release is kept for netdev too (the CLI then refuses an OVS that cannot run it).
    assert.equal((await chooseDatapath({ flag: 'netdev', env: { ...env, MVTEP_OVN_RELEASE: '25.03' }, cacheDir })).release, '25.03');
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
