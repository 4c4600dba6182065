import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputsFromGathered } from '../../src/web/fromState.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { STATE_FORMAT, type GatheredState, type NodeState } from '../../src/verify/index.ts';

function node(name: string, n: number): NodeState {
  const ips = ['192.0.2.' + n, '198.51.100.' + n];
  const peer = n === 1 ? 'hv2' : 'hv1';
  const peerIps = ['192.0.2.' + (3 - n), '198.51.100.' + (3 - n)];
  return {
    label: name,
    openVswitch: { externalIds: {
      'system-id': name, 'ovn-encap-ip': ips.join(','), 'ovn-encap-ip-default': ips[1]!,
      'ovn-pf-encap-ip-mapping': `enp1s0f0:${ips[0]},enp2s0f0:${ips[1]}, bogus`,
    } },
    interfaces: [
      { name: 'enp1s0f0_0', type: '', ofport: 1, externalIds: { 'iface-id': `a-${name}`, 'encap-ip': ips[0]! }, options: {} },
      { name: 'enp2s0f0_0', type: '', ofport: 2, externalIds: { 'iface-id': `b-${name}` }, options: {} },
      { name: 'ovn-x-0', type: 'geneve', ofport: 3, externalIds: { 'iface-id': 'not-a-pod' }, options: {} },
    ],
    tunnels: ips.flatMap((l, i) => peerIps.map((r, k) => ({
      port: `ovn-${peer}-${i * 2 + k}`, chassisId: `${peer}@${r}%${l}`, type: 'geneve', localIp: l, remoteIp: r, ofport: 10 + i * 2 + k,
    }))),
    sriov: { sysfsRoot: '/x', pfs: [], representors: [
      { netdev: 'enp1s0f0_0', pf: 'enp1s0f0', vf: 0 }, { netdev: 'enp2s0f0_0', pf: 'enp2s0f0', vf: 0 },
    ] },
    routing: { netns: name, rules: [], routes: [], links: [], lookups: [],
      addresses: [{ dev: 'vtep0', ip: ips[0]!, prefixLen: 24 }, { dev: 'vtep1', ip: ips[1]!, prefixLen: 24 }] },
  };
}

test('gathered state becomes chassis, NICs (from the mapping), tunnels and pods with their binding encap', () => {
  const state: GatheredState = {
    format: STATE_FORMAT,
    nodes: [node('hv1', 1), node('hv2', 2)],
    southbound: {
      chassis: [
        { name: 'hv1', hostname: 'host-1', encaps: ['e1', 'e2'], transportZones: [] },
        { name: 'hv2', encaps: ['e3', 'e4'], transportZones: [] },
        { name: 'hv9', encaps: ['e9'], transportZones: [] },
      ],
      encaps: [
        { uuid: 'e1', chassisName: 'hv1', ip: '192.0.2.1', type: 'geneve', options: {} },
        { uuid: 'e2', chassisName: 'hv1', ip: '198.51.100.1', type: 'geneve', options: { is_default: 'true' } },
        { uuid: 'e3', chassisName: 'hv2', ip: '192.0.2.2', type: 'geneve', options: {} },
        { uuid: 'e4', chassisName: 'hv2', ip: '198.51.100.2', type: 'geneve', options: {} },
        { uuid: 'e9', chassisName: 'hv9', ip: '203.0.113.9', type: 'geneve', options: { is_default: 'true' } },
      ],
      portBindings: [
        { logicalPort: 'a-hv1', type: '', chassis: 'hv1', encap: 'e1' },
        { logicalPort: 'b-hv1', type: '', chassis: 'hv1', encap: 'e2' },
        { logicalPort: 'z-hv9', type: '', chassis: 'hv9', encap: undefined },
        { logicalPort: 'patch-x', type: 'patch', chassis: 'hv9', encap: undefined },
      ],
    },
  };
  const inputs = inputsFromGathered(state, {
    source: { kind: 'cluster', name: 'test' },
    findings: [{ check: 'encap-ip-unknown', severity: 'error', subject: 'interface hv1/x', message: 'm', hint: 'h' }],
    nics: new Map([['hv2', [{ pf: 'enp1s0f0', ip: '192.0.2.2/24', vtep: 'vtep0', class: 'management' }]]]),
  });
  const hv1 = inputs.chassis.find((c) => c.name === 'hv1')!;
  assert.equal(hv1.hostname, 'host-1');
  assert.equal(hv1.defaultEncapIp, '198.51.100.1');
  assert.deepEqual(hv1.nics!.map((n) => [n.pf, n.ip, n.vtep]), [['enp1s0f0', '192.0.2.1', 'vtep0'], ['enp2s0f0', '198.51.100.1', 'vtep1']]);
  assert.equal(hv1.tunnels!.length, 4);
  assert.equal(inputs.chassis.find((c) => c.name === 'hv2')!.nics![0]!.class, 'management', 'declared NICs win');
  const hv9 = inputs.chassis.find((c) => c.name === 'hv9')!;
  assert.deepEqual(hv9.encapIps, ['203.0.113.9']);
  assert.equal(hv9.tunnels, undefined);
  assert.deepEqual(inputs.pods.map((p) => p.name).sort(), ['a-hv1', 'a-hv2', 'b-hv1', 'b-hv2', 'z-hv9']);
  const b1 = inputs.pods.find((p) => p.name === 'b-hv1')!;
  assert.equal(b1.pf, 'enp2s0f0');
  assert.equal(b1.encapIp, null);
  assert.equal(b1.bindingEncapIp, '198.51.100.1');

  const view = buildDashboardView(inputs);
  assert.equal(view.summary.chassis, 3);
  assert.equal(view.summary.vteps, 5);
  assert.equal(view.summary.tunnelPorts, 8);
  // hv1 x hv2: 4 observed pairs, each with both directions; hv9's pairs are expected only.
  const observed = view.links.filter((l) => l.observed);
  assert.equal(observed.length, 4);
  assert.ok(observed.every((l) => l.ports === 2));
  assert.equal(view.links.length, 4 + 4);
  assert.equal(view.vteps.find((v) => v.id === 'hv1/198.51.100.1')!.encapId, 0, 'the default is swapped into index 0');
  assert.equal(view.summary.errors, 1);
});

test('the dashboard reads the keys with OVN\'s rules (it had its own copies that disagreed)', () => {
  const base = node('hv1', 1);
  const ids = {
    ...base.openVswitch.externalIds,
    // Per-chassis default override: OVN honours it, the dashboard read only the plain key.
    'ovn-encap-ip-default-hv1': '192.0.2.1',
    // An entry whose IP is not an address: the lenient second parser made a NIC of it.
    'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:not-an-ip',
  };
  const gre = { name: 'gre0', type: 'gre', ofport: 9, externalIds: { 'iface-id': 'gre-pod' }, options: {} };
  const state: GatheredState = { format: STATE_FORMAT, nodes: [{ ...base, openVswitch: { externalIds: ids }, interfaces: [...base.interfaces, gre] }] };
  const inputs = inputsFromGathered(state, { source: { kind: 'cluster', name: 't' } });
  const hv1 = inputs.chassis[0]!;
  assert.equal(hv1.defaultEncapIp, '192.0.2.1');
  assert.deepEqual(hv1.nics!.map((n) => n.pf), ['enp1s0f0']);
  // gre is no OVN tunnel type: an Interface with an iface-id there is a VIF to OVN. Tunnel ports stay out.
  assert.deepEqual(inputs.pods.map((p) => p.name).sort(), ['a-hv1', 'b-hv1', 'gre-pod']);
  // On 24.03 OVN ignores ovn-encap-ip-default altogether.
  const old = inputsFromGathered({ ...state, ovnVersion: '24.03.2' }, { source: { kind: 'cluster', name: 't' } });
  assert.equal(old.chassis[0]!.defaultEncapIp, null);
});
