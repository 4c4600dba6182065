// The zones panel in headless Chromium: one row per zone with its status, the
// zone x zone matrix, and a live update once every remote pod port is steered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ViewHub } from '../../src/web/hub.ts';
import { zonesDashboardView } from '../../src/web/index.ts';
import { buildIcState, zone } from '../verify/icFixture.ts';
import { chromiumAvailable, openDashboard, CHROMIUM } from './browser.ts';

test('zones panel: rows, matrix, live update to all steered', { skip: chromiumAvailable() ? false : `${CHROMIUM} missing` }, async (t) => {
  const before = buildIcState(undefined, undefined, { steered: false });
  const z3 = zone(before, 'hv3');
  delete z3.southbound;
  z3.error = 'unix:/run/hv3/sb.sock: connect ENOENT';
  const hub = new ViewHub(zonesDashboardView(before, 'zones.yaml'));
  const { page, errors } = await openDashboard(t, hub);
  const id = (x: string) => page.getByTestId(x);
  await id('zone-row').first().waitFor({ timeout: 20_000 });

  assert.equal(await id('zones-panel').isVisible(), true);
  assert.equal(await id('count-zones').textContent(), '3 zones · 1 unreachable');
  const row = (z: string) => page.locator(`[data-testid="zone-row"][data-zone="${z}"]`);
  assert.equal(await row('hv1').getAttribute('data-status'), 'unconfirmed');
  assert.equal(await row('hv1').getAttribute('data-arbitrary'), '2');
  assert.equal(await row('hv3').getAttribute('data-status'), 'disagree');
  assert.match((await row('hv3').textContent())!, /connect ENOENT/);
  const cell = (from: string, to: string) => page.locator(`[data-testid="zone-cell"][data-from="${from}"][data-to="${to}"]`);
  assert.equal(await id('zone-cell').count(), 9);
  assert.equal(await cell('hv1', 'hv2').getAttribute('data-state'), 'arbitrary');
  assert.equal(await cell('hv1', 'hv2').textContent(), '0/2');
  assert.equal(await cell('hv1', 'hv1').getAttribute('data-state'), 'none');

  hub.publish(zonesDashboardView(buildIcState(), 'zones.yaml'));
  await page.locator('[data-testid="zone-row"][data-zone="hv3"][data-status="ok"]').waitFor({ timeout: 10_000 });
  assert.equal(await id('count-zones').textContent(), '3 zones');
  assert.equal(await page.locator('[data-testid="zone-cell"][data-state="steered"]').count(), 6);
  assert.equal(await cell('hv2', 'hv3').textContent(), '2/2');
  assert.deepEqual(errors, []);
});

test('without zones the panel stays hidden', { skip: chromiumAvailable() ? false : `${CHROMIUM} missing` }, async (t) => {
  const s = buildIcState();
  const { zones: _z, crossZone: _c, ...plain } = zonesDashboardView(s, 'x');
  const hub = new ViewHub(plain);
  const { page, errors } = await openDashboard(t, hub);
  await page.getByTestId('steering-row').first().waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('zones-panel').isVisible(), false);
  assert.deepEqual(errors, []);
});
