// The dashboard's wire evidence on the real netdev lab (26.03, the netdev seed on 2 nodes):
// the live view probes every traced cross-node path with real packets (src/probe via
// src/demo/wireWatch.ts) and the page shows each seen on its pods' PFs with their VTEPs,
// VLAN 25 and a VNI; after deleting hv1's source rule for the streaming VTEP the next
// refresh probes again and the page shows that path leaving on another PF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupDemo } from '../../src/demo/session.ts';
import { labWireProber } from '../../src/demo/wireWatch.ts';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { unixctl } from '../../src/ovsdb/index.ts';
import { ViewHub } from '../../src/web/hub.ts';
import { LiveView } from '../../src/web/live.ts';
import { run } from '../../src/util/exec.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';
import { chromiumAvailable, openDashboard, CHROMIUM } from './browser.ts';

const seedNetdev = new URL('../../examples/seed-netdev.yaml', import.meta.url).pathname;

test('dashboard on the netdev lab: every path on the wire, then one on the wrong PF', {
  skip: !chromiumAvailable() ? `${CHROMIUM} missing` : false, timeout: 240_000,
}, async (t) => {
  const runtime = await requireRuntime();
  if (runtime.release !== '26.03') {
    t.skip(`release ${runtime.release}: datapath: netdev needs OVS >= 3.7, i.e. 26.03`);
    return;
  }
  const session = await setupDemo({ seedFile: seedNetdev, nodes: 2, log: () => {} });
  t.after(() => session.teardown());
  const lab = session.lab;
  const hub = new ViewHub();
  const live = await LiveView.start({ ...session.viewOptions, wire: labWireProber(lab), hub, pollMs: 0, debounceMs: 100 });
  t.after(() => live.close());
  const { page } = await openDashboard(t, hub);
  const id = (x: string) => page.getByTestId(x);
  await id('steering-row').first().waitFor({ timeout: 20_000 });

  // 2 nodes x 3 NICs: each pod has one same-class peer on the other node.
  const cells = page.locator('[data-testid="wire"]');
  assert.equal(await cells.count(), 6);
  assert.equal(await page.locator('[data-testid="wire"][data-wire="wire"]').count(), 6, await page.locator('table[data-testid="steering-table"]').textContent() ?? '');
  const pods = Object.values(lab.pods);
  for (const p of pods) {
    const peer = pods.find((q) => q.chassis !== p.chassis && q.switch === p.switch)!;
    const cell = page.locator(`[data-testid="steering-row"][data-pod="${p.lport}"] [data-testid="wire"][data-peer="${peer.lport}"]`);
    assert.deepEqual([await cell.getAttribute('data-left'), await cell.getAttribute('data-arrived')], [`${p.chassis}/${p.pf}`, `${peer.chassis}/${peer.pf}`]);
    const vtep = (x: typeof p) => lab.chassis[x.chassis]!.nics.find((n) => n.pf === x.pf)!.vtep!;
    assert.match((await cell.textContent()) ?? '', new RegExp(`✓ wire ${p.pf} ⇢ ${peer.pf} ${vtep(p).replace(/\./g, '\\.')}→${vtep(peer).replace(/\./g, '\\.')} vlan 25 vni \\d+`));
  }

  // Without 'ip rule from 192.0.2.12' OVS routes the streaming tunnel out of another PF.
  const hv1 = lab.chassis['hv1']!;
  await run(['ip', '-n', hv1.netns, 'rule', 'del', 'pref', '6082']);
  await pollUntil(async () => ((await unixctl(hv1.vswitchdCtl, 'ovs/route/rule/show', [])).includes('from 192.0.2.12 lookup') ? notYet('OVS still has the rule') : ready(true)),
    10_000, { onTimeout: (why) => new Error(why) });
  await live.refresh();
  const stream = page.locator('[data-testid="steering-row"][data-pod="stream-1"] [data-testid="wire"][data-peer="stream-2"]');
  await stream.and(page.locator('[data-wire="wrong-nic"]')).waitFor({ timeout: 30_000 });
  assert.notEqual(await stream.getAttribute('data-left'), 'hv1/enp2s0f0');
  assert.match(await stream.getAttribute('data-left') ?? '', /^hv1\/enp[13]s0f0$/);
  assert.equal(await page.locator('[data-testid="steering-row"][data-pod="stream-1"]').getAttribute('data-status'), 'wrong-nic');
  assert.equal(await id('health').getAttribute('data-state'), 'bad');
});
