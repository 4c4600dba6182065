import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSteeringTable, summaryLine } from '../../src/demo/table.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { seedInputs } from '../web/fixture.ts';

test('the steering table has a line per path and marks the wrong NIC', () => {
  const text = formatSteeringTable(buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' })));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 1 + 18);
  assert.match(lines[0]!, /^POD\s+NODE\s+CLASS\s+NIC\s+VTEP\s+TUNNEL TO EACH PEER\s+EGRESS\s+CONFIRMED$/);
  const broken = lines.find((l) => l.startsWith('storage-hv1'))!;
  assert.match(broken, /192\.0\.2\.1 \[expected 203\.0\.113\.1 \(vtep2\)\]/);
  assert.match(broken, /vtep0 \[expected vtep2\]\s+WRONG NIC$/);
  const ok = lines.find((l) => l.startsWith('streaming-hv2'))!;
  assert.match(ok, /198\.51\.100\.2 \(vtep1\)\s+hv1\/streaming-hv1: 198\.51\.100\.2 -> 198\.51\.100\.1 ovn-hv1-0\s+vtep1\s+yes$/);
  // The continuation line carries only the second peer.
  const next = lines[lines.indexOf(ok) + 1]!;
  assert.match(next, /^\s+hv3\/streaming-hv3: 198\.51\.100\.2 -> 198\.51\.100\.3/);
});

test('the summary line says whether every path is confirmed', () => {
  assert.match(summaryLine(buildDashboardView(seedInputs(3))), /18\/18 paths OK .*every path confirmed on its own NIC/);
  assert.match(summaryLine(buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }))), /16\/18 .*: storage-hv1$/);
});
