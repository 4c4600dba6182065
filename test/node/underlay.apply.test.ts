import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeSpec, type NodeSpec } from '../../src/config/nodeSpec.ts';
import {
  applyNodeSpec, applyPlan, observeUnderlay, planNodeSpec, planUnderlay, UnderlayError, OvsdbUnderlay, type Change,
} from '../../src/node/underlay/index.ts';
import { Iproute2, MVTEP_PROTO } from '../../src/routing/index.ts';
import { run } from '../../src/util/exec.ts';
import { startUnderlayEnv, type UnderlayEnv } from './underlayEnv.ts';

// Two IPv4 VTEPs in ONE subnet (the seed's layout: without source routing the
// kernel sends both VTEPs' tunnels out of one device) and one IPv6 VTEP.
const SPEC = `
node: hv1
encapType: geneve
defaultVtep: vtep1
overlayMtu: 1400
datapathType: netdev
routing:
  supernets: [198.51.100.0/24, "2001:db8:100::/48"]
  gateway: [192.0.2.254, "2001:db8:1::fe"]
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, vlan: 25, class: management }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24, vlan: 25, class: streaming }
  - { pf: pfc, vtep: vtep2, ip: "2001:db8:1::1/64", mtu: 1500 }
`;

/** Equal snapshots; on mismatch the message shows only the differing lines. */
function assertSame(after: string, before: string): void {
  if (after === before) return;
  const a = new Set(after.split('\n'));
  const b = new Set(before.split('\n'));
  const gone = [...b].filter((l) => !a.has(l)).map((l) => `- ${l}`);
  const added = [...a].filter((l) => !b.has(l)).map((l) => `+ ${l}`);
  assert.fail(`node differs from before:\n${[...gone, ...added].join('\n')}`);
}

describe('node underlay apply against a real vswitchd and kernel', { timeout: 150_000 }, () => {
  let env: UnderlayEnv;
  let spec: NodeSpec;
  const target = () => ({ ovsdb: env.client, netns: env.ns });

  before(async () => {
    env = await startUnderlayEnv({ pfs: ['pfa', 'pfb', 'pfc'], gateways: ['192.0.2.254', '2001:db8:1::fe'] });
    spec = parseNodeSpec(SPEC, { file: 'hv1.yaml' });
    // A key mvtep does not own, and an ovn-encap-ip it must not rewrite when it already means the same.
    await env.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'external_ids:foo=bar']);
  });
  after(async () => {
    await env?.stop();
  });

  test('plan and dry-run change nothing; plan lists bridges, ports, keys, addresses, rules and routes', async () => {
    const before = await env.snapshot();
    const plan = await planNodeSpec(spec, target());
    const kinds = (k: Change['kind']) => plan.changes.filter((c) => c.kind === k).length;
    assert.equal(kinds('ovs-bridge-add'), 3);
    assert.equal(kinds('ovs-port-add'), 6, 'three VTEP ports and three PF uplinks');
    assert.equal(kinds('rule-add'), 3);
    assert.equal(kinds('route-add'), 6);
    assert.equal(kinds('link-address'), 3);
    const dry = await applyNodeSpec(spec, { ...target(), dryRun: true });
    assert.deepEqual(dry.changes, plan.changes);
    assertSame(await env.snapshot(), before);
  });

  test('a route via a gateway outside every VTEP subnet fails in the kernel and everything is rolled back', async () => {
    const bad = parseNodeSpec(SPEC.replace('gateway: [192.0.2.254', 'gateway: [203.0.113.1'), { file: 'bad.yaml', allowUnreachableGateway: true });
    const before = await env.snapshot();
    await assert.rejects(applyNodeSpec(bad, target()), (err: unknown) => {
      assert.ok(err instanceof UnderlayError);
      assert.equal(err.code, 'underlay-step-failed', err.message);
      assert.match(err.message, /203\.0\.113\.1/);
      return true;
    });
    assertSame(await env.snapshot(), before);
  });

  test('an injected failure at the last step rolls back OVS and routing exactly', async () => {
    const before = await env.snapshot();
    let total = 0;
    await assert.rejects(applyNodeSpec(spec, {
      ...target(),
      failBefore: (c, i) => {
        total = i;
        return c.kind === 'rule-add' && c.rule.src === '2001:db8:1::1';
      },
    }), /injected failure/);
    assert.ok(total > 10, `failed late (step ${total})`);
    assertSame(await env.snapshot(), before);
  });

  test('apply: every VTEP routes the supernet via the gateway on its own device; OVS matches the spec', async () => {
    const out = await applyNodeSpec(spec, target());
    assert.equal(out.noop, false);
    const net = new Iproute2({ netns: env.ns });
    for (const [vtep, from, dst, gw] of [
      ['vtep0', '192.0.2.1', '198.51.100.7', '192.0.2.254'],
      ['vtep1', '192.0.2.2', '198.51.100.7', '192.0.2.254'],
      ['vtep2', '2001:db8:1::1', '2001:db8:100::7', '2001:db8:1::fe'],
    ] as const) {
      const r = await net.routeGet(dst, from);
      assert.equal(r.dev, vtep, `${from} -> ${dst}`);
      assert.equal(r.gateway, gw);
    }
    // The VTEP subnet itself stays on the VTEP's own device too.
    assert.equal((await net.routeGet('192.0.2.77', '192.0.2.2')).dev, 'vtep1');

    const ovs = await new OvsdbUnderlay(env.client).read();
    for (const nic of spec.nics) {
      const br = ovs.bridges.get(nic.bridge);
      assert.equal(br?.datapathType, 'netdev');
      assert.deepEqual([...br!.ports].sort(), [nic.bridge, nic.pf, nic.vtep].sort());
      assert.equal(ovs.ports.get(nic.vtep)?.tag, nic.vlan);
      assert.equal(ovs.interfaces.get(nic.vtep)?.type, 'internal');
      assert.equal(ovs.interfaces.get(nic.vtep)?.mtuRequest, nic.mtu);
      const link = await net.link(nic.vtep);
      assert.equal(link?.mtu, nic.mtu);
      assert.equal(link?.up, true);
    }
    assert.equal(ovs.externalIds.get('ovn-encap-ip'), '192.0.2.1,192.0.2.2,2001:db8:1::1');
    assert.equal(ovs.externalIds.get('ovn-pf-encap-ip-mapping'), 'pfa:192.0.2.1,pfb:192.0.2.2,pfc:2001:db8:1::1');
    assert.equal(ovs.externalIds.get('ovn-encap-ip-default'), '192.0.2.2');
    assert.equal(ovs.externalIds.get('system-id'), 'hv1');
    assert.equal(ovs.externalIds.get('ovn-encap-type'), 'geneve');
    assert.equal(ovs.externalIds.get('foo'), 'bar', 'a key mvtep does not own is untouched');
    const rules = await net.listRules(4);
    assert.ok(rules.some((r) => r.priority === 6082 && r.src === '192.0.2.2' && r.table === '6082' && r.protocol === String(MVTEP_PROTO)));
  });

  test('a second apply changes nothing', async () => {
    const before = await env.snapshot();
    const out = await applyNodeSpec(spec, target());
    assert.equal(out.noop, true);
    assert.deepEqual(out.changes, []);
    assertSame(await env.snapshot(), before);
  });

  test('diff shows drift; apply repairs it, removes stale mvtep rules and never touches foreign ones', async () => {
    await env.ip(['route', 'del', '198.51.100.0/24', 'table', '6081']);
    await env.ip(['rule', 'add', 'from', '192.0.2.99', 'lookup', '6099', 'pref', '7000', 'proto', String(MVTEP_PROTO)]);
    await env.ip(['rule', 'add', 'from', '192.0.2.98', 'lookup', '6098', 'pref', '7001', 'proto', 'static']);
    await env.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip="2001:db8:1::1,192.0.2.2,192.0.2.1"']);
    const { changes: drift } = await planNodeSpec(spec, target());
    assert.deepEqual(drift.map((c) => c.kind).sort(), ['route-add', 'rule-del']);
    await applyNodeSpec(spec, target());
    const net = new Iproute2({ netns: env.ns });
    const rules = await net.listRules(4);
    assert.ok(!rules.some((r) => r.priority === 7000), 'stale mvtep rule removed');
    assert.ok(rules.some((r) => r.priority === 7001), 'foreign rule kept');
    assert.equal((await net.routeGet('198.51.100.9', '192.0.2.1')).dev, 'vtep0');
    const ovs = await new OvsdbUnderlay(env.client).read();
    assert.equal(ovs.externalIds.get('ovn-encap-ip'), '2001:db8:1::1,192.0.2.2,192.0.2.1', 'same set in another order is preserved');
    assert.equal((await planNodeSpec(spec, target())).changes.length, 0);
  });

  test('a key changed by someone else between plan and apply is not overwritten; the run rolls back', async () => {
    const ovs = new OvsdbUnderlay(env.client);
    const net = new Iproute2({ netns: env.ns });
    const other = parseNodeSpec(SPEC.replace('defaultVtep: vtep1', 'defaultVtep: vtep0'), { file: 'other.yaml' });
    const plan = planUnderlay(other, await observeUnderlay(other, ovs, net));
    assert.deepEqual(plan.changes.map((c) => c.kind), ['ovs-key']);
    await env.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip-default=192.0.2.99']);
    const before = await env.snapshot();
    await assert.rejects(applyPlan(plan, { ovs, net }), (err: unknown) => err instanceof UnderlayError && err.code === 'underlay-step-failed' && /changed by another writer/.test(err.message));
    assertSame(await env.snapshot(), before);
    assert.equal((await ovs.read()).externalIds.get('ovn-encap-ip-default'), '192.0.2.99');
    await applyNodeSpec(spec, target());
    assert.equal((await ovs.read()).externalIds.get('ovn-encap-ip-default'), '192.0.2.2');
  });

  test('bridges and ports mvtep created but the spec dropped are reported, not removed', async () => {
    const fewer = parseNodeSpec(SPEC.replace(/ {2}- \{ pf: pfc.*\n/, '').replace(', "2001:db8:100::/48"', '').replace(', "2001:db8:1::fe"', ''), { file: 'fewer.yaml' });
    const plan = await planNodeSpec(fewer, target());
    const stale = plan.problems.filter((p) => p.code.startsWith('stale-')).map((p) => `${p.code} ${p.subject}`).sort();
    assert.deepEqual(stale, ['stale-bridge brpfc', 'stale-port pfc', 'stale-port vtep2']);
  });

  test('strict rp_filter blocks apply unless fixed to loose; the fix is undone by rollback', async () => {
    await run(['ip', 'netns', 'exec', env.ns, 'sysctl', '-q', '-w', 'net.ipv4.conf.vtep0.rp_filter=1']);
    await assert.rejects(applyNodeSpec(spec, target()), (err: unknown) => err instanceof UnderlayError && err.code === 'underlay-check-failed' && /rp_filter/.test(err.message));
    const before = await env.snapshot();
    await assert.rejects(applyNodeSpec(spec, { ...target(), fixRpFilter: true, failBefore: () => true }), /injected/);
    assertSame(await env.snapshot(), before);
    const fixed = await applyNodeSpec(spec, { ...target(), fixRpFilter: true });
    assert.deepEqual(fixed.changes, [{ kind: 'rp-filter', dev: 'vtep0', from: 1, to: 2 }]);
    assert.equal((await new Iproute2({ netns: env.ns }).readRpFilter('vtep0')).effective, 2);
  });
});
