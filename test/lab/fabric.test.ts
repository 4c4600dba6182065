// The fabric carries real frames (VLAN-tagged here), and a chassis whose
// ovn-encap-ip is left to the underlay joins once someone sets it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { parseScenario, startLab, type Lab } from '../../src/lab/index.ts';
import { learntMac, reap } from './helpers/leftovers.ts';

const scenario = parseScenario(`
name: fabric
fabric: { gateway: 198.51.100.254/24, vlan: 25 }
switches: [{ name: ls1 }]
chassis:
  - name: hva
    nics:
      - { pf: enp1s0f0, vtep: 198.51.100.11, numVfs: 2 }
      - { pf: enp2s0f0, vtep: 198.51.100.12, numVfs: 2 }
  - name: hvb
    encapIps: [198.51.100.21, 198.51.100.22]
    encapIpDefault: 198.51.100.22
    nics:
      - { pf: enp1s0f0, vtep: 198.51.100.21, numVfs: 2 }
      - { pf: enp2s0f0, vtep: 198.51.100.22, numVfs: 2 }
pods:
  - { name: pa, chassis: hva, pf: enp2s0f0, vf: 1, switch: ls1, ip: 203.0.113.1 }
  - { name: pb, chassis: hvb, pf: enp2s0f0, vf: 1, switch: ls1, ip: 203.0.113.2 }
  - { name: pa6, chassis: hva, pf: enp1s0f0, vf: 0, switch: ls1, ip: '2001:db8:1::1', encapIp: 198.51.100.11 }
  - { name: pb6, chassis: hvb, pf: enp1s0f0, vf: 0, switch: ls1, ip: '2001:db8:1::2', encapIp: 198.51.100.21 }
`, 'fabric.test.ts');

let root: string;
let lab: Lab | undefined;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mvtep-labfab-'));
  lab = await startLab(scenario, { runtime: await requireRuntime(), workRoot: root, handleSignals: false });
});

after(async () => {
  const id = lab?.id;
  await lab?.down();
  await reap(root, id);
  await rm(root, { recursive: true, force: true });
});

const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('a VTEP tagged 25 on a PF bridge reaches the fabric gateway on VLAN 25', async () => {
  const l = lab!;
  const ns = l.chassis['hva']!.netns;
  assert.equal(l.fabric.gateway, '198.51.100.254/24');
  // What the underlay does: the PF on a netdev OVS bridge, a VTEP internal port tagged 25
  // (a real tap in the chassis netns, since vswitchd runs there).
  await l.vsctl('hva', ['--', 'add-br', 'brenp1s0f0', '--', 'set', 'Bridge', 'brenp1s0f0', 'datapath_type=netdev',
    '--', 'add-port', 'brenp1s0f0', 'enp1s0f0', '--', 'add-port', 'brenp1s0f0', 'vtep0', 'tag=25', '--', 'set', 'Interface', 'vtep0', 'type=internal']);
  ip('-n', ns, 'addr', 'add', '198.51.100.11/24', 'dev', 'vtep0');
  ip('-n', ns, 'link', 'set', 'vtep0', 'up');
  ip('-n', ns, 'link', 'set', 'brenp1s0f0', 'up');
  assert.match(ip('-n', ns, 'route', 'get', '198.51.100.254'), /dev vtep0 src 198\.51\.100\.11/);
  assert.equal(l.fabric.kind, 'ovs');
  const gwMac = JSON.parse(ip('-j', '-n', l.fabric.netns, 'link', 'show', l.fabric.gatewayDevice))[0].address as string;
  // Any datagram to the gateway makes the kernel ARP for it; a reply proves the path.
  assert.equal(await learntMac(ns, '198.51.100.254'), gwMac);
});

test('encapIpDefault is written, and a VIF without encap-ip gets the default Encap', async () => {
  const l = lab!;
  assert.equal((await l.vsctl('hvb', ['get', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip-default'])).trim(), '"198.51.100.22"');
  assert.equal((await l.vsctl('hva', ['--if-exists', 'get', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip-default'])).trim(), '');
  const status = await l.status();
  assert.equal(status.pods.find((p) => p.name === 'pb')?.encapIp, '198.51.100.22');
});

test('a chassis without encapIps stays out of SB until ovn-encap-ip is set, then binds and tunnels', async () => {
  const l = lab!;
  const before = await l.status();
  assert.deepEqual(before.chassis.map((c) => [c.name, c.sbRegistered]), [['hva', false], ['hvb', true]]);
  assert.equal(before.pods.find((p) => p.name === 'pa')?.bound, false);
  assert.equal(before.pods.find((p) => p.name === 'pb')?.bound, true);
  // What the underlay does: a single-key set of ovn-encap-ip.
  await l.vsctl('hva', ['set', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip=198.51.100.11,198.51.100.12']);
  await l.waitForBindings(60_000);
  const after = await l.status();
  assert.deepEqual(after.chassis.map((c) => [c.name, c.sbRegistered, c.tunnels]), [['hva', true, 4], ['hvb', true, 4]]);
  assert.ok(after.pods.every((p) => p.bound && p.up));
  const r = await l.traceEgress('pa', 'pb');
  assert.equal(r.kind, 'tunnel', r.trace);
  // An IPv6 overlay over the IPv4 underlay: ICMPv6 trace, steered by encap-ip like IPv4.
  const v6 = await l.traceEgress('pa6', 'pb6');
  assert.ok(v6.kind === 'tunnel' && v6.localIp === '198.51.100.11' && v6.remoteIp === '198.51.100.21', v6.trace);
});
