// The dashboard on the real demo lab (3 chassis x 3 NICs, underlay, agents,
// pods) in headless Chromium: graph counts and steering rows match the lab,
// then a misconfiguration made in OVSDB reaches the page through the monitors
// and SSE. Screenshots go to a temp dir, or to $MVTEP_SCREENSHOT_DIR
// (docs/img for the README: MVTEP_SCREENSHOT_DIR=docs/img).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupDemo } from '../../src/demo/session.ts';
import { ViewHub } from '../../src/web/hub.ts';
import { LiveView } from '../../src/web/live.ts';
import { findRuntime } from '../../src/lab/runtime.ts';
import { chromiumAvailable, openDashboard, screenshotDir, CHROMIUM } from './browser.ts';

const seedFile = fileURLToPath(new URL('../../examples/seed.yaml', import.meta.url));

test('dashboard on the real demo lab: counts, rows, live finding', {
  skip: !chromiumAvailable() ? `${CHROMIUM} missing` : false,
  timeout: 240_000,
}, async (t) => {
  assert.ok(await findRuntime(), 'the OVN runtime is installed (mvtep runtime install)');
  const lines: string[] = [];
  const session = await setupDemo({ seedFile, nodes: 3, log: (l) => lines.push(l) });
  t.after(() => session.teardown());
  // The lab's namespaces are where `ip netns` keeps them (the demo test checks they are gone afterwards).
  const netns = await readdir('/run/netns');
  for (const c of Object.values(session.lab.chassis)) assert.ok(netns.includes(c.netns), c.netns);
  const hub = new ViewHub();
  const live = await LiveView.start({ ...session.viewOptions, hub, pollMs: 0, debounceMs: 100 });
  t.after(() => live.close());
  const { page, errors } = await openDashboard(t, hub);
  const shots = await screenshotDir(t);
  const id = (x: string) => page.getByTestId(x);
  await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
  await id('steering-row').first().waitFor();

  // The lab as the page draws it: 3 chassis, 3 VTEPs each, 3x3 VTEP pairs per chassis pair, 54 tunnel ports.
  assert.equal(await id('chassis').count(), 3);
  assert.equal(await id('vtep').count(), 9);
  assert.equal(await id('tunnel-link').count(), 27);
  assert.equal(await id('count-tunnel-ports').textContent(), '54');
  assert.equal(await page.locator('[data-testid="tunnel-link"][data-used="true"]').count(), 9, 'same-class pairs carry the traced paths');
  assert.equal(await page.locator('[data-testid="tunnel-link"][data-ports="2"]').count(), 27, 'every pair has a tunnel port on both sides');
  assert.equal(await id('steering-row').count(), 9);
  assert.equal(await page.locator('[data-testid="steering-row"][data-status="ok"]').count(), 9, 'every path confirmed on its own NIC');
  for (const [pod, vtep] of session.plan.expectedVtep) {
    const row = page.locator(`[data-testid="steering-row"][data-pod="${pod}"]`);
    assert.equal(await row.getAttribute('data-vtep'), vtep, `${pod} leaves from its NIC's VTEP`);
  }
  assert.equal(await page.locator('[data-testid="steering-row"][data-pod="storage-2"]').getAttribute('data-egress'), 'vtep2');
  assert.equal(await page.locator('[data-testid="finding"][data-severity="error"]').count(), 0);
  assert.equal(await id('health').getAttribute('data-state'), 'good');
  const healthyShot = join(shots, 'dashboard.png');
  await page.screenshot({ path: healthyShot, fullPage: true });
  assert.ok((await stat(healthyShot)).size > 20_000);

  // A misconfiguration in a chassis' OVSDB: the monitor sees it, the page gets a new view over SSE.
  const injected = await session.inject('encap-ip-unknown');
  await page.locator('[data-testid="finding"][data-check="encap-ip-unknown"]').waitFor({ timeout: 30_000 });
  const broken = page.locator(`[data-testid="steering-row"][data-pod="${injected.pod}"]`);
  await page.locator(`[data-testid="steering-row"][data-pod="${injected.pod}"][data-status="wrong-nic"]`).waitFor({ timeout: 30_000 });
  assert.equal(await broken.getAttribute('data-egress'), 'vtep0', 'the ignored encap-ip sends it out of the first VTEP');
  assert.equal(await id('health').getAttribute('data-state'), 'bad');
  await page.screenshot({ path: join(shots, 'dashboard-broken.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
