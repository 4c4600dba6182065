// Integration, real packets: `mvtep probe` on the netdev seed (26.03, 2 nodes, the demo's underlay).
// One pod pair per NIC: the wire's PF, outer VTEPs and VLAN are the pods' own; a wrong expectation
// and a deleted source rule both show as disagreement, a cut cable as unreachable. On any release, a dummy lab is refused with the
// reason (on 25.03: its OVS cannot run a netdev lab at all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { setupDemo } from '../../src/demo/session.ts';
import type { Lab, PodHandle } from '../../src/lab/index.ts';
import { runProbe, type ProbeNode } from '../../src/probe/index.ts';
import { run } from '../../src/util/exec.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';
import { cli, labRoot, repo } from './helpers/labCli.ts';
import { netdevRuntime } from './helpers/netdevRuntime.ts';

const seedNetdev = new URL('../../examples/seed-netdev.yaml', import.meta.url).pathname;

/** PIDs of tcpdump processes running inside any of `netns` (by the netns inode, not by name). */
async function tcpdumpsIn(netns: readonly string[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const ns of netns) {
    const s = await stat(`/run/netns/${ns}`).catch(() => undefined);
    if (s) inodes.add(`net:[${s.ino}]`);
  }
  const out: number[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const comm = await readlink(`/proc/${pid}/exe`).catch(() => '');
    if (!comm.endsWith('/tcpdump')) continue;
    if (inodes.has(await readlink(`/proc/${pid}/ns/net`).catch(() => ''))) out.push(Number(pid));
  }
  return out;
}

const vtepOf = (lab: Lab, p: PodHandle) => lab.chassis[p.chassis]!.nics.find((n) => n.pf === p.pf)!.vtep!;
const nodeOf = (lab: Lab, chassis: string): ProbeNode => ({
  name: chassis, netns: lab.chassis[chassis]!.netns, pfs: lab.chassis[chassis]!.nics.map((n) => ({ pf: n.pf, vtep: n.vtep ?? null })),
});

interface Wire { pf: string; outerSrc: string; outerDst: string; vlan: number | null; vni: number; frames: number }

test('probe on the netdev seed: each NIC\'s pair is seen on its own PFs and VTEPs; wrong ones disagree', async (t) => {
  if (!await netdevRuntime(t)) return;
  const session = await setupDemo({ seedFile: seedNetdev, nodes: 2, log: () => {} });
  const lab = session.lab;
  const where = ['--dir', dirname(lab.workDir), '--name', basename(lab.workDir)];
  const netns = Object.values(lab.chassis).map((c) => c.netns);
  try {
    const pods = lab.pods;
    const pairs: [PodHandle, PodHandle][] = [[pods['mgmt-1']!, pods['mgmt-2']!], [pods['stream-1']!, pods['stream-2']!], [pods['storage-2']!, pods['storage-1']!]];
    for (const [a, b] of pairs) {
      const t0 = Date.now();
      const r = await cli(['probe', ...where, '--from', a.name, '--to', b.name, '--json']);
      const ms = Date.now() - t0;
      assert.equal(r.code, 0, `${a.name} -> ${b.name}: ${r.out}${r.err}`);
      const p = JSON.parse(r.out) as { verdict: string; left: Wire[]; arrived: Wire[]; sent: number; replies: number;
        trace: { tracedLocalIp: string; tracedRemoteIp: string; agrees: boolean } };
      assert.equal(p.verdict, 'agrees');
      // Exactly one PF at each end, the pods' own, with the pods' VTEPs as outer addresses and the seed's VLAN.
      assert.deepEqual(p.left.map((w) => [w.pf, w.outerSrc, w.outerDst, w.vlan]), [[a.pf, vtepOf(lab, a), vtepOf(lab, b), 25]], r.out);
      assert.deepEqual(p.arrived.map((w) => [w.pf, w.outerSrc, w.outerDst, w.vlan]), [[b.pf, vtepOf(lab, a), vtepOf(lab, b), 25]], r.out);
      assert.ok(p.left[0]!.frames >= 1 && p.arrived[0]!.frames >= 1);
      assert.deepEqual([p.trace.tracedLocalIp, p.trace.tracedRemoteIp, p.trace.agrees], [vtepOf(lab, a), vtepOf(lab, b), true]);
      t.diagnostic(`${a.name} -> ${b.name}: ${p.sent} sent, ${p.replies} replies, ${p.left[0]!.frames}/${p.arrived[0]!.frames} frames left/arrived on ${a.pf}/${b.pf}, vni ${p.left[0]!.vni}, ${ms} ms`);
    }

    // A deliberately wrong expectation (the management VTEPs for a streaming pair) must fail.
    const [a, b] = [pods['stream-1']!, pods['stream-2']!];
    const wrong = await runProbe({
      from: { name: a.name, ip: a.ip, node: nodeOf(lab, a.chassis), netns: a.netns! },
      to: { name: b.name, ip: b.ip, node: nodeOf(lab, b.chassis) },
      expect: { source: 'test', localIp: vtepOf(lab, pods['mgmt-1']!), remoteIp: vtepOf(lab, pods['mgmt-2']!), vlan: 25 },
    });
    assert.equal(wrong.verdict, 'disagrees');
    assert.deepEqual([wrong.expected.sourcePf, wrong.expected.destinationPf], ['enp1s0f0', 'enp1s0f0']);
    assert.ok(wrong.differences.some((d) => /frames? left hv1\/enp2s0f0, expected hv1\/enp1s0f0/.test(d)), wrong.differences.join('\n'));
    assert.ok(wrong.differences.some((d) => /arrived hv2\/enp2s0f0 with outer 192\.0\.2\.12 -> 192\.0\.2\.22, expected 192\.0\.2\.11 -> 192\.0\.2\.21/.test(d)), wrong.differences.join('\n'));

    // Cut hv2's streaming cable at the fabric: the frames leave hv1 as expected and arrive nowhere, exit 3.
    const cable = lab.chassis['hv2']!.nics.find((n) => n.pf === b.pf)!.fabricPeer;
    await run(['ip', '-n', lab.fabric.netns, 'link', 'set', cable, 'down']);
    try {
      const r = await cli(['probe', ...where, '--from', a.name, '--to', b.name, '--count', '2', '--json']);
      assert.equal(r.code, 3, r.out + r.err);
      const p = JSON.parse(r.out) as { verdict: string; left: Wire[]; arrived: Wire[]; replies: number; differences: string[] };
      assert.deepEqual([p.verdict, p.arrived, p.replies, p.differences], ['unreachable', [], 0, []]);
      assert.deepEqual(p.left.map((w) => w.pf), [a.pf]);
    } finally {
      await run(['ip', '-n', lab.fabric.netns, 'link', 'set', cable, 'up']);
    }
    // Break the wire itself: without 'ip rule from <streaming VTEP>' OVS routes its tunnel out of another VTEP's PF.
    const hv1 = lab.chassis['hv1']!;
    const rules = JSON.parse((await run(['ip', '-n', hv1.netns, '-j', 'rule', 'show'])).stdout) as { priority: number; src?: string; table: string }[];
    const rule = rules.find((x) => x.src === vtepOf(lab, a))!;
    assert.ok(rule, `no source rule for ${vtepOf(lab, a)} on hv1`);
    // OVS imports rule changes from netlink: wait until its own rule table has dropped it (and, after, has it back).
    const ovsHasRule = async () => (await lab.appctl('hv1', ['ovs/route/rule/show'])).includes(`from ${rule.src} lookup`);
    const ovsRule = (want: boolean) => pollUntil(async () => ((await ovsHasRule()) === want ? ready(true) : notYet(`rule ${want ? 'not back' : 'still'} in OVS`)),
      10_000, { onTimeout: (why) => new Error(why) });
    await run(['ip', '-n', hv1.netns, 'rule', 'del', 'pref', String(rule.priority), 'from', rule.src!, 'lookup', rule.table]);
    await ovsRule(false);
    try {
      const r = await cli(['probe', ...where, '--from', a.name, '--to', b.name, '--count', '2', '--json']);
      assert.equal(r.code, 1, r.out + r.err);
      const p = JSON.parse(r.out) as { verdict: string; left: Wire[]; differences: string[] };
      assert.equal(p.verdict, 'disagrees');
      assert.ok(p.left.length > 0 && p.left.every((w) => w.pf !== a.pf && w.outerSrc === vtepOf(lab, a)), r.out);
      assert.ok(p.differences.some((d) => new RegExp(`left hv1/${p.left[0]!.pf}, expected hv1/${a.pf}`).test(d)), p.differences.join('\n'));
      t.diagnostic(`rule from ${rule.src} deleted: ${a.name} -> ${b.name} left on hv1/${p.left.map((w) => w.pf).join(',')} (${p.differences.length} differences)`);
    } finally {
      await run(['ip', '-n', hv1.netns, 'rule', 'add', 'pref', String(rule.priority), 'from', rule.src!, 'lookup', rule.table]);
    }
    await ovsRule(true);
    assert.deepEqual(await tcpdumpsIn(netns), [], 'a capture was left running');
  } finally {
    await session.teardown();
  }
});

test('probe on a dummy-datapath lab: refused with the reason (and on 25.03: its OVS cannot run a netdev lab)', async () => {
  const runtime = await requireRuntime();
  const root = await labRoot('mvtep-probe-');
  const up = await cli(['lab', 'up', '--scenario', join(repo, 'examples/seed.yaml'), '--dir', root, '--name', 'seed']);
  assert.equal(up.code, 0, up.err);
  const r = await cli(['probe', '--dir', root, '--name', 'seed', '--from', 'stream-1', '--to', 'stream-2', '--json']);
  assert.equal(r.code, 2, r.out + r.err);
  const e = JSON.parse(r.out) as { code: string; message: string; input: { datapath: string; release: string } };
  assert.equal(e.code, 'probe-unsupported');
  assert.match(e.message, /lab seed runs datapath: dummy: its br-int moves no packet.*needs a datapath: netdev lab/);
  assert.equal(e.input.release, runtime.release);
  if (runtime.release === '25.03') assert.match(e.message, /which release 25\.03 \(OVS 3\.5[^)]*\) cannot run: .*need OVS >= 3\.7(\.0)? \(release 26\.03/);
  else assert.doesNotMatch(e.message, /cannot run/);
  assert.equal((await cli(['lab', 'down', '--dir', root, '--name', 'seed'])).code, 0);
});
