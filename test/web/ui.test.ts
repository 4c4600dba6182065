// `mvtep ui`: usage rules, the snapshot source, and --lab against a real lab (as JSON, no server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { startLab, loadScenario } from '../../src/lab/index.ts';
import { STATE_FORMAT, type GatheredState } from '../../src/verify/index.ts';
import type { DashboardView } from '../../src/web/view.ts';

const io = (): CapturedIo => captureIo();

test('ui usage errors exit 2', async () => {
  for (const argv of [[], ['--sb', 'unix:/x', '--snapshot', 'f'], ['--ovsdb', 'unix:/a', '--ovsdb', 'unix:/b', '--netns', 'n'],
    ['--sysfs', '/s'], ['--lab', 'x', '--listen', 'nohost:1'], ['--what']]) {
    const t = io();
    assert.equal(await main(['ui', ...argv], t), 2, argv.join(' '));
    assert.match(t.err(), /mvtep ui: /);
  }
});

test('ui --snapshot --json prints the view of a verify state file, with its findings', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-ui-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const state: GatheredState = {
    format: STATE_FORMAT,
    nodes: [{
      label: 'hv1',
      openVswitch: { externalIds: { 'system-id': 'hv1', 'ovn-encap-ip': '192.0.2.11,192.0.2.12', 'ovn-encap-type': 'geneve' } },
      interfaces: [{ name: 'rep0', type: '', ofport: 1, externalIds: { 'iface-id': 'pod-a', 'encap-ip': '192.0.2.99' }, options: {} }],
      tunnels: [],
    }],
  };
  const file = join(dir, 'state.json');
  await writeFile(file, JSON.stringify(state));
  const out = io();
  assert.equal(await main(['ui', '--snapshot', file, '--json'], out), 0, out.err());
  const view = JSON.parse(out.out()) as DashboardView;
  assert.equal(view.source.kind, 'snapshot');
  assert.deepEqual(view.chassis.map((c) => c.name), ['hv1']);
  assert.equal(view.steering[0]!.pod, 'pod-a');
  assert.ok(view.findings.some((f) => f.check === 'encap-ip-unknown' && f.severity === 'error'), JSON.stringify(view.findings));
  const bad = io();
  // Unreadable input exits 2; with --json the error is one JSON object on stdout (docs/cli.md).
  assert.equal(await main(['ui', '--snapshot', join(dir, 'nope.json'), '--json'], bad), 2);
  assert.equal((JSON.parse(bad.out()) as { code: string }).code, 'snapshot-unreadable');
});

test('ui --lab --json: the real lab gathered, verified and traced with ofproto/trace', { timeout: 120_000 }, async (t) => {
  const scenario = await loadScenario(fileURLToPath(new URL('../../examples/two-node.yaml', import.meta.url)));
  const lab = await startLab(scenario, { handleSignals: false });
  t.after(() => lab.down());
  const out = io();
  assert.equal(await main(['ui', '--lab', lab.workDir, '--json'], out), 0, out.err());
  const view = JSON.parse(out.out()) as DashboardView;
  assert.equal(view.source.kind, 'lab');
  assert.equal(view.summary.chassis, 2);
  assert.equal(view.summary.vteps, 5);
  // hv1 (3 IPs) x hv2 (2 IPs): 6 tunnel ports on each side, 6 VTEP pairs, all observed on both sides.
  assert.equal(view.summary.tunnelPorts, 12);
  assert.equal(view.links.length, 6);
  assert.ok(view.links.every((l) => l.observed && l.ports === 2));
  assert.equal(view.steering.length, 4);
  // stream-a and stream-b carry encap-ip: the path is pinned, and ofproto/trace used exactly that tunnel.
  const p = view.steering.find((r) => r.pod === 'stream-a')!.paths.find((x) => x.peer === 'stream-b')!;
  assert.deepEqual([p.localIp, p.remoteIp], ['192.0.2.12', '192.0.2.22']);
  assert.match(p.tunnel ?? '', /^ovn-/);
  assert.match(p.detail ?? '', /pinned/);
  // No underlay in this lab: no VTEP device, so the kernel cannot route it and nothing is confirmed.
  assert.equal(p.confirmed, false);
  assert.match(p.detail ?? '', /ip route get 192\.0\.2\.22 from 192\.0\.2\.12/);
  assert.ok(view.findings.some((f) => f.check === 'vtep-no-device'));
});
