// Integration, real packets: the real-node probe (OpenFlow packet-out at the pod's br-int port, capture
// on the node's own PFs) on the netdev seed (26.03, 2 nodes, the demo's underlay). The injected echo
// request goes through OVN's pipeline like the pod's own: it leaves on the pod's PF with its VTEPs and
// VLAN; a wrong expectation disagrees; a port no pod has sends nothing (unreachable); no capture is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { setupDemo } from '../../src/demo/session.ts';
import { runNodeProbe, type NodeProbeOptions, type ProbeNode } from '../../src/probe/index.ts';
import { netdevRuntime } from './helpers/netdevRuntime.ts';

const seedNetdev = new URL('../../examples/seed-netdev.yaml', import.meta.url).pathname;

async function tcpdumpsIn(netns: string): Promise<number[]> {
  const s = await stat(`/run/netns/${netns}`).catch(() => undefined);
  const out: number[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    if (!(await readlink(`/proc/${pid}/exe`).catch(() => '')).endsWith('/tcpdump')) continue;
    if (s && (await readlink(`/proc/${pid}/ns/net`).catch(() => '')) === `net:[${s.ino}]`) out.push(Number(pid));
  }
  return out;
}

test('node probe: a packet-out at stream-1\'s br-int port leaves on its own PF with its VTEPs and VLAN', async (t) => {
  const runtime = await netdevRuntime(t);
  if (!runtime) return;
  const session = await setupDemo({ seedFile: seedNetdev, nodes: 2, log: () => {} });
  const lab = session.lab;
  const hv1 = lab.chassis['hv1']!;
  try {
    const [a, b] = [lab.pods['stream-1']!, lab.pods['stream-2']!];
    const ofport = Number((await lab.vsctl('hv1', ['get', 'Interface', a.representor, 'ofport'])).trim());
    assert.ok(ofport > 0, `ofport of ${a.representor}: ${ofport}`);
    const node: ProbeNode = { name: 'hv1', netns: hv1.netns, pfs: hv1.nics.map((n) => ({ pf: n.pf, vtep: n.vtep ?? null })) };
    const base: NodeProbeOptions = {
      ofctl: runtime.argv('ovs-ofctl'), target: `unix:${hv1.runDir}/br-int.mgmt`,
      from: { name: a.name, ofport, mac: a.mac, ip: a.ip }, to: { name: b.name, mac: b.mac, ip: b.ip }, node,
      expect: { source: 'test', localIp: '192.0.2.12', remoteIp: '192.0.2.22', vlan: 25 }, count: 3,
    };
    const r = await runNodeProbe(base);
    assert.equal(r.verdict, 'agrees', r.differences.join('\n'));
    assert.equal(r.injected, 3);
    assert.deepEqual(r.left.map((o) => [o.pf, o.outerSrc, o.outerDst, o.vlan]), [['enp2s0f0', '192.0.2.12', '192.0.2.22', 25]]);
    // The first request may be spent on resolving the tunnel's next hop (docs/lab.md).
    assert.ok(r.left[0]!.frames >= 2, `${r.left[0]!.frames} frames`);
    assert.deepEqual(r.captured, ['hv1/enp1s0f0', 'hv1/enp2s0f0', 'hv1/enp3s0f0']);
    t.diagnostic(`packet-out x3 at port ${ofport}: ${r.left[0]!.frames} frames left hv1/enp2s0f0, vni ${r.left[0]!.vni}, ${r.durationMs} ms`);

    // The management VTEPs for a streaming pod: the wire says where it really went.
    const wrong = await runNodeProbe({ ...base, count: 2, expect: { source: 'test', localIp: '192.0.2.11', remoteIp: '192.0.2.21', vlan: 25 } });
    assert.equal(wrong.verdict, 'disagrees');
    assert.ok(wrong.differences.some((d) => /frames? left hv1\/enp2s0f0, expected hv1\/enp1s0f0/.test(d)), wrong.differences.join('\n'));

    // A port that is no pod's: OpenFlow takes any in_port, but OVN's table 0 has no flow for it, so nothing
    // leaves: unreachable, not a false agreement.
    const none = await runNodeProbe({ ...base, count: 2, from: { ...base.from, ofport: 4000 } });
    assert.deepEqual([none.verdict, none.injected, none.left, none.differences], ['unreachable', 2, [], []]);

    // The command, as on a real node: trace gives the port, MACs and tunnel; the node spec the PFs and VTEPs.
    const dir = await mkdtemp(join(tmpdir(), 'mvtep-node-probe-'));
    try {
      const spec = join(dir, 'hv1.yaml');
      await writeFile(spec, ['node: hv1', 'nics:', ...hv1.nics.map((n, i) => `  - { pf: ${n.pf}, vtep: vtep${i}, ip: ${n.vtep}/24, vlan: 25 }`)].join('\n') + '\n');
      const io = captureIo();
      const code = await main(['probe', '--node', '--spec', spec, '--sb', lab.sb.remote, '--ovsdb', hv1.ovsdbRemote, '--netns', hv1.netns,
        '--appctl-target', hv1.vswitchdCtl, '--target', `unix:${hv1.runDir}/br-int.mgmt`, '--from', 'storage-1', '--to', 'storage-2', '--json'], io);
      assert.equal(code, 0, io.out() + io.err());
      const j = JSON.parse(io.out()) as { verdict: string; injected: number; expected: { source: string; localIp: string; remoteIp: string; sourcePf: string; vlan: number };
        left: { pf: string; outerSrc: string; outerDst: string; vlan: number }[] };
      assert.equal(j.verdict, 'agrees');
      assert.match(j.expected.source, /^ofproto\/trace ovn-hv2-\d+$/);
      assert.deepEqual([j.expected.localIp, j.expected.remoteIp, j.expected.sourcePf, j.expected.vlan], ['192.0.2.13', '192.0.2.23', 'enp3s0f0', 25]);
      assert.deepEqual(j.left.map((o) => [o.pf, o.outerSrc, o.outerDst, o.vlan]), [['enp3s0f0', '192.0.2.13', '192.0.2.23', 25]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await tcpdumpsIn(hv1.netns), [], 'a capture was left running');
  } finally {
    await session.teardown();
  }
});
