import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { planDemoFromText, DemoError } from '../../src/demo/plan.ts';
import { ScenarioError } from '../../src/lab/index.ts';

const seedFile = new URL('../../examples/seed.yaml', import.meta.url);

test('the seed plan leaves encap IPs, mapping and pods to the underlay, agent and demo', async () => {
  const plan = planDemoFromText(await readFile(seedFile, 'utf8'), 'examples/seed.yaml', 3);
  assert.equal(plan.scenario.chassis.length, 3);
  assert.ok(plan.scenario.chassis.every((c) => c.encapIps === undefined && !c.writePfMapping));
  assert.equal(plan.scenario.pods.length, 0);
  assert.equal(plan.pods.length, 9);
  assert.ok(plan.pods.every((p) => p.encapIp === undefined));
  assert.equal(plan.expectedVtep.get('storage-2'), '192.0.2.23');
  const spec = plan.specs.get('hv2')!;
  assert.equal(spec.node, 'hv2');
  assert.equal(spec.datapathType, 'netdev');
  assert.deepEqual(spec.nics.map((n) => [n.pf, n.bridge, n.vtep, `${n.ip.address}/${n.ip.prefixLength}`, n.class, n.table]), [
    ['enp1s0f0', 'brenp1s0f0', 'vtep0', '192.0.2.21/24', 'management', 6081],
    ['enp2s0f0', 'brenp2s0f0', 'vtep1', '192.0.2.22/24', 'streaming', 6082],
    ['enp3s0f0', 'brenp3s0f0', 'vtep2', '192.0.2.23/24', 'storage', 6083],
  ]);
  assert.deepEqual(plan.nics.get('hv3')!.map((n) => n.class), ['management', 'streaming', 'storage']);
});

test('--nodes shrinks or grows the seed; out of range is a typed error', async () => {
  const text = await readFile(seedFile, 'utf8');
  const two = planDemoFromText(text, 'seed', 2);
  assert.deepEqual(two.scenario.chassis.map((c) => c.name), ['hv1', 'hv2']);
  assert.equal(two.pods.length, 6);
  const five = planDemoFromText(text, 'seed', 5);
  assert.deepEqual(five.scenario.chassis.map((c) => c.name), ['hv1', 'hv2', 'hv3', 'hv4', 'hv5']);
  assert.deepEqual(five.scenario.chassis[4]!.nics.map((n) => n.vtep), ['192.0.2.51', '192.0.2.52', '192.0.2.53']);
  assert.equal(five.pods.length, 15);
  assert.deepEqual(five.pods.filter((p) => p.chassis === 'hv5').map((p) => [p.name, p.ip]),
    [['mgmt-5', '203.0.113.15'], ['stream-5', '203.0.113.75'], ['storage-5', '203.0.113.135']]);
  for (const bad of [1, 10, 2.5]) {
    assert.throws(() => planDemoFromText(text, 'seed', bad), (e: unknown) => e instanceof DemoError && e.code === 'demo-nodes' && e.input === bad);
  }
  assert.throws(() => planDemoFromText('name: x\nchassis: []\n', 'bad.yaml', 2), ScenarioError);
});
