import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario, parseScenario, ScenarioError } from '../../src/lab/scenario.ts';
import { chassisEntry, TWO_NODES_UNSORTED_VTEPS } from './helpers/scenarioText.ts';

const examples = new URL('../../examples/', import.meta.url).pathname;

const base = `name: t
chassis:
  - name: hv1
    encapIps: [192.0.2.11, 192.0.2.12]
    nics:
      - { pf: enp1s0f0, vtep: 192.0.2.11 }
      - { pf: enp2s0f0, vtep: 192.0.2.12 }
switches:
  - { name: ls1, subnet: 203.0.113.0/26 }
`;

function fails(text: string, path: string, reason: RegExp, line?: number): void {
  assert.throws(() => parseScenario(text, 'bad.yaml'), (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.equal(e.code, 'scenario-invalid');
    assert.equal(e.file, 'bad.yaml');
    assert.equal(e.path, path);
    assert.match(e.reason, reason);
    const prefix = line !== undefined ? `bad.yaml:${line}: ` : /^bad\.yaml(:\d+)?: /.exec(e.message)?.[0] ?? 'bad.yaml: ';
    assert.ok(e.message.startsWith(`${prefix}${path ? `${path}: ` : ''}`), e.message);
    return true;
  });
}

test('the examples parse: seed has 3 nodes x 3 NICs with their VTEPs', async () => {
  const seed = await loadScenario(`${examples}seed.yaml`);
  assert.deepEqual(seed.chassis.map((c) => c.name), ['hv1', 'hv2', 'hv3']);
  for (const c of seed.chassis) {
    assert.deepEqual(c.nics.map((n) => n.pf), ['enp1s0f0', 'enp2s0f0', 'enp3s0f0']);
    assert.deepEqual(c.nics.map((n) => n.vtep), c.encapIps);
  }
  assert.deepEqual(seed.chassis[1]!.nics.map((n) => n.pci), ['0000:01:00.0', '0000:02:00.0', '0000:03:00.0']);
  assert.equal(seed.fabric.gateway.address, '192.0.2.254');
  const two = await loadScenario(`${examples}two-node.yaml`);
  assert.deepEqual(two.chassis.map((c) => c.encapIps?.length), [3, 2]);
  assert.equal(two.pods.find((p) => p.name === 'stream-a')?.encapIp, '192.0.2.12');
  assert.equal(two.pods.find((p) => p.name === 'store-a')?.encapIp, undefined);
});

test('defaults: PCI from the predictable name, MACs unique, lport = pod name', () => {
  const s = parseScenario(base + `pods:
  - { name: a, chassis: hv1, pf: enp2s0f0, vf: 1, switch: ls1, ip: 203.0.113.5 }
  - { name: b, chassis: hv1, pf: enp1s0f0, vf: 1, switch: ls1, ip: 203.0.113.6 }
`);
  assert.equal(s.chassis[0]!.nics[1]!.pci, '0000:02:00.0');
  assert.equal(s.pods[0]!.lport, 'a');
  assert.notEqual(s.pods[0]!.mac, s.pods[1]!.mac);
  assert.equal(s.encapType, 'geneve');
  assert.equal(s.chassis[0]!.writePfMapping, false);
});

test('bad scenarios name the file, the key path, the line and the reason', async () => {
  fails('name: t\nchassis: []\n', 'chassis', /at least one chassis/, 2);
  fails(base.replace('encapIps:', 'encapIPs:'), 'chassis[0].encapIPs', /unknown key/, 4);
  fails(base.replace('192.0.2.12]', '10.0.0.2]'), 'chassis[0].encapIps[1]', /outside the documentation ranges/);
  fails(base.replace('192.0.2.12]', '192.0.2.11]'), 'chassis[0].encapIps', /duplicate IP '192.0.2.11'/);
  fails(base + 'pods:\n  - { name: a, chassis: hv9, pf: enp1s0f0, vf: 0, switch: ls1, ip: 203.0.113.5 }\n', 'pods[0].chassis', /no chassis named 'hv9'/, 11);
  fails(base + 'pods:\n  - { name: a, chassis: hv1, pf: enp1s0f0, vf: 9, switch: ls1, ip: 203.0.113.5 }\n', 'pods[0].vf', /4 VFs enabled/);
  fails(base + 'pods:\n  - { name: a, chassis: hv1, pf: enp1s0f0, vf: 0, switch: ls1, ip: 203.0.113.99 }\n', 'pods[0].ip', /outside switch ls1's subnet/);
  fails(base + 'pods:\n  - { name: a, chassis: hv1, pf: eth7, vf: 0, switch: ls1, ip: 203.0.113.5 }\n', 'pods[0].pf', /has no NIC 'eth7'/);
  fails(base.replace('enp2s0f0, vtep', 'enp1s0f0, vtep'), 'chassis[0].nics[1].pf', /duplicate PF/);
  fails(base.replace('{ pf: enp1s0f0, vtep: 192.0.2.11 }', '{ pf: eth0 }'), 'chassis[0].nics[0].pci', /cannot derive a PCI address/);
  fails(base + 'fabric: { gateway: 192.0.2.254 }\n', 'fabric.gateway', /not an address with prefix/);
  fails('name: t\nchassis:\n  - { name: a }\n  - { name: b, encapIps: [192.0.2.1] }\n  - { name: c, encapIps: [192.0.2.1] }\n',
    'chassis[2].encapIps[0]', /already an encap IP of chassis b/);
  fails('name: [oops\n', '', /not valid YAML/);
  await assert.rejects(loadScenario('/nonexistent/x.yaml'), (e: unknown) => e instanceof ScenarioError && /cannot read/.test(e.message));
});

test('the lab tests\' shared scenario text: one NIC per VTEP in written order, mapping written, VF counts as given', () => {
  const s = parseScenario(`name: t\n${TWO_NODES_UNSORTED_VTEPS}pods: []\n`, 'shared.yaml');
  assert.deepEqual(s.switches.map((w) => w.name), ['ls-a']);
  const [hv1, hv2] = s.chassis;
  assert.deepEqual(hv1!.encapIps, ['192.0.2.11', '192.0.2.100', '192.0.2.2']);
  assert.deepEqual(hv1!.nics.map((n) => [n.pf, n.vtep, n.totalVfs, n.numVfs]),
    [['enp1s0f0', '192.0.2.11', 4, 2], ['enp2s0f0', '192.0.2.100', 4, 2], ['enp3s0f0', '192.0.2.2', 4, 2]]);
  assert.deepEqual(hv2!.nics.map((n) => [n.pf, n.vtep]), [['enp1s0f0', '198.51.100.1'], ['enp2s0f0', '198.51.100.2']]);
  assert.ok(s.chassis.every((c) => c.writePfMapping));
  const bare = parseScenario(`name: t\nchassis:\n${chassisEntry('hv9', ['192.0.2.9'], { numVfs: 1 })}\n`, 'bare.yaml');
  assert.deepEqual(bare.chassis[0]!.nics.map((n) => [n.pf, n.vtep, n.numVfs]), [['enp1s0f0', '192.0.2.9', 1]]);
  assert.equal(bare.chassis[0]!.nics[0]!.totalVfs, 8, 'totalVfs not written: the scenario default');
});
