// The page in headless Chromium against a served fixture view: graph counts,
// steering rows, filters, and a live SSE update that adds a finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ViewHub } from '../../src/web/hub.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { seedInputs } from './fixture.ts';
import { chromiumAvailable, openDashboard, screenshotDir, CHROMIUM } from './browser.ts';

test('dashboard renders the fixture and follows live updates', { skip: chromiumAvailable() ? false : `${CHROMIUM} missing` }, async (t) => {
  const hub = new ViewHub(buildDashboardView(seedInputs(3)));
  const { page, errors } = await openDashboard(t, hub);
  const shots = await screenshotDir(t);

  const id = (x: string) => page.getByTestId(x);
  await id('live-status').and(page.locator('[data-state="live"]')).waitFor({ timeout: 20_000 });
  await id('steering-row').first().waitFor();

  assert.equal(await id('chassis').count(), 3);
  assert.equal(await id('vtep').count(), 9);
  assert.equal(await id('tunnel-link').count(), 27);
  assert.equal(await page.locator('[data-testid="tunnel-link"][data-used="true"]').count(), 9);
  assert.equal(await id('bridge').count(), 9);
  assert.equal(await id('count-chassis').textContent(), '3');
  assert.equal(await id('count-links').textContent(), '27');
  assert.equal(await id('count-tunnel-ports').textContent(), '54');
  assert.equal(await id('health').getAttribute('data-state'), 'good');
  assert.equal(await id('steering-row').count(), 9);
  assert.equal(await page.locator('[data-testid="steering-row"][data-status="ok"]').count(), 9);
  const row = page.locator('[data-testid="steering-row"][data-pod="streaming-hv2"]');
  assert.equal(await row.getAttribute('data-vtep'), '198.51.100.2');
  assert.equal(await row.getAttribute('data-egress'), 'vtep1');
  assert.equal(await id('findings-empty').count(), 0);
  assert.equal(await id('finding').count(), 1);

  // Filters: node, class, text, status.
  await id('filter-node').selectOption('hv2');
  assert.equal(await id('steering-row').count(), 3);
  await id('filter-class').selectOption('storage');
  assert.equal(await id('steering-row').count(), 1);
  assert.equal(await id('steering-count').textContent(), '1 of 9 pods');
  await id('filter-node').selectOption('');
  await id('filter-class').selectOption('');
  await id('filter-text').fill('198.51.100.3');
  // streaming-hv3 itself, plus the two streaming pods whose paths go to it.
  assert.equal(await id('steering-row').count(), 3);
  await id('filter-text').fill('');

  // Hovering a row highlights its two paths in the graph.
  await row.hover();
  assert.equal(await page.locator('[data-testid="tunnel-link"].hl').count(), 2);

  // A live update: the broken view arrives over SSE without a reload.
  hub.publish(buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1', now: new Date('2026-11-26T12:00:05Z') })));
  await page.locator('[data-testid="finding"][data-check="encap-ip-unknown"]').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="finding"][data-severity="error"]').count(), 1);
  assert.equal(await id('health').getAttribute('data-state'), 'bad');
  const broken = page.locator('[data-testid="steering-row"][data-pod="storage-hv1"]');
  assert.equal(await broken.getAttribute('data-status'), 'wrong-nic');
  assert.equal(await broken.getAttribute('data-egress'), 'vtep0');
  await id('filter-status').selectOption('problem');
  assert.equal(await id('steering-row').count(), 1);

  const shot = join(shots, 'fixture.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok((await stat(shot)).size > 10_000);
  assert.deepEqual(errors, [], 'no script errors or CSP violations in the page');
  // The collector behind that assertion is live: an error the page logs shows up in it.
  const logged = page.waitForEvent('console');
  await page.evaluate(() => console.error('collector check'));
  await logged;
  assert.deepEqual(errors, ['collector check']);
});
