import { test, before, after } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { serveAgentHttp, startAgent, type AgentHandle, type AgentLog } from '../../src/node/agent/index.ts';
import { startOvs, type OvsHarness } from './agentHarness.ts';
import { mapOf } from '../../src/observe/index.ts';
import { waitFor, ready, notYet } from '../../src/lab/wait.ts';
import { IfaceWatch, plug, setIfaceKeys, setOvsKeys, unplug } from './agentTestKit.ts';

// A bare real ovsdb-server (vswitch schema) plus a fixture sysfs tree with
// three switchdev PFs and one legacy PF: everything the agent reads is real
// except the SR-IOV hardware.
let h: OvsHarness;
let c: OvsdbClient;
let w: IfaceWatch;
let agent: AgentHandle | undefined;
const logs: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
const log: AgentLog = (level, msg, fields) => logs.push({ level, msg, fields: { ...fields } });
const SEED_MAPPING = 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.3';

before(async () => {
  h = await startOvs({
    nics: [
      { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 8, numVfs: 4 },
      { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 8, numVfs: 4 },
      { pf: 'enp3s0f0', pci: '0000:03:00.0', totalVfs: 8, numVfs: 4 },
      { pf: 'enp4s0f0', pci: '0000:04:00.0', totalVfs: 8, numVfs: 1, mode: 'legacy' },
      { pf: 'enp5s0f0', pci: '0000:05:00.0', totalVfs: 8, numVfs: 1 },
    ],
  });
  c = await OvsdbClient.connect(h.remote);
  w = new IfaceWatch(c);
  await w.cache.ready;
});
after(async () => {
  await agent?.stop();
  c?.close();
  await h?.down();
});

async function start(): Promise<AgentHandle> {
  agent = await startAgent({ ovsdb: h.remote, sysfsRoot: h.sysfs.root, log, resyncMs: 0 });
  await agent.ready;
  return agent;
}

test('sets encap-ip for representors only, leaving other VIFs alone', async () => {
  await plug(c, 'enp1s0f0_0', { 'iface-id': 'pod-a' });
  await plug(c, 'enp2s0f0_0', { 'iface-id': 'pod-b' });
  await plug(c, 'tap-vm1', { 'iface-id': 'vm-1' }); // not in sysfs: not ours
  await plug(c, 'enp3s0f0_3', {}); // representor without iface-id: not a pod
  await start();
  await plug(c, 'enp3s0f0_0', { 'iface-id': 'pod-c' }); // added while running
  await w.until('all three pods mapped', () =>
    w.encap('enp1s0f0_0') === '192.0.2.1' && w.encap('enp2s0f0_0') === '192.0.2.2' && w.encap('enp3s0f0_0') === '192.0.2.3');
  await agent!.idle();
  assert.equal(w.encap('tap-vm1'), undefined);
  assert.equal(w.encap('enp3s0f0_3'), undefined);
  assert.equal(agent!.stats.managed, 3);
  assert.deepEqual(agent!.stats.problems, []);
});

test('drift: an encap-ip changed by hand is restored', async () => {
  const restored = () => logs.some((l) => l.msg === 'encap-ip set' && l.fields['iface'] === 'enp2s0f0_0' && l.fields['previous'] === '192.0.2.3');
  assert.equal(restored(), false);
  await setIfaceKeys(c, 'enp2s0f0_0', { 'encap-ip': '192.0.2.3' });
  // Polled, not event-driven: the agent logs after its commit reply, which
  // can come after the last monitor update this test's watch will see.
  await waitFor('drift restored', async () =>
    (restored() && w.encap('enp2s0f0_0') === '192.0.2.2' ? ready(true) : notYet(`encap ${w.encap('enp2s0f0_0')}, logged ${restored()}`)), 15_000);
});

test('mapping change moves every affected pod; unmapping a PF removes the key', async () => {
  await plug(c, 'enp1s0f0_1', { 'iface-id': 'pod-a2' });
  await w.until('second pod on PF1', () => w.encap('enp1s0f0_1') === '192.0.2.1');
  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.3,enp2s0f0:192.0.2.2' });
  await w.until('PF1 pods moved, PF3 pod unmapped', () =>
    w.encap('enp1s0f0_0') === '192.0.2.3' && w.encap('enp1s0f0_1') === '192.0.2.3' && w.encap('enp3s0f0_0') === undefined);
  assert.equal(w.encap('enp2s0f0_0'), '192.0.2.2');
  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': SEED_MAPPING });
  await w.until('back to the seed mapping', () => w.encap('enp1s0f0_0') === '192.0.2.1' && w.encap('enp3s0f0_0') === '192.0.2.3');
});

test('an IP missing from ovn-encap-ip is reported, never written; a bad entry only affects its PF', async () => {
  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:198.51.100.7,enp2s0f0:oops,enp3s0f0:192.0.2.1' });
  await w.until('PF3 moved to .1', () => w.encap('enp3s0f0_0') === '192.0.2.1');
  await agent!.idle();
  assert.equal(w.encap('enp1s0f0_0'), '192.0.2.1', 'not-listed IP must not be written');
  assert.equal(w.encap('enp2s0f0_0'), '192.0.2.2', 'malformed entry must not strip the key');
  const kinds = agent!.stats.problems.map((p) => `${p.iface}:${p.kind}`).sort();
  assert.deepEqual(kinds, ['enp1s0f0_0:not-listed', 'enp1s0f0_1:not-listed', 'enp2s0f0_0:unusable']);
  assert.equal(agent!.stats.configErrors, 1);
  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': SEED_MAPPING });
  await w.until('seed again', () => w.encap('enp3s0f0_0') === '192.0.2.3');
  await agent!.idle();
  assert.deepEqual(agent!.stats.problems, []);
});

test('ovn-encap-ip change re-evaluates: a VTEP dropped from the list is no longer written', async () => {
  await setOvsKeys(c, { 'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.4', 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.4' });
  await w.until('PF3 on .4', () => w.encap('enp3s0f0_0') === '192.0.2.4');
  await setOvsKeys(c, { 'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.3', 'ovn-pf-encap-ip-mapping': SEED_MAPPING });
  await w.until('PF3 on .3', () => w.encap('enp3s0f0_0') === '192.0.2.3');
});

test('VIFs that only look like SR-IOV: a VF netdev is not ours; a representor without an uplink is reported', async () => {
  // Legacy PFs have no representors; a VIF named like its VF netdev is not a representor.
  await plug(c, 'enp4s0f0v0', { 'iface-id': 'pod-legacy' });
  // PF5 loses its switchdev uplink (as after a switch to legacy mode) while its representor is plugged.
  await writeFile(join(h.sysfs.root, 'class/net/enp5s0f0/phys_switch_id'), '');
  await plug(c, 'enp5s0f0_0', { 'iface-id': 'pod-orphan', 'encap-ip': '192.0.2.2' });
  await waitFor('the orphan representor reported', async () => (agent!.stats.problems.length > 0 ? ready(true) : notYet('no problem yet')), 15_000);
  await agent!.idle();
  assert.equal(w.encap('enp4s0f0v0'), undefined);
  assert.equal(w.encap('enp5s0f0_0'), '192.0.2.2', 'left as it was');
  assert.deepEqual(agent!.stats.problems.map((p) => [p.iface, p.kind]), [['enp5s0f0_0', 'sriov']]);
  assert.match(agent!.stats.problems[0]!.message, /no uplink p0 with the same phys_switch_id/);
  await unplug(c, 'enp4s0f0v0');
  await unplug(c, 'enp5s0f0_0');
  await waitFor('problem cleared after unplug', async () => (agent!.stats.problems.length === 0 ? ready(true) : notYet('still reported')), 15_000);
});

test('/healthz and /metrics on loopback', async () => {
  const http = await serveAgentHttp(agent!, '127.0.0.1:0');
  try {
    const hz = await fetch(`http://127.0.0.1:${http.port}/healthz`);
    assert.equal(hz.status, 200);
    assert.equal((await hz.text()).trim(), 'ok');
    const m = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    assert.match(m, /^mvtep_agent_up 1$/m);
    assert.match(m, /^mvtep_agent_managed_interfaces\{bridge="br-int"\} 4$/m);
    const sets = Number(/^mvtep_agent_encap_ip_sets_total (\d+)$/m.exec(m)?.[1]);
    assert.ok(sets >= 8, `sets ${sets}`);
    assert.match(m, /^mvtep_agent_reaction_seconds_count \d+$/m);
    assert.equal((await fetch(`http://127.0.0.1:${http.port}/nope`)).status, 404);
  } finally {
    await http.close();
  }
});

test('ovsdb-server restart: the agent reconnects, re-syncs and fixes what changed meanwhile', async () => {
  const a = agent!;
  const fixes = () => logs.filter((l) => l.msg === 'encap-ip set' && l.fields['iface'] === 'enp3s0f0_0' && l.fields['previous'] === '192.0.2.1').length;
  const fixesBefore = fixes();
  await h.restartDb();
  // Written as soon as this test's own client is back, maybe before the agent is.
  await setIfaceKeys(c, 'enp3s0f0_0', { 'encap-ip': '192.0.2.1' });
  const fixed = () => fixes() > fixesBefore;
  await waitFor('agent reconnected and drift fixed', async () =>
    (a.healthy() && fixed() && w.encap('enp3s0f0_0') === '192.0.2.3' ? ready(true)
      : notYet(`healthy ${a.healthy()}, fixed ${fixed()}, encap ${w.encap('enp3s0f0_0')}`)), 30_000);
  assert.ok(logs.some((l) => l.msg === 'ovsdb disconnected'));
  assert.ok(logs.some((l) => l.msg === 'ovsdb connected'));
});

test('stop, add pods, start: all fixed on the first pass', async () => {
  await agent!.stop();
  agent = undefined;
  await plug(c, 'enp2s0f0_1', { 'iface-id': 'pod-d' });
  await plug(c, 'enp3s0f0_1', { 'iface-id': 'pod-e' });
  await setIfaceKeys(c, 'enp1s0f0_0', { 'encap-ip': '192.0.2.2' });
  assert.equal(w.encap('enp2s0f0_1'), undefined);
  await start();
  await w.until('offline changes fixed', () =>
    w.encap('enp2s0f0_1') === '192.0.2.2' && w.encap('enp3s0f0_1') === '192.0.2.3' && w.encap('enp1s0f0_0') === '192.0.2.1');
});

test('keys another client writes to the same external_ids at the same time are never lost', async () => {
  const other = await OvsdbClient.connect(h.remote);
  try {
    const names = ['enp1s0f0_0', 'enp1s0f0_1', 'enp2s0f0_0', 'enp3s0f0_0'];
    const written: Array<[string, string]> = [];
    // Flip the mapping back and forth so the agent keeps rewriting encap-ip
    // while the other client adds keys to the very same maps.
    const flips = (async () => {
      for (let i = 0; i < 10; i++) {
        await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': i % 2 === 0 ? 'enp1s0f0:192.0.2.2,enp2s0f0:192.0.2.3,enp3s0f0:192.0.2.1' : SEED_MAPPING });
      }
    })();
    const writer = (async () => {
      for (let i = 0; i < 60; i++) {
        const name = names[i % names.length]!;
        await setIfaceKeys(other, name, { [`other-${i}`]: String(i) });
        written.push([name, `other-${i}`]);
      }
    })();
    await Promise.all([flips, writer]);
    await w.until('settled on the seed mapping', () => w.encap('enp1s0f0_0') === '192.0.2.1' && w.encap('enp3s0f0_0') === '192.0.2.3');
    await agent!.idle();
    // Read back from the server itself (not a cache that may lag).
    const tx = other.transaction('Open_vSwitch');
    const sel = tx.select('Interface', [], ['name', 'external_ids']);
    await tx.commit();
    const now = new Map(sel.rows.map((r) => [String(r['name']), mapOf(r['external_ids'])]));
    for (const [name, key] of written) assert.ok(now.get(name)?.has(key), `${name} lost ${key}`);
    assert.equal(now.get('enp1s0f0_0')?.get('iface-id'), 'pod-a');
    assert.equal(now.get('enp1s0f0_0')?.get('encap-ip'), '192.0.2.1');
  } finally {
    other.close();
  }
});
