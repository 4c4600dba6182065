// The steering view's wire evidence in headless Chromium (netdev labs probe real packets,
// src/probe): per path the verdict, the PFs it left and arrived on, outer VTEPs, VLAN
// and VNI; a path seen on the wrong PF turns its row wrong-nic although trace confirmed
// it; views without wire evidence (dummy labs, clusters) hide the column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ViewHub } from '../../src/web/hub.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { seedInputs, withWire } from './fixture.ts';
import { chromiumAvailable, openDashboard, CHROMIUM } from './browser.ts';

test('dashboard: wire column per path, wrong PF on the wire outranks a confirmed trace, hidden without probes', { skip: chromiumAvailable() ? false : `${CHROMIUM} missing` }, async (t) => {
  const hub = new ViewHub(buildDashboardView(withWire(seedInputs(3))));
  const { page, errors } = await openDashboard(t, hub);
  const id = (x: string) => page.getByTestId(x);
  await id('live-status').and(page.locator('[data-state="live"]')).waitFor({ timeout: 20_000 });
  await id('steering-row').first().waitFor();

  // 9 pods x 2 same-class peers, every one seen on its own NICs.
  assert.equal(await page.locator('[data-testid="wire"][data-wire="wire"]').count(), 18);
  assert.ok(await page.locator('th.wire-col').isVisible());
  assert.match((await id('health').textContent()) ?? '', /All 18 paths confirmed on the wire.*18 of 18 seen on the wire/);
  const cell = page.locator('[data-testid="steering-row"][data-pod="streaming-hv1"] [data-testid="wire"][data-peer="streaming-hv2"]');
  assert.deepEqual([await cell.getAttribute('data-left'), await cell.getAttribute('data-arrived')], ['hv1/enp2s0f0', 'hv2/enp2s0f0']);
  assert.match((await cell.textContent()) ?? '', /✓ wire enp2s0f0 ⇢ enp2s0f0 198\.51\.100\.1→198\.51\.100\.2 vlan 25 vni 7/);
  assert.match((await cell.getAttribute('title')) ?? '', /left hv1\/enp2s0f0 198\.51\.100\.1→198\.51\.100\.2 vlan 25 vni 7\narrived hv2\/enp2s0f0/);

  // The wire shows streaming-hv1 -> streaming-hv3 leaving on the storage PF: trace still says confirmed, the row does not.
  hub.publish(buildDashboardView({ ...withWire(seedInputs(3), [['streaming-hv1', 'streaming-hv3']]), now: new Date('2026-11-26T12:00:05Z') }));
  const off = page.locator('[data-testid="steering-row"][data-pod="streaming-hv1"] [data-testid="wire"][data-peer="streaming-hv3"]');
  await off.and(page.locator('[data-wire="wrong-nic"]')).waitFor({ timeout: 10_000 });
  assert.equal(await off.getAttribute('data-left'), 'hv1/enp3s0f0');
  assert.match((await off.getAttribute('title')) ?? '', /3 frames left hv1\/enp3s0f0, expected hv1\/enp2s0f0/);
  assert.equal(await page.locator('[data-testid="steering-row"][data-pod="streaming-hv1"]').getAttribute('data-status'), 'wrong-nic');
  assert.equal(await id('health').getAttribute('data-state'), 'bad');
  assert.match((await id('health').textContent()) ?? '', /17 of 18 seen on the wire/);

  // A view nobody probed (dummy datapath, a cluster): no wire column at all.
  hub.publish(buildDashboardView({ ...seedInputs(3), now: new Date('2026-11-26T12:00:10Z') }));
  await page.locator('th.wire-col').waitFor({ state: 'hidden', timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="wire"]:visible').count(), 0);
  assert.deepEqual(errors, [], 'no script errors or CSP violations in the page');
});
