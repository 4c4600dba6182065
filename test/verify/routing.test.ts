// Routing checks against real kernel routing in a network namespace of our
// own: two VTEPs in one subnet, a source rule for only one of them, and a
// small MTU; then the fix. Gathered with the real iproute2 backend.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readRouting } from '../../src/observe/index.ts';
import { runChecks, STATE_FORMAT, type GatheredState } from '../../src/verify/index.ts';

const ns = `mvv${randomBytes(3).toString('hex')}`;
// Setup with plain synchronous iproute2 calls; the code under test uses src/routing.
const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
const ip = async (...args: string[]) => sh(['ip', '-n', ns, ...args]);

before(async () => {
  sh(['ip', 'netns', 'add', ns]);
  await ip('link', 'set', 'lo', 'up');
  for (const [i, addr] of [[0, '192.0.2.11/24'], [1, '192.0.2.100/24']] as const) {
    await ip('link', 'add', `vtep${i}`, 'type', 'veth', 'peer', 'name', `fab${i}`);
    await ip('addr', 'add', addr, 'dev', `vtep${i}`);
    await ip('link', 'set', `vtep${i}`, 'up');
    await ip('link', 'set', `fab${i}`, 'up');
  }
  await ip('link', 'set', 'vtep1', 'mtu', '1400');
  // The main table reaches the remote VTEPs through vtep0 only.
  await ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'vtep0');
  await ip('rule', 'add', 'from', '192.0.2.11', 'lookup', '6081', 'pref', '6081');
  await ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'vtep0', 'table', '6081');
});

after(async () => {
  try {
    sh(['ip', 'netns', 'del', ns]);
  } catch {
    // already gone
  }
});

async function state(): Promise<GatheredState> {
  const routing = await readRouting({ netns: ns, vteps: ['192.0.2.11', '192.0.2.100'], remotes: ['198.51.100.1', '2001:db8::1'] });
  return {
    format: STATE_FORMAT, ovnVersion: '25.03.0',
    nodes: [{
      label: 'hv1', interfaces: [], tunnels: [], routing,
      openVswitch: { externalIds: { 'system-id': 'hv1', 'ovn-encap-type': 'geneve', 'ovn-encap-ip': '192.0.2.11,192.0.2.100' } },
    }],
  };
}

test('real kernel: missing rule, wrong egress device and small MTU are reported', async () => {
  const s = await state();
  const lookup = s.nodes[0]!.routing!.lookups.find((l) => l.from === '192.0.2.100')!;
  assert.equal(lookup.dev, 'vtep0'); // the kernel un-steers .100's tunnels
  const f = runChecks(s).map((x) => `${x.check} ${x.subject}`).sort();
  assert.deepEqual(f, [
    'mtu-too-small device hv1/vtep1',
    'route-egress-wrong vtep hv1/192.0.2.100',
    'rule-missing vtep hv1/192.0.2.100',
  ]);
});

test('real kernel: with a rule and table per VTEP and MTU fixed, nothing is reported', async () => {
  await ip('rule', 'add', 'from', '192.0.2.100', 'lookup', '6082', 'pref', '6082');
  await ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'vtep1', 'table', '6082');
  await ip('link', 'set', 'vtep1', 'mtu', '1500');
  const s = await state();
  assert.equal(s.nodes[0]!.routing!.lookups.find((l) => l.from === '192.0.2.100')!.dev, 'vtep1');
  assert.deepEqual(runChecks(s), []);
});

test('real kernel: strict rp_filter on a VTEP device', async () => {
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.vtep1.rp_filter=1']);
  const s = await state();
  assert.deepEqual(s.nodes[0]!.routing!.rpFilter?.find((r) => r.dev === 'vtep1')?.effective, 1);
  assert.deepEqual(runChecks(s).map((x) => `${x.check} ${x.subject}`), ['rp-filter-strict device hv1/vtep1']);
  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.vtep1.rp_filter=2']);
  assert.deepEqual(runChecks(await state()), []);
});

test('real kernel: a VTEP address on no device', async () => {
  await ip('addr', 'del', '192.0.2.100/24', 'dev', 'vtep1');
  const f = runChecks(await state());
  assert.ok(f.some((x) => x.check === 'vtep-no-device' && x.subject === 'vtep hv1/192.0.2.100'), JSON.stringify(f));
});
