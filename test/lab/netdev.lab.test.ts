// Integration: `datapath: netdev` (real packets): the seed on 2 nodes with the demo's underlay,
// a ping from a pod's netns crosses a geneve tunnel; on 25.03 (OVS 3.5) the lab refuses the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { parseScenario, startLab } from '../../src/lab/index.ts';
import { checkNetdevRuntime, nextPodNetns, runsNetdev } from '../../src/lab/podNetns.ts';
import { setupDemo } from '../../src/demo/session.ts';
import { run } from '../../src/util/exec.ts';

const seed = new URL('../../examples/seed.yaml', import.meta.url).pathname;
const netdevText = async () => (await readFile(seed, 'utf8')).replace(/^encapType: geneve$/m, 'encapType: geneve\ndatapath: netdev');

test('scenario: datapath is dummy by default, netdev on request, anything else names the key', async () => {
  assert.equal(parseScenario(await readFile(seed, 'utf8')).datapath, 'dummy');
  assert.equal(parseScenario(await netdevText()).datapath, 'netdev');
  const plain = await readFile(seed, 'utf8');
  assert.throws(() => parseScenario(plain.replace(/^encapType: geneve$/m, 'encapType: geneve\ndatapath: system')),
    /datapath.*'dummy' or 'netdev'/);
});

test('pod netns names never reuse a listed one', () => {
  assert.equal(nextPodNetns({ id: 'abcde', netns: ['mvlabcde-fab', 'mvlabcde-c1'] }), 'mvlabcde-p1');
  assert.equal(nextPodNetns({ id: 'abcde', netns: ['mvlabcde-p1', 'mvlabcde-p7'] }, ['mvlabcde-p9']), 'mvlabcde-p10');
});

test('the netdev rule by OVS version, not release name: 3.7.0 and later run it, older or unreadable do not', () => {
  const on = (ovsVersion: string) => runsNetdev({ manifest: { ovsVersion } });
  assert.deepEqual(['3.5.0', '3.6.9', '3.7.0', '3.7.1', '4.0.0', '10.0', ''].map(on), [false, false, true, true, true, true, false]);
});

test('netdev lab: refused on OVS < 3.7 with the reason, real packets on 26.03', async (t) => {
  const runtime = await requireRuntime();
  const scenario = parseScenario(await netdevText(), 'seed-netdev.yaml');
  if (!runsNetdev(runtime)) {
    assert.throws(() => checkNetdevRuntime(scenario, runtime), /needs OVS >= 3\.7.*route tunnels by destination only/);
    await assert.rejects(startLab(scenario, { runtime, handleSignals: false }), /datapath: netdev needs OVS >= 3\.7/);
    t.diagnostic(`release ${runtime.release}: netdev lab refused as designed; the packet half runs on 26.03`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-netdev-'));
  const file = join(dir, 'seed-netdev.yaml');
  await writeFile(file, await netdevText());
  const session = await setupDemo({ seedFile: file, nodes: 2, log: () => {} });
  const netns = [...session.lab.state.netns];
  try {
    const pod = session.lab.pods['stream-1']!;
    assert.match(pod.netns ?? '', /-p\d+$/);
    const r = await session.lab.exec('stream-1', ['ping', '-c', '2', '-i', '0.2', '-W', '2', '203.0.113.72']);
    assert.equal(r.code, 0, `ping stream-1 -> stream-2 failed: ${r.stdout}${r.stderr}`);
    // The representor identity is kept: the pod's br-int port is named like the VF representor, with its iface-id.
    const ids = await session.lab.vsctl('hv1', ['get', 'Interface', pod.representor, 'external_ids:iface-id']);
    assert.equal(ids.trim().replace(/"/g, ''), pod.lport);
  } finally {
    await session.teardown();
    await rm(dir, { recursive: true, force: true });
  }
  const list = (await run(['ip', 'netns', 'list'])).stdout;
  for (const ns of netns) assert.ok(!list.includes(ns), `netns ${ns} left behind`);
});
