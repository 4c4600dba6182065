// Pure: how a trace's output actions map to tunnels, local ports or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEgress, podTraceFlow } from '../../src/lab/trace.ts';
import { outputOfports } from '../../src/ovn/index.ts';
import type { NodeState } from '../../src/observe/index.ts';
import type { PodHandle } from '../../src/lab/state.ts';

type BridgeRead = Pick<NodeState, 'interfaces' | 'tunnels'>;

const view: BridgeRead = {
  interfaces: [
    { name: 'enp1s0f0_0', type: 'internal', ofport: 7, externalIds: { 'iface-id': 'a' }, options: {} },
    { name: 'enp1s0f0_1', type: 'internal', ofport: 8, externalIds: { 'iface-id': 'b' }, options: {} },
    { name: 'ovn-hv2-0', type: 'geneve', ofport: 3, externalIds: {}, options: { local_ip: '192.0.2.12', remote_ip: '192.0.2.22' } },
    { name: 'ovn-hv2-1', type: 'geneve', ofport: 4, externalIds: {}, options: { local_ip: '192.0.2.11', remote_ip: '192.0.2.22' } },
  ],
  tunnels: [
    { port: 'ovn-hv2-0', ofport: 3, type: 'geneve', localIp: '192.0.2.12', remoteIp: '192.0.2.22', chassisId: 'hv2@192.0.2.22%192.0.2.12' },
    { port: 'ovn-hv2-1', ofport: 4, type: 'geneve', localIp: '192.0.2.11', remoteIp: '192.0.2.22', chassisId: 'hv2@192.0.2.22%192.0.2.11' },
  ],
};

const tunnelTrace = `42. reg15=0x1,metadata=0x2, priority 100
    set_field:0x2/0xffffff->tun_id
    output:3
     -> output to native tunnel
     -> tunneling to 192.0.2.22 via vtep1
     -> neighbor cache miss for 192.0.2.22 on bridge brenp2s0f0, sending ARP request
Datapath actions: drop
`;

test('the output ofport picks the tunnel, read from the view, not from the name', () => {
  const r = classifyEgress(tunnelTrace, view);
  assert.equal(r.kind, 'tunnel');
  if (r.kind !== 'tunnel') return;
  assert.deepEqual([r.tunnelPort, r.ofport, r.localIp, r.remoteIp, r.remoteChassis], ['ovn-hv2-0', 3, '192.0.2.12', '192.0.2.22', 'hv2']);
  assert.equal(r.egressDevice, 'vtep1');
  assert.equal(r.nativeRouting, 'neighbor-miss');
  // Same trace, tunnels renumbered (ofports change after tunnels come and go): the answer follows the ofport.
  const swapped: BridgeRead = { ...view, tunnels: view.tunnels.map((t) => ({ ...t, ofport: t.ofport === 3 ? 4 : 3 })) };
  const r2 = classifyEgress(tunnelTrace, swapped);
  assert.ok(r2.kind === 'tunnel' && r2.localIp === '192.0.2.11');
});

test('native routing states', () => {
  const failed = classifyEgress('    output:4\n     >> native tunnel routing failed\nDatapath actions: drop\n', view);
  assert.ok(failed.kind === 'tunnel' && failed.nativeRouting === 'failed' && failed.egressDevice === undefined);
  const ok = classifyEgress('    output:4\nDatapath actions: tnl_push(tnl_port(genev_sys_6081),header(size=58)),out_port(2)),2\n', view);
  assert.ok(ok.kind === 'tunnel' && ok.nativeRouting === 'ok');
});

test('local delivery, drops and floods are told apart', () => {
  assert.deepEqual(classifyEgress('    output:8\nDatapath actions: 8\n', view), { kind: 'local', ports: ['enp1s0f0_1'], trace: '    output:8\nDatapath actions: 8\n' });
  assert.equal(classifyEgress(' 0. in_port=7, priority 100\n    drop\nDatapath actions: drop\n', view).kind, 'dropped');
  const flood = classifyEgress('    output:3\n    output:8\n', view);
  assert.deepEqual(flood.kind === 'other' ? flood.ofports : flood, [3, 8]);
  assert.deepEqual(outputOfports('output:3,output:3\n  output:12'), [3, 12]);
});

test('the trace flow carries in_port, MACs and IPs of both pods', () => {
  const pod = (name: string, mac: string, ip: string): PodHandle => ({
    name, chassis: 'hv1', lport: name, switch: 's', mac, ip, pf: 'enp1s0f0', vf: 0, vfPci: '0000:01:00.2', representor: 'enp1s0f0_0',
  });
  assert.equal(podTraceFlow(pod('a', '0a:58:01:01:00:00', '203.0.113.1'), pod('b', '0a:58:02:01:00:00', '203.0.113.2'), 7),
    'in_port=7,dl_src=0a:58:01:01:00:00,dl_dst=0a:58:02:01:00:00,icmp,nw_src=203.0.113.1,nw_dst=203.0.113.2,nw_ttl=64,icmp_type=8,icmp_code=0');
  assert.match(podTraceFlow(pod('a', '0a:58:01:01:00:00', '2001:db8::1'), pod('b', '0a:58:02:01:00:00', '2001:db8::2'), 7),
    /,icmp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64,icmpv6_type=128/);
});
