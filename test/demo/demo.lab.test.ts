// `mvtep demo` end to end on the real OVN lab, in process through the CLI: the trace-only demo
// (--datapath dummy, on any release); the netdev demo's wire checks are in wire.lab.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { readdir } from 'node:fs/promises';
import { listLabs } from '../../src/lab/index.ts';
import { findRuntime } from '../../src/lab/runtime.ts';

const io = (): CapturedIo => captureIo();

/** Named netns are bind mounts under /run/netns (what `ip netns list` reads). */
async function netnsOf(labId: string): Promise<string[]> {
  const names = await readdir('/run/netns').catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(`mvl${labId}-`));
}

interface DemoJson {
  allConfirmed: boolean;
  timings: Record<string, number>;
  injected: { check: string; pod: string } | null;
  verdict: { caught: boolean; wrongNicShown: boolean } | null;
  healthy: { summary: { chassis: number; paths: number; pathsOk: number; errors: number }; source: { name: string };
    steering: { pod: string; status: string; vtep: string; egressDevice: string; confirmed: boolean }[] };
  broken: { steering: { pod: string; status: string; egressDevice: string }[]; findings: { check: string }[] } | null;
  wire: unknown;
}

function labIdOf(j: DemoJson): string {
  const m = /\(lab ([0-9a-z]{5})\)/.exec(j.healthy.source.name);
  assert.ok(m, `lab id in ${j.healthy.source.name}`);
  return m[1]!;
}

test('demo --no-ui: every path confirmed on its own NIC, exit 0, nothing left behind', { timeout: 180_000 }, async () => {
  const t = io();
  const code = await main(['demo', '--no-ui', '--nodes', '2', '--datapath', 'dummy', '--json'], t);
  assert.equal(code, 0, t.err());
  const j = JSON.parse(t.out()) as DemoJson;
  assert.equal(j.allConfirmed, true);
  assert.equal(j.healthy.summary.chassis, 2);
  // 6 pods, each traced to its one same-class peer on the other chassis.
  assert.equal(j.healthy.summary.paths, 6);
  assert.equal(j.healthy.summary.pathsOk, 6);
  const storage = j.healthy.steering.find((r) => r.pod === 'storage-2')!;
  assert.deepEqual([storage.vtep, storage.egressDevice, storage.confirmed], ['192.0.2.23', 'vtep2', true]);
  assert.match(t.err(), /starting the lab .*done in/);
  assert.match(t.err(), /waiting for the agent to set encap-ip/);
  assert.match(t.err(), /teardown: done/);
  assert.deepEqual(await netnsOf(labIdOf(j)), []);
  assert.ok(!(await listLabs()).some((l) => l.id === labIdOf(j)), 'the lab state dir is gone');
  assert.equal(j.wire, null, 'no wire check on the dummy datapath');
});

test('demo --break rule-missing: verify catches it, trace shows the wrong NIC, exit 0', { timeout: 180_000 }, async () => {
  const t = io();
  const code = await main(['demo', '--no-ui', '--nodes', '2', '--datapath', 'dummy', '--break', 'rule-missing', '--json'], t);
  assert.equal(code, 0, t.err());
  const j = JSON.parse(t.out()) as DemoJson;
  assert.equal(j.allConfirmed, true, 'healthy before the break');
  assert.equal(j.verdict?.caught, true);
  assert.equal(j.verdict?.wrongNicShown, true);
  assert.ok(j.broken!.findings.some((f) => f.check === 'rule-missing'));
  const row = j.broken!.steering.find((r) => r.pod === j.injected!.pod)!;
  assert.equal(row.status, 'wrong-nic');
  assert.notEqual(row.egressDevice, j.healthy.steering.find((r) => r.pod === j.injected!.pod)!.egressDevice);
  assert.deepEqual(await netnsOf(labIdOf(j)), []);
});

test('demo usage errors exit 2 before anything starts', async () => {
  for (const argv of [['--nodes', '1'], ['--nodes', 'x'], ['--break', 'nope'], ['--listen', 'example:80'], ['--bogus'],
    ['--datapath', 'kernel'], ['--ic', '--datapath', 'netdev']]) {
    const t = io();
    assert.equal(await main(['demo', '--no-ui', ...argv], t), 2, argv.join(' '));
    assert.match(t.err(), /mvtep demo: /);
  }
  const t = io();
  assert.equal(await main(['demo', '--no-ui', '--datapath', 'kernel'], t), 2);
  assert.match(t.err(), /--datapath: 'kernel' is not one of dummy, netdev/);
});

test('demo --datapath netdev on release 25.03: exit 2 naming its OVS and the release it needs, before any lab starts',
  { skip: await findRuntime({ release: '25.03' }) ? false : 'release 25.03 is not installed' }, async () => {
    const t = captureIo({ ...process.env, MVTEP_OVN_RELEASE: '25.03' });
    assert.equal(await main(['demo', '--no-ui', '--datapath', 'netdev'], t), 2, t.err());
    assert.match(t.err(), /datapath netdev \(--datapath netdev\) needs OVS >= 3\.7\.0, but release 25\.03 has OVS 3\.5\.\d+: use release 26\.03 \(MVTEP_OVN_RELEASE=26\.03\) or --datapath dummy/);
    assert.doesNotMatch(t.err(), /starting the lab/);
  });
