import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/index.ts';
import { OvsdbClient, type MonitorCache } from '../../src/ovsdb/index.ts';
import { startAgent, type AgentHandle } from '../../src/node/agent/index.ts';
import { mapOf } from '../../src/observe/index.ts';
import { IfaceWatch, setIfaceKeys, setOvsKeys } from './agentTestKit.ts';
import { waitFor, ready, notYet } from '../../src/lab/wait.ts';
import { startTestLab } from '../lab/helpers/labLifecycle.ts';
import { chassisEntry } from '../lab/helpers/scenarioText.ts';

// The seed's shape in the real lab: two chassis, three PFs and three VTEPs
// each, the mapping written by the lab, one pod per PF WITHOUT encap-ip.
// One agent per chassis runs in-process (as the demo does).
const SCENARIO = `
name: agent-lab
switches:
  - name: ls-a
    subnet: 203.0.113.0/26
chassis:
${chassisEntry('hv1', ['192.0.2.11', '192.0.2.12', '192.0.2.13'], { numVfs: 2 })}
${chassisEntry('hv2', ['192.0.2.21', '192.0.2.22', '192.0.2.23'], { numVfs: 2 })}
pods:
  - { name: a1, chassis: hv1, pf: enp1s0f0, vf: 0, switch: ls-a, ip: 203.0.113.11 }
  - { name: a2, chassis: hv1, pf: enp2s0f0, vf: 0, switch: ls-a, ip: 203.0.113.12 }
  - { name: a3, chassis: hv1, pf: enp3s0f0, vf: 0, switch: ls-a, ip: 203.0.113.13 }
  - { name: b1, chassis: hv2, pf: enp1s0f0, vf: 0, switch: ls-a, ip: 203.0.113.21 }
  - { name: b2, chassis: hv2, pf: enp2s0f0, vf: 0, switch: ls-a, ip: 203.0.113.22 }
  - { name: b3, chassis: hv2, pf: enp3s0f0, vf: 0, switch: ls-a, ip: 203.0.113.23 }
`;

let lab: Lab;
let down = async (): Promise<void> => {};
let sb: OvsdbClient;
let sbCache: MonitorCache;
const agents = new Map<string, AgentHandle>();
const clients = new Map<string, OvsdbClient>();
const watches = new Map<string, IfaceWatch>();

before(async () => {
  ({ lab, down } = await startTestLab(SCENARIO, 'agent-lab', 'mvtep-agentlab-'));
  sb = await OvsdbClient.connect(lab.sb.remote);
  sbCache = sb.monitor('OVN_Southbound', { Port_Binding: ['logical_port', 'encap'], Encap: ['ip'] });
  await sbCache.ready;
  for (const name of ['hv1', 'hv2']) {
    const c = await OvsdbClient.connect(lab.chassis[name]!.ovsdbRemote);
    clients.set(name, c);
    const w = new IfaceWatch(c);
    await w.cache.ready;
    watches.set(name, w);
  }
});
after(async () => {
  for (const a of agents.values()) await a.stop();
  for (const c of clients.values()) c.close();
  sb?.close();
  await down();
});

async function startAgents(): Promise<void> {
  for (const name of ['hv1', 'hv2']) {
    const ch = lab.chassis[name]!;
    const a = await startAgent({ ovsdb: ch.ovsdbRemote, sysfsRoot: ch.sysfsRoot, resyncMs: 0 });
    agents.set(name, a);
    await a.ready;
  }
}

async function stopAgents(): Promise<void> {
  for (const a of agents.values()) await a.stop();
  agents.clear();
}

/** The PF VTEP a pod must use: the lab's nic vtep, after `override` (pf -> ip) for its chassis. */
function vtepOf(pod: string, override: Record<string, Record<string, string>> = {}): string {
  const p = lab.pods[pod]!;
  return override[p.chassis]?.[p.pf] ?? lab.chassis[p.chassis]!.nics.find((n) => n.pf === p.pf)!.vtep!;
}

function sbEncap(lport: string): string | undefined {
  const pb = sbCache.find('Port_Binding', (r) => r['logical_port'] === lport)[0];
  const ref = (pb?.['encap'] as Array<{ value: string }> | undefined)?.[0];
  return ref ? String(sbCache.get('Encap', ref.value)?.['ip']) : undefined;
}

function untilSb(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const on = () => {
      if (!pred()) return;
      clearTimeout(t);
      sbCache.off('change', on);
      resolve();
    };
    const t = setTimeout(() => {
      sbCache.off('change', on);
      reject(new Error(`timed out: ${what}`));
    }, timeoutMs);
    sbCache.on('change', on);
  });
}

const pods = () => Object.values(lab.pods);
const allSbMatch = (override: Record<string, Record<string, string>> = {}) =>
  pods().every((p) => sbEncap(p.lport) === vtepOf(p.name, override));

test('every pod\'s SB Port_Binding.encap becomes its PF\'s VTEP', async () => {
  assert.ok(pods().every((p) => sbEncap(p.lport) === undefined), 'lab pods start without encap');
  await startAgents();
  await untilSb('all Port_Binding.encap = PF VTEP', () => allSbMatch());
  // The chassis databases agree (their monitors may deliver after SB's).
  for (const p of pods()) {
    const w = watches.get(p.chassis)!;
    await w.until(`${p.name} encap-ip in OVS`, () => w.encap(p.representor) === vtepOf(p.name));
  }
});

test('every cross-node pod pair leaves on the tunnel local = source PF VTEP, remote = destination PF VTEP', async () => {
  let pairs = 0;
  for (const from of pods()) {
    for (const to of pods()) {
      if (from.chassis === to.chassis) continue;
      const r = await lab.traceEgress(from.name, to.name);
      assert.equal(r.kind, 'tunnel', `${from.name} -> ${to.name}`);
      if (r.kind !== 'tunnel') continue;
      assert.deepEqual([r.localIp, r.remoteIp], [vtepOf(from.name), vtepOf(to.name)], `${from.name} -> ${to.name}`);
      pairs++;
    }
  }
  assert.equal(pairs, 18);
});

test('drift: an encap-ip changed by hand is restored, and SB follows', async () => {
  const a2 = lab.pods['a2']!;
  const w = watches.get('hv1')!;
  const agent = agents.get('hv1')!;
  const setsBefore = agent.stats.sets;
  await setIfaceKeys(clients.get('hv1')!, a2.representor, { 'encap-ip': '192.0.2.13' });
  await waitFor('the agent to rewrite a2', async () => (agent.stats.sets > setsBefore ? ready(true) : notYet(`sets ${agent.stats.sets}`)), 30_000);
  await w.until('a2 restored', () => w.encap(a2.representor) === '192.0.2.12');
  await untilSb('a2 SB encap restored', () => sbEncap(a2.lport) === '192.0.2.12');
});

test('mapping change on hv2 moves every affected pod (SB and tunnels)', async () => {
  const swap = { hv2: { enp1s0f0: '192.0.2.23', enp3s0f0: '192.0.2.21' } };
  await setOvsKeys(clients.get('hv2')!, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.23,enp2s0f0:192.0.2.22,enp3s0f0:192.0.2.21' });
  await untilSb('hv2 pods moved', () => allSbMatch(swap));
  const r = await lab.traceEgress('a1', 'b1');
  assert.ok(r.kind === 'tunnel' && r.localIp === '192.0.2.11' && r.remoteIp === '192.0.2.23', JSON.stringify(r.kind === 'tunnel' ? [r.localIp, r.remoteIp] : r.kind));
  const back = await lab.traceEgress('b3', 'a3');
  assert.ok(back.kind === 'tunnel' && back.localIp === '192.0.2.21' && back.remoteIp === '192.0.2.13');
  await setOvsKeys(clients.get('hv2')!, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.21,enp2s0f0:192.0.2.22,enp3s0f0:192.0.2.23' });
  await untilSb('hv2 pods back', () => allSbMatch());
});

test('stop the agents, add pods, start them: all fixed; ovn-controller\'s keys are kept', async () => {
  await stopAgents();
  await lab.addPod({ name: 'a4', chassis: 'hv1', pf: 'enp3s0f0', vf: 1, switch: 'ls-a', ip: '203.0.113.14' });
  await lab.addPod({ name: 'b4', chassis: 'hv2', pf: 'enp2s0f0', vf: 1, switch: 'ls-a', ip: '203.0.113.24' });
  assert.equal(sbEncap(lab.pods['a4']!.lport), undefined);
  await startAgents();
  await untilSb('new pods bound to their PF VTEP', () => allSbMatch());
  const t = await lab.traceEgress('a4', 'b4');
  assert.ok(t.kind === 'tunnel' && t.localIp === '192.0.2.13' && t.remoteIp === '192.0.2.22');
  // ovn-controller writes ovn-installed into the same external_ids while the
  // agent writes encap-ip: neither may lose the other's key.
  for (const p of pods()) {
    const w = watches.get(p.chassis)!;
    await w.until(`${p.name} ovn-installed`, () => w.ids(p.representor)?.get('ovn-installed') === 'true');
    const ids = w.ids(p.representor)!;
    assert.equal(ids.get('iface-id'), p.lport);
    assert.equal(ids.get('encap-ip'), vtepOf(p.name));
  }
});

test('keys another client writes during a burst of agent rewrites are never lost', async () => {
  const c = clients.get('hv1')!;
  const other = await OvsdbClient.connect(lab.chassis['hv1']!.ovsdbRemote);
  try {
    const hv1Pods = pods().filter((p) => p.chassis === 'hv1');
    const flip = ['enp1s0f0:192.0.2.13,enp2s0f0:192.0.2.11,enp3s0f0:192.0.2.12', 'enp1s0f0:192.0.2.11,enp2s0f0:192.0.2.12,enp3s0f0:192.0.2.13'];
    const flips = (async () => {
      for (let i = 0; i < 8; i++) await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': flip[i % 2]! });
    })();
    const written: Array<[string, string]> = [];
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        const p = hv1Pods[i % hv1Pods.length]!;
        await setIfaceKeys(other, p.representor, { [`other-${i}`]: String(i) });
        written.push([p.representor, `other-${i}`]);
      }
    })();
    await Promise.all([flips, writer]);
    await untilSb('settled', () => allSbMatch());
    await agents.get('hv1')!.idle();
    const tx = other.transaction('Open_vSwitch');
    const sel = tx.select('Interface', [], ['name', 'external_ids']);
    await tx.commit();
    const now = new Map(sel.rows.map((r) => [String(r['name']), mapOf(r['external_ids'])]));
    for (const [name, key] of written) assert.ok(now.get(name)?.has(key), `${name} lost ${key}`);
    for (const p of hv1Pods) {
      assert.equal(now.get(p.representor)?.get('ovn-installed'), 'true', `${p.name} lost ovn-installed`);
      assert.equal(now.get(p.representor)?.get('encap-ip'), vtepOf(p.name));
    }
  } finally {
    other.close();
  }
});
