// One builder and one parser for ofproto/trace (lab, trace --confirm, demo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { icmpEchoFlow, outputOfports, tracedTunnel } from '../../src/ovn/index.ts';
import { traceFlow } from '../../src/trace/index.ts';
import type { TraceResult } from '../../src/trace/index.ts';

test('output:12 is not output:1 (trace --confirm used a substring match and picked ofport 1)', () => {
  const tunnels = [{ port: 'ovn-a-0', ofport: 1 }, { port: 'ovn-a-1', ofport: 12 }];
  const trace = '    set_field:0x1->tun_id\n    output:12\n     -> output to native tunnel\n';
  assert.equal(tracedTunnel(trace, tunnels)?.port, 'ovn-a-1');
  assert.equal(tracedTunnel('    output:1\n', tunnels)?.port, 'ovn-a-0');
  // Several outputs (a flood) name no single tunnel.
  assert.equal(tracedTunnel('    output:1\n    output:12\n', tunnels), undefined);
  assert.deepEqual(outputOfports('output:3,output:3\n  output:12 output:120'), [3, 12, 120]);
});

test('IPv6 flows are ICMPv6 echo requests in every caller (trace used ipv6 + icmp_type, which OVS rejects)', () => {
  const flow = icmpEchoFlow(7, ['0a:58:00:00:00:01', '2001:db8::1'], ['0a:58:00:00:00:02', '2001:db8::2']);
  assert.equal(flow, 'in_port=7,dl_src=0a:58:00:00:00:01,dl_dst=0a:58:00:00:00:02,icmp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64,icmpv6_type=128,icmpv6_code=0');
  const result = {
    from: 'a', source: { ofport: 7, mac: '0a:58:00:00:00:01', ip: '2001:db8::1' }, destination: { mac: '0a:58:00:00:00:02', ip: '2001:db8::2' },
  } as unknown as TraceResult;
  assert.equal(traceFlow(result), flow);
  // Mixed or unknown families: a plain Ethernet frame.
  assert.equal(icmpEchoFlow(1, ['a', '192.0.2.1'], ['b', '2001:db8::2']), 'in_port=1,dl_src=a,dl_dst=b');
});
