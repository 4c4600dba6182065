// Integration (26.03, OVS 4.0.0, the netdev seed on 2 nodes): verify's userspace-tunnel-routing
// and trace on a node whose tunnels OVS routes itself. Each case is made for real in hv1's
// netns and vswitchd: a healthy node is one info; a kernel rule OVS cannot import (fwmark) is a
// warning; a route added to OVS only (ovs/route/add) sends a VTEP's tunnels out of another
// device and OVS's routes disagree with the kernel's; trace --confirm asks OVS, not the kernel,
// and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { setupDemo } from '../../src/demo/session.ts';
import { gatherState } from '../../src/observe/index.ts';
import { unixctl } from '../../src/ovsdb/index.ts';
import { traceLive } from '../../src/trace/index.ts';
import { runChecks } from '../../src/verify/index.ts';
import { run } from '../../src/util/exec.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';

const seedNetdev = new URL('../../examples/seed-netdev.yaml', import.meta.url).pathname;

test('OVS >= 3.7 on netdev: verify reads OVS\'s router, trace uses its lookup; broken on purpose, both say where', async (t) => {
  const runtime = await requireRuntime();
  if (runtime.release !== '26.03') {
    t.skip(`release ${runtime.release} (OVS ${runtime.manifest.ovsVersion}): datapath: netdev needs OVS >= 3.7, i.e. 26.03`);
    return;
  }
  const session = await setupDemo({ seedFile: seedNetdev, nodes: 2, log: () => {} });
  const lab = session.lab;
  const hv1 = lab.chassis['hv1']!;
  const sb = lab.sb.remote;
  const ctl = hv1.vswitchdCtl;
  const routerFindings = async () => runChecks(await gatherState({ ovsdb: hv1.ovsdbRemote, netns: hv1.netns, sb }))
    .filter((f) => f.check === 'userspace-tunnel-routing');
  // OVS learns kernel changes from netlink: wait for its table to show (or drop) a rule.
  const ovsRules = (want: (text: string) => boolean, what: string) => pollUntil(async () => (want(await unixctl(ctl, 'ovs/route/rule/show', [])) ? ready(true) : notYet(what)),
    10_000, { onTimeout: (why) => new Error(why) });
  try {
    let f = await routerFindings();
    assert.deepEqual(f.map((x) => x.severity), ['info'], JSON.stringify(f));
    assert.match(f[0]!.message, /OVS 4\.0\.0 \(>= 3\.7\).* OVS holds \d+ rules matching the kernel's, and 9 lookups .* as the kernel's do/);

    const healthy = await traceLive({ from: 'stream-1', to: 'stream-2', sb, ovsdb: hv1.ovsdbRemote, netns: hv1.netns, confirm: true });
    assert.equal(healthy.result.confirm?.agrees, true, JSON.stringify(healthy.result.confirm));
    assert.deepEqual([healthy.result.confirm?.observed_route?.lookup, healthy.result.confirm?.observed_route?.device], ['ovs', 'vtep1']);
    assert.ok(healthy.result.steps.some((s) => s.step === 'ovs-route' && /^ovs\/route\/lookup 192\.0\.2\.22 src=192\.0\.2\.12: OVS's router/.test(s.text)));

    // A fwmark rule: the kernel has it, OVS never imports it.
    await run(['ip', '-n', hv1.netns, 'rule', 'add', 'pref', '100', 'fwmark', '7', 'lookup', '6083']);
    try {
      f = await routerFindings();
      assert.deepEqual(f.map((x) => x.severity), ['warning'], JSON.stringify(f));
      assert.match(f[0]!.message, /does not import .*100 \(fwmark, lookup 6083\)/);
      assert.doesNotMatch(await unixctl(ctl, 'ovs/route/rule/show', []), /^\S+ 100:/m);
    } finally {
      await run(['ip', '-n', hv1.netns, 'rule', 'del', 'pref', '100']);
    }

    // A route only OVS has: the storage VTEP's tunnel to 192.0.2.23 now leaves through vtep0.
    await unixctl(ctl, 'ovs/route/add', ['192.0.2.23/32', 'vtep0', 'table=6083']);
    try {
      f = await routerFindings();
      assert.deepEqual(f.map((x) => x.severity), ['error', 'error'], JSON.stringify(f));
      assert.match(f[0]!.message, /out of another device: 192\.0\.2\.13 -> 192\.0\.2\.23 out of vtep0, not vtep2$/);
      assert.match(f[1]!.message, /disagrees with the kernel: 192\.0\.2\.13 -> 192\.0\.2\.23: OVS vtep0, kernel vtep2$/);
      const broken = await traceLive({ from: 'storage-1', to: 'storage-2', sb, ovsdb: hv1.ovsdbRemote, netns: hv1.netns, confirm: true });
      assert.equal(broken.result.confirm?.agrees, false);
      assert.deepEqual(broken.result.confirm?.differences, ['OVS\'s router sends 192.0.2.13 -> 192.0.2.23 out of vtep0, not vtep2']);
    } finally {
      await unixctl(ctl, 'ovs/route/del', ['192.0.2.23/32', 'table=6083']);
    }
    await ovsRules((s) => s.includes('from 192.0.2.13 lookup 6083'), 'rule from 192.0.2.13 in OVS');
    f = await routerFindings();
    assert.deepEqual(f.map((x) => x.severity), ['info'], JSON.stringify(f));
  } finally {
    await session.teardown();
  }
});
