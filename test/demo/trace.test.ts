import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePairs, makeTracer, tracePair } from '../../src/demo/trace.ts';
import { parseBreakCheck, judgeBreak, DemoError } from '../../src/demo/index.ts';
import { inputsFromGathered } from '../../src/web/fromState.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { STATE_FORMAT, type GatheredState } from '../../src/verify/index.ts';
import { seedInputs } from '../web/fixture.ts';

// hv1 (.11 .12) and hv2 (.21 .22); pod a on hv1 pinned to .12, pod b on hv2 pinned to .22.
function state(): GatheredState {
  const tunnels = [['192.0.2.11', '192.0.2.21'], ['192.0.2.11', '192.0.2.22'], ['192.0.2.12', '192.0.2.21'], ['192.0.2.12', '192.0.2.22']]
    .map(([l, r], i) => ({ port: `ovn-hv2-${i}`, chassisId: `hv2@${r}%${l}`, type: 'geneve', localIp: l, remoteIp: r, ofport: 10 + i }));
  return {
    format: STATE_FORMAT,
    ovnVersion: '25.03.0',
    nodes: [{
      label: 'hv1',
      openVswitch: { externalIds: { 'system-id': 'hv1', 'ovn-encap-ip': '192.0.2.11,192.0.2.12', 'ovn-encap-type': 'geneve' } },
      interfaces: [{ name: 'rep-a', type: '', ofport: 5, externalIds: { 'iface-id': 'a', 'encap-ip': '192.0.2.12' }, options: {} }],
      tunnels,
      routing: {
        netns: 'mvl-test', rules: [], routes: [], addresses: [], links: [],
        lookups: [
          { from: '192.0.2.12', to: '192.0.2.22', dev: 'vtep1', gateway: undefined, table: '6082' },
          { from: '192.0.2.11', to: '192.0.2.21', dev: 'vtep0', gateway: undefined, table: '6081' },
        ],
      },
    }],
    southbound: {
      chassis: [{ name: 'hv1', encaps: ['e1', 'e2'], transportZones: [] }, { name: 'hv2', encaps: ['e3', 'e4'], transportZones: [] }],
      encaps: [
        { uuid: 'e1', chassisName: 'hv1', ip: '192.0.2.11', type: 'geneve', options: {} },
        { uuid: 'e2', chassisName: 'hv1', ip: '192.0.2.12', type: 'geneve', options: {} },
        { uuid: 'e3', chassisName: 'hv2', ip: '192.0.2.21', type: 'geneve', options: {} },
        { uuid: 'e4', chassisName: 'hv2', ip: '192.0.2.22', type: 'geneve', options: {} },
      ],
      portBindings: [
        { logicalPort: 'a', type: '', chassis: 'hv1', encap: 'e2', mac: ['0a:58:00:00:00:01 203.0.113.1'] },
        { logicalPort: 'b', type: '', chassis: 'hv2', encap: 'e4', mac: ['0a:58:00:00:00:02 203.0.113.2'] },
      ],
    },
  };
}

test('a pinned path confirmed by ofproto/trace and the kernel', async () => {
  const flows: string[] = [];
  const p = await tracePair(state(), 'a', 'b', async (chassis, flow) => {
    flows.push(`${chassis} ${flow}`);
    return 'Datapath actions: set(tunnel(...)),output:13\n';
  });
  assert.match(flows[0]!, /^hv1 in_port=5,dl_src=0a:58:00:00:00:01,dl_dst=0a:58:00:00:00:02,icmp,nw_src=203\.0\.113\.1,nw_dst=203\.0\.113\.2/);
  assert.deepEqual([p.localIp, p.remoteIp, p.tunnel, p.egressDevice, p.confirmed], ['192.0.2.12', '192.0.2.22', 'ovn-hv2-3', 'vtep1', true]);
  assert.match(p.detail ?? '', /pinned/);
});

test('ofproto/trace choosing another tunnel is a disagreement, reported with the real tunnel', async () => {
  const p = await tracePair(state(), 'a', 'b', async () => 'output:10');
  assert.equal(p.confirmed, false);
  assert.deepEqual([p.localIp, p.remoteIp, p.tunnel, p.egressDevice], ['192.0.2.11', '192.0.2.21', 'ovn-hv2-0', 'vtep0']);
  assert.match(p.detail ?? '', /not among the predicted/);
  const dropped = await tracePair(state(), 'a', 'b', async () => 'Datapath actions: drop');
  assert.equal(dropped.confirmed, false);
  assert.match(dropped.detail ?? '', /drops/);
});

test('without a confirmer a path is a prediction; unknown ports are reported, not thrown', async () => {
  const p = await tracePair(state(), 'a', 'b', undefined);
  assert.deepEqual([p.localIp, p.remoteIp, p.confirmed, p.egressDevice], ['192.0.2.12', '192.0.2.22', null, 'vtep1']);
  const bad = await tracePair(state(), 'a', 'nope', undefined);
  assert.equal(bad.confirmed, null);
  assert.match(bad.detail ?? '', /no Port_Binding for logical port 'nope'/);
});

test('pairs are same-class pods on other chassis; the tracer traces each', async () => {
  const inputs = seedInputs(3);
  const pairs = choosePairs(inputs);
  assert.equal(pairs.length, 18);
  assert.ok(pairs.every(([a, b]) => a.split('-')[0] === b.split('-')[0] && a.split('-')[1] !== b.split('-')[1]));
  assert.equal(choosePairs(inputs, 1).length, 9);
  const st = state();
  const gathered = inputsFromGathered(st, {
    source: { kind: 'lab', name: 't' },
    nics: new Map([['hv1', [{ pf: 'p1', ip: '192.0.2.12', class: 'x' }]], ['hv2', [{ pf: 'p1', ip: '192.0.2.22', class: 'x' }]]]),
  });
  // No sysfs here, so no PF and no class: each pod is paired with the pods on other chassis.
  assert.deepEqual(choosePairs(gathered).map((x) => x.join('>')).sort(), ['a>b', 'b>a']);
  const paths = await makeTracer()(st, gathered);
  assert.deepEqual(paths.map((p) => `${p.from}>${p.to}:${p.localIp}>${p.remoteIp}`).sort(), ['a>b:192.0.2.12>192.0.2.22', 'b>a:192.0.2.22>192.0.2.12']);
});

test('break checks parse strictly, and a break counts only when verify reports it and the row is off its NIC', () => {
  assert.equal(parseBreakCheck('rule-missing'), 'rule-missing');
  assert.throws(() => parseBreakCheck('rule'), (e: unknown) => e instanceof DemoError && e.input === 'rule');
  const injected = { check: 'encap-ip-unknown' as const, chassis: 'hv1', pod: 'storage-hv1', description: '', agentStopped: true };
  const broken = buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }));
  const none = { wireWrongNic: null, wireEvidence: [] };
  assert.deepEqual({ ...judgeBreak(injected, broken), findings: [] }, { caught: true, wrongNicShown: true, findings: [], ...none });
  const healthy = buildDashboardView(seedInputs(3));
  assert.deepEqual({ ...judgeBreak(injected, healthy), findings: [] }, { caught: false, wrongNicShown: false, findings: [], ...none });
});
