// Integration: a real OVN (NB/SB, northd, two chassis with ovs-vswitchd in
// their own netns and ovn-controller) from examples/two-node.yaml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime, type OvnRuntime } from '../../src/lab/runtime.ts';
import { loadScenario, startLab, type Lab, type Scenario } from '../../src/lab/index.ts';
import { isAlive } from '../../src/lab/process.ts';
import { notYet, ready, waitFor } from '../../src/lab/wait.ts';
import { learntMac, exists, leftovers } from './helpers/leftovers.ts';

const scenarioFile = new URL('../../examples/two-node.yaml', import.meta.url).pathname;
let runtime: OvnRuntime;
let scenario: Scenario;
let root: string;
let lab: Lab | undefined;

before(async () => {
  runtime = await requireRuntime();
  scenario = await loadScenario(scenarioFile);
  root = await mkdtemp(join(tmpdir(), 'mvtep-labtest-'));
  lab = await startLab(scenario, { runtime, workRoot: root, handleSignals: false });
});

after(async () => {
  await lab?.down();
  await rm(root, { recursive: true, force: true });
});

/** Raw `--format=json` table from the ctl tools, decoded only as far as this test needs. */
function table(text: string): Record<string, unknown>[] {
  const t = JSON.parse(text) as { headings: string[]; data: unknown[][] };
  return t.data.map((row) => Object.fromEntries(t.headings.map((h, i) => [h, row[i]])));
}
const map = (cell: unknown): Record<string, string> => Object.fromEntries((cell as ['map', [string, string][]])[1]);
const uuidOrEmpty = (cell: unknown): string | undefined => (Array.isArray(cell) && cell[0] === 'uuid' ? String(cell[1]) : undefined);

/** Tunnels on `chassis` as "remoteChassis local->remote", from Interface options and Port ovn-chassis-id. */
async function tunnelPairs(chassis: string): Promise<string[]> {
  const l = lab!;
  const ifaces = table(await l.vsctl(chassis, ['--format=json', '--columns=name,options', 'find', 'Interface', 'type=geneve']));
  const ports = table(await l.vsctl(chassis, ['--format=json', '--columns=name,external_ids', 'list', 'Port']));
  return ifaces.map((i) => {
    const opts = map(i['options']);
    const id = map(ports.find((p) => p['name'] === i['name'])!['external_ids'])['ovn-chassis-id']!;
    // ovn-chassis-id is "<chassis>@<remote>%<local>": it must agree with the options.
    assert.equal(id, `${id.split('@')[0]}@${opts['remote_ip']}%${opts['local_ip']}`);
    return `${id.split('@')[0]} ${opts['local_ip']}->${opts['remote_ip']}`;
  }).sort();
}

function cross(remote: string, local: string[], remotes: string[]): string[] {
  return local.flatMap((l) => remotes.map((r) => `${remote} ${l}->${r}`)).sort();
}

test('3 encap IPs next to 2: exactly 6 tunnels on each side with every local x remote pair', async () => {
  const hv1 = ['192.0.2.11', '192.0.2.12', '192.0.2.13'];
  const hv2 = ['192.0.2.21', '192.0.2.22'];
  const on1 = await tunnelPairs('hv1');
  assert.equal(on1.length, 6);
  assert.deepEqual(on1, cross('hv2', hv1, hv2));
  assert.deepEqual(await tunnelPairs('hv2'), cross('hv1', hv2, hv1));
});

test('a VIF with encap-ip gets Port_Binding.encap; one without gets none', async () => {
  const l = lab!;
  const pbs = table(await l.sbctl(['--format=json', '--columns=logical_port,encap,chassis', 'list', 'Port_Binding']));
  const encaps = table(await l.sbctl(['--format=json', '--columns=_uuid,ip,chassis_name', 'list', 'Encap']));
  const encapOf = (lport: string) => {
    const ref = uuidOrEmpty(pbs.find((p) => p['logical_port'] === lport)?.['encap']);
    return ref ? encaps.find((e) => uuidOrEmpty(e['_uuid']) === ref) : undefined;
  };
  assert.equal(encapOf('stream-a')?.['ip'], '192.0.2.12');
  assert.equal(encapOf('stream-a')?.['chassis_name'], 'hv1');
  assert.equal(encapOf('stream-b')?.['ip'], '192.0.2.22');
  assert.equal(encapOf('store-a'), undefined);
  // The lab wrote encap-ip only where the scenario gave one.
  const ids = table(await l.vsctl('hv1', ['--format=json', '--columns=name,external_ids', 'find', 'Interface', 'external_ids:iface-id=store-a']));
  assert.equal(map(ids[0]!['external_ids'])['encap-ip'], undefined);
});

test('trace between two encap-ip VIFs leaves on the tunnel with exactly those two IPs', async () => {
  const l = lab!;
  const ab = await l.traceEgress('stream-a', 'stream-b');
  assert.equal(ab.kind, 'tunnel', ab.trace);
  if (ab.kind !== 'tunnel') return;
  assert.equal(ab.localIp, '192.0.2.12');
  assert.equal(ab.remoteIp, '192.0.2.22');
  assert.equal(ab.chassisId, 'hv2@192.0.2.22%192.0.2.12');
  assert.match(ab.trace, new RegExp(`output:${ab.ofport}\\b`));
  const ba = await l.traceEgress('stream-b', 'stream-a');
  assert.ok(ba.kind === 'tunnel' && ba.localIp === '192.0.2.22' && ba.remoteIp === '192.0.2.12', ba.trace);
});

test('changing encap-ip at run time moves Port_Binding.encap and the trace', async () => {
  const l = lab!;
  const rep = l.pods['stream-a']!.representor;
  await l.vsctl('hv1', ['set', 'Interface', rep, 'external_ids:encap-ip=192.0.2.13']);
  try {
    await waitFor('stream-a encap .13', async () => {
      const r = await l.traceEgress('stream-a', 'stream-b');
      return r.kind === 'tunnel' && r.localIp === '192.0.2.13' ? ready(r) : notYet(r.kind === 'tunnel' ? `${r.localIp}` : r.kind);
    }, 30_000);
    const r = await l.traceEgress('stream-a', 'stream-b');
    assert.ok(r.kind === 'tunnel' && r.remoteIp === '192.0.2.22');
  } finally {
    await l.vsctl('hv1', ['set', 'Interface', rep, 'external_ids:encap-ip=192.0.2.12']);
  }
  await l.waitForBindings(30_000);
});

test('addPod plugs a VF representor that binds; removePod takes it away', async () => {
  const l = lab!;
  const pod = await l.addPod({ name: 'stream-c', chassis: 'hv1', pf: 'enp2s0f0', vf: 1, switch: 'ls-stream', ip: '203.0.113.11', encapIp: '192.0.2.12' });
  assert.equal(pod.representor, 'enp2s0f0_1');
  assert.equal(pod.vfPci, '0000:02:00.3');
  const local = await l.traceEgress('stream-c', 'stream-a');
  assert.deepEqual(local.kind === 'local' ? local.ports : local, ['enp2s0f0_0']);
  const remote = await l.traceEgress('stream-c', 'stream-b');
  assert.ok(remote.kind === 'tunnel' && remote.localIp === '192.0.2.12' && remote.remoteIp === '192.0.2.22');
  await assert.rejects(l.addPod({ name: 'dup', chassis: 'hv1', pf: 'enp2s0f0', vf: 1, switch: 'ls-stream', ip: '203.0.113.12' }),
    /VF already used by pod stream-c/);
  await l.removePod('stream-c');
  assert.equal(l.pods['stream-c'], undefined);
  assert.equal((await l.sbctl(['--bare', '--columns=logical_port', 'find', 'Port_Binding', 'logical_port=stream-c'])).trim(), '');
  assert.equal((await l.vsctl('hv1', ['--bare', '--columns=name', 'find', 'Interface', 'name=enp2s0f0_1'])).trim(), '');
});

test('the chassis run vswitchd in their own netns with the PF veths there', async () => {
  const l = lab!;
  const hv1 = l.chassis['hv1']!;
  const pid = l.state.daemons.find((d) => d.name === 'hv1-ovs-vswitchd')!.pid;
  const { readlink } = await import('node:fs/promises');
  const nsOfVswitchd = await readlink(`/proc/${pid}/ns/net`);
  assert.notEqual(nsOfVswitchd, await readlink('/proc/self/ns/net'));
  const { spawnSync } = await import('node:child_process');
  const links = spawnSync('ip', ['-n', hv1.netns, '-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  for (const pf of ['enp1s0f0', 'enp2s0f0', 'enp3s0f0']) assert.match(links, new RegExp(`: ${pf}@`));
  const inNs = spawnSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).stdout.trim();
  assert.equal(inNs, hv1.netns);
});

test('each chassis records the runtime\'s OVS version in Open_vSwitch ovs_version, as ovs-ctl does', async () => {
  assert.ok(runtime.manifest.ovsVersion);
  for (const chassis of Object.keys(lab!.chassis)) {
    assert.equal((await lab!.vsctl(chassis, ['get', 'Open_vSwitch', '.', 'ovs_version'])).trim(), JSON.stringify(runtime.manifest.ovsVersion), chassis);
  }
});

test('the untagged fabric carries frames from a PF to the gateway bridge', async () => {
  const l = lab!;
  const ns = l.chassis['hv2']!.netns;
  assert.equal(l.fabric.kind, 'linux-bridge');
  const { spawnSync } = await import('node:child_process');
  spawnSync('ip', ['-n', ns, 'addr', 'add', '192.0.2.29/24', 'dev', 'enp2s0f0']);
  const gwMac = JSON.parse(spawnSync('ip', ['-j', '-n', l.fabric.netns, 'link', 'show', 'br-fabric'], { encoding: 'utf8' }).stdout)[0].address;
  assert.equal(await learntMac(ns, '192.0.2.254'), gwMac);
});

test('down() leaves no process, netns or directory behind, and is safe twice', async () => {
  const l = lab!;
  const daemons = [...l.state.daemons];
  assert.ok(daemons.length >= 9);
  await l.down();
  for (const d of daemons) assert.equal(await isAlive(d), false, `${d.name} (${d.pid}) still running`);
  assert.deepEqual(await leftovers(root, l.id), { pids: [], netns: [] });
  assert.equal(await exists(l.workDir), false);
  await l.down();
  lab = undefined;
});
