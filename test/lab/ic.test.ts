// Integration: an interconnect lab (examples/seed-ic.yaml): one OVN zone per
// node, the real ovn-ic per zone, shared IC-NB/IC-SB. Shows the upstream gap
// this round is about: remote ports have no Port_Binding.encap, so the
// destination VTEP of cross-zone traffic is not the destination pod's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { loadScenario, startLab, type Lab } from '../../src/lab/index.ts';
import { leftovers } from './helpers/leftovers.ts';

const scenarioFile = new URL('../../examples/seed-ic.yaml', import.meta.url).pathname;
let root: string;
let lab: Lab | undefined;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mvtep-ictest-'));
  lab = await startLab(await loadScenario(scenarioFile), { runtime: await requireRuntime(), workRoot: root, handleSignals: false });
});

after(async () => {
  const id = lab?.id;
  await lab?.down();
  if (id) assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  await rm(root, { recursive: true, force: true });
});

const isL3 = (sw: string) => sw.startsWith('ls-hv');

test('every zone knows every other node as a remote chassis with all its Encaps (ovn-ic sync)', async () => {
  const l = lab!;
  for (const z of l.state.zones!) {
    const out = await l.zoneSbctl(z.name, ['--format=csv', '--data=bare', '--no-headings', '--columns=name,other_config', 'list', 'Chassis']);
    const rows = out.trim().split('\n').map((r) => r.split(','));
    const remote = rows.filter((r) => r.slice(1).join(',').includes('is-remote=true')).map((r) => r[0]).sort();
    assert.deepEqual(remote, l.state.zones!.filter((o) => o.name !== z.name).map((o) => o.chassis).sort(), `zone ${z.name}`);
    const ips = (await l.zoneSbctl(z.name, ['--data=bare', '--no-headings', '--columns=ip', 'list', 'Encap'])).split(/\s+/).filter(Boolean);
    assert.equal(ips.length, 9, `zone ${z.name} sees 3 chassis x 3 VTEPs`);
  }
});

test('status shows the zones, and the zones file lists each zone with its NB, SB and chassis', async () => {
  const s = await lab!.status();
  assert.deepEqual(s.pending, []);
  assert.deepEqual(s.zones.map((z) => z.name), ['hv1', 'hv2', 'hv3']);
  const doc = parse(await readFile(s.zonesFile!, 'utf8')) as { zones: { name: string; nb: string; sb: string; chassis: { name: string }[] }[] };
  assert.deepEqual(doc.zones.map((z) => [z.name, z.sb, z.chassis[0]!.name]), s.zones.map((z) => [z.name, z.sb, z.chassis]));
});

test('L2 and L3: cross-zone traffic leaves on the source pod VTEP, and some pairs target another VTEP than the destination pod', async () => {
  const l = lab!;
  const pods = Object.values(l.pods);
  for (const topology of ['L2', 'L3'] as const) {
    let wrongDestination = 0;
    let pairs = 0;
    for (const a of pods) for (const b of pods) {
      if (a.chassis === b.chassis || isL3(a.switch) !== (topology === 'L3') || isL3(b.switch) !== isL3(a.switch)) continue;
      const e = await l.traceEgress(a.name, b.name);
      assert.equal(e.kind, 'tunnel', `${a.name} -> ${b.name}: ${e.kind}`);
      if (e.kind !== 'tunnel') continue;
      pairs++;
      assert.equal(e.remoteChassis, b.chassis);
      assert.equal(e.localIp, a.encapIp, `${a.name} -> ${b.name} leaves on its own VTEP`);
      if (e.remoteIp !== b.encapIp) wrongDestination++;
    }
    assert.equal(pairs, 54, `${topology}: 9 pods x 6 pods on other nodes`);
    assert.ok(wrongDestination > 0, `${topology}: no pair targets a wrong VTEP, so nothing shows the upstream gap`);
  }
});
