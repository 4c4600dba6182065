import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithObserved, explainPath, parseBindingMac, traceFlow } from '../../src/trace/index.ts';
import { outputOfports, tracedTunnel } from '../../src/ovn/index.ts';
import { buildState, TWO_NODES, TWO_VIFS } from '../verify/fixture.ts';

test('pinned to pinned: determined, with the real tunnel port, route and underlay', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv1 = s.nodes.find((n) => n.label === 'hv1')!;
  hv1.routing = {
    netns: 'ns', rules: [], routes: [], links: [],
    addresses: [{ dev: 'vtep1', ip: '192.0.2.100', prefixLen: 24 }],
    lookups: [{ from: '192.0.2.100', to: '198.51.100.2', dev: 'vtep1', gateway: '192.0.2.254', table: '6082' }],
  };
  hv1.spec = { overlayMtu: 1400, vteps: [{ pf: 'enp2', ip: '192.0.2.100/24', device: 'vtep1', bridge: 'brenp2', vlan: 25 }] };
  const r = explainPath({ ...s, nodes: [hv1] }, 'b', 'd');
  assert.equal(r.determined, true);
  assert.equal(r.local_ip, '192.0.2.100');
  assert.equal(r.remote_ip, '198.51.100.2');
  assert.equal(r.encap_id, 0); // ".100" sorts before ".11"
  assert.equal(r.tunnel?.ovn_chassis_id, 'hv2@198.51.100.2%192.0.2.100');
  assert.ok(r.tunnel?.name && r.tunnel.ofport !== null);
  assert.equal(r.egress_device, 'vtep1');
  assert.deepEqual(r.route, { from: '192.0.2.100', to: '198.51.100.2', table: '6082', device: 'vtep1', gateway: '192.0.2.254', lookup: 'kernel' });
  assert.deepEqual(r.source.representor_of, { pf: 'enp2', vf: 0 });
  assert.equal(r.source.pf_mapped_ip, '192.0.2.100');
  assert.deepEqual(r.underlay, { bridge: 'brenp2', vlan: 25, pf: 'enp2', device: 'vtep1' });
  assert.deepEqual(r.steps.map((x) => x.step), ['source-vif', 'representor', 'pf', 'encap-id', 'local-vtep', 'tunnel', 'kernel-route',
    'bridge', 'vlan', 'uplink', 'remote-chassis', 'remote-vtep', 'destination-vif']);
  assert.deepEqual(r.warnings, []);
});

test('netdev br-int: the route is OVS\'s own lookup, not the kernel\'s, and the step says so', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv1 = s.nodes.find((n) => n.label === 'hv1')!;
  hv1.bridges = [{ name: 'br-int', datapathType: 'netdev' }];
  hv1.openVswitch.ovsVersion = '4.0.0';
  hv1.routing = {
    netns: 'ns', rules: [], routes: [], links: [], addresses: [{ dev: 'vtep1', ip: '192.0.2.100', prefixLen: 24 }],
    lookups: [{ from: '192.0.2.100', to: '198.51.100.2', dev: 'vtep1', gateway: undefined, table: '6082' }],
  };
  // The two disagree (as after a route added with ovs/route/add): the userspace datapath follows OVS's.
  hv1.ovsRouter = { target: '/x.ctl', rules: [], lookups: [{ from: '192.0.2.100', to: '198.51.100.2', bySource: true, dev: 'vtep0' }] };
  hv1.spec = { overlayMtu: 1400, vteps: [{ pf: 'enp2', ip: '192.0.2.100/24', device: 'vtep1' }] };
  const r = explainPath({ ...s, nodes: [hv1] }, 'b', 'd');
  assert.deepEqual(r.route, { from: '192.0.2.100', to: '198.51.100.2', table: null, device: 'vtep0', gateway: null, lookup: 'ovs' });
  assert.equal(r.egress_device, 'vtep0');
  const step = r.steps.find((x) => x.step === 'ovs-route');
  assert.match(step?.text ?? '', /^ovs\/route\/lookup 198\.51\.100\.2 src=192\.0\.2\.100: OVS's router \(userspace datapath\), dev vtep0/);
  assert.ok(!r.steps.some((x) => x.step === 'kernel-route'));
  assert.deepEqual(r.warnings, ['OVS\'s router sends 192.0.2.100 out of vtep0, not its VTEP device vtep1']);
  // Without its router read, a netdev node has no route at all rather than the kernel's wrong answer.
  const bare = explainPath({ ...s, nodes: [{ ...hv1, ovsRouter: undefined }] }, 'b', 'd');
  assert.equal(bare.route, null);
});

test('destination without encap: remote_ip null, candidate set with the local IP fixed', () => {
  const s = buildState(TWO_NODES, [...TWO_VIFS, { lport: 'x', chassis: 'hv2', pf: 'enp1', vf: 7, encapIp: null }]);
  const r = explainPath({ ...s, nodes: [] }, 'a', 'x');
  assert.equal(r.determined, false);
  assert.equal(r.reason, 'remote-unpinned');
  assert.equal(r.local_ip, '192.0.2.11');
  assert.equal(r.remote_ip, null);
  assert.deepEqual(r.candidates.map((c) => c.remote_ip).sort(), ['198.51.100.1', '198.51.100.2']);
  assert.equal(r.tunnel, null);
  assert.ok(r.warnings.some((w) => /arbitrary/.test(w)));
});

test('unknown ports are typed errors', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  assert.throws(() => explainPath(s, 'a', 'nope'), (e: Error & { code?: string }) => e.code === 'trace-unknown-port');
  assert.throws(() => explainPath({ ...s, southbound: undefined }, 'a', 'b'), /needs the Southbound/);
});

test('confirm: agreement, and a tunnel outside the candidate set is a difference', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv1 = s.nodes.find((n) => n.label === 'hv1')!;
  const r = explainPath({ ...s, nodes: [hv1] }, 'a', 'c');
  const right = hv1.tunnels.find((t) => t.localIp === r.local_ip && t.remoteIp === r.remote_ip)!;
  const wrong = hv1.tunnels.find((t) => t !== right)!;
  const trace = (p: number) => `bridge("br-int")\n 0. in_port=101, priority 100\n    set_field:0x1->tun_id\n    output:${p}\n\nFinal flow: unchanged\nDatapath actions: drop\n`;
  assert.deepEqual(outputOfports(trace(right.ofport!)), [right.ofport]);
  const ok = compareWithObserved(r, { trace: trace(right.ofport!), node: hv1, route: null, expectedDevice: null });
  assert.equal(ok.agrees, true);
  const bad = compareWithObserved(r, { trace: trace(wrong.ofport!), node: hv1, route: null, expectedDevice: null });
  assert.equal(bad.agrees, false);
  assert.match(bad.differences[0]!, /not among the predicted/);
  const route = compareWithObserved(r, { trace: trace(right.ofport!), node: hv1, expectedDevice: 'vtep0',
    route: { from: r.local_ip!, to: r.remote_ip!, table: 'main', device: 'vtep1', gateway: null } });
  assert.equal(route.agrees, false);
  assert.match(route.differences[0]!, /out of vtep1, not vtep0/);
  assert.equal(compareWithObserved(r, { trace: 'Datapath actions: drop\n', node: hv1, route: null, expectedDevice: null }).observed_kind, 'dropped');
});

test('binding MAC parsing and the trace flow', () => {
  assert.deepEqual(parseBindingMac(['0a:58:01:01:00:01 10.0.0.5 2001:db8::5']), { mac: '0a:58:01:01:00:01', ip: '10.0.0.5' });
  assert.deepEqual(parseBindingMac(['unknown']), { mac: null, ip: null });
  const s = buildState(TWO_NODES, TWO_VIFS);
  s.southbound!.portBindings.find((p) => p.logicalPort === 'a')!.mac = ['0a:58:01:01:00:01 10.0.0.5'];
  s.southbound!.portBindings.find((p) => p.logicalPort === 'c')!.mac = ['0a:58:02:01:00:01 10.0.0.6'];
  const r = explainPath({ ...s, nodes: [s.nodes[0]!] }, 'a', 'c');
  assert.match(traceFlow(r), /^in_port=\d+,dl_src=0a:58:01:01:00:01,dl_dst=0a:58:02:01:00:01,icmp,nw_src=10\.0\.0\.5,nw_dst=10\.0\.0\.6/);
});

test('issue 10: output:12 is not the egress of ofport 1 (live trace matched the ofport by substring)', () => {
  const s = buildState(TWO_NODES, TWO_VIFS);
  const hv1 = s.nodes.find((n) => n.label === 'hv1')!;
  const r = explainPath({ ...s, nodes: [hv1] }, 'a', 'c');
  const right = hv1.tunnels.find((t) => t.localIp === r.local_ip && t.remoteIp === r.remote_ip)!;
  // Only the predicted tunnel and one VIF hold ofport 1; nothing holds 12.
  const node = {
    ...hv1,
    tunnels: [{ ...right, ofport: 1 }],
    interfaces: hv1.interfaces.filter((i) => i.externalIds['iface-id'] !== undefined).slice(0, 1).map((i) => ({ ...i, ofport: 1 })),
  };
  assert.equal(node.interfaces.length, 1);
  const trace = (out: string) => `bridge("br-int")\n 0. in_port=101, priority 100\n    set_field:0x1->tun_id\n    ${out}\n     -> output to native tunnel\n`;
  // The live path (src/trace/live.ts) picks the observed tunnel with tracedTunnel, confirm with compareWithObserved.
  assert.equal(tracedTunnel(trace('output:12'), node.tunnels), undefined);
  const twelve = compareWithObserved(r, { trace: trace('output:12'), node, route: null, expectedDevice: null });
  assert.equal(twelve.observed, null);
  assert.equal(twelve.observed_kind, 'other');
  assert.equal(twelve.agrees, false);
  assert.match(twelve.differences[0]!, /ofports 12, not to exactly one tunnel/);
  assert.equal(tracedTunnel(trace('output:1'), node.tunnels)?.port, right.port);
  const one = compareWithObserved(r, { trace: trace('output:1'), node, route: null, expectedDevice: null });
  assert.equal(one.observed_kind, 'tunnel');
  assert.equal(one.observed?.tunnel, right.port);
  assert.equal(one.agrees, true);
});
