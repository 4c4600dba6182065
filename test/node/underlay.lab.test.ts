import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario, startLab } from '../../src/lab/index.ts';
import { applyNodeSpec, labChassisUnderlay, nodeSpecFromChassis, planNodeSpec } from '../../src/node/underlay/index.ts';
import type { NodeSpec } from '../../src/config/nodeSpec.ts';
import { Iproute2 } from '../../src/routing/index.ts';

type Lab = Awaited<ReturnType<typeof startLab>>;

// The two-node lab: hv1 VTEPs .11-.13, hv2 .21-.22, all in 192.0.2.0/24 (one
// subnet, the case where Linux alone would pick one NIC for every tunnel).
describe('underlay on the lab\'s OVN chassis', { timeout: 180_000 }, () => {
  let lab: Lab;
  const specs = new Map<string, NodeSpec>();

  before(async () => {
    lab = await startLab(await loadScenario('examples/two-node.yaml'), { handleSignals: false });
    for (const name of ['hv1', 'hv2']) {
      specs.set(name, nodeSpecFromChassis(labChassisUnderlay(lab.chassis[name]!, lab.fabric, { supernets: ['198.51.100.0/24'] })));
    }
  });
  after(async () => {
    await lab?.down();
  });

  test('plan keeps the encap keys the lab already wrote (same values), then apply steers every VTEP', async () => {
    for (const [name, spec] of specs) {
      const hv = lab.chassis[name]!;
      const plan = await planNodeSpec(spec, { ovsdb: hv.ovsdbRemote, netns: hv.netns });
      const keys = plan.changes.flatMap((c) => (c.kind === 'ovs-key' ? [c.key] : []));
      assert.ok(!keys.includes('ovn-encap-ip') && !keys.includes('ovn-pf-encap-ip-mapping'), `kept: ${keys.join(',')}`);
      const out = await applyNodeSpec(spec, { ovsdb: hv.ovsdbRemote, netns: hv.netns });
      assert.equal(out.changes.length, plan.changes.length);
    }
    const net = new Iproute2({ netns: lab.chassis['hv1']!.netns });
    for (const nic of specs.get('hv1')!.nics) {
      for (const remote of ['192.0.2.21', '192.0.2.22']) {
        const r = await net.routeGet(remote, nic.ip.address);
        assert.equal(r.dev, nic.vtep, `${nic.ip.address} -> ${remote}`);
        assert.equal(r.table, String(nic.table));
      }
      const far = await net.routeGet('198.51.100.1', nic.ip.address);
      assert.deepEqual([far.dev, far.gateway], [nic.vtep, '192.0.2.254']);
    }
    for (const [name, spec] of specs) {
      const hv = lab.chassis[name]!;
      assert.equal((await applyNodeSpec(spec, { ovsdb: hv.ovsdbRemote, netns: hv.netns })).noop, true);
    }
  });

  test('OVN still binds and tunnels from the steered VTEP', async () => {
    await lab.waitForBindings();
    const r = await lab.traceEgress('stream-a', 'stream-b');
    assert.equal(r.kind, 'tunnel');
    if (r.kind === 'tunnel') assert.deepEqual([r.localIp, r.remoteIp], ['192.0.2.12', '192.0.2.22']);
  });
});
