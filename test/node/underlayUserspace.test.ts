// node apply on a userspace-datapath node (br-int datapath_type=netdev), against a real
// vswitchd of the selected release. OVS < 3.7 (25.03: OVS 3.5) routes such tunnels by
// destination only: two VTEPs in one /24 are refused before anything changes, the
// version read from vswitchd itself (the test's database has no ovs_version, as on a node
// not started by ovs-ctl). OVS >= 3.7 (26.03: OVS 4.0) imports the kernel's rules: apply
// returns once OVS's own rule table holds each VTEP's rule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseNodeSpec, type NodeSpec } from '../../src/config/nodeSpec.ts';
import { applyNodeSpec, planNodeSpec, UnderlayError } from '../../src/node/underlay/index.ts';
import { parseOvsRules } from '../../src/ovn/index.ts';
import { unixctl } from '../../src/ovsdb/index.ts';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { startUnderlayEnv, type UnderlayEnv } from './underlayEnv.ts';

const SPEC = `
node: hv1
datapathType: netdev
routing: { supernets: [198.51.100.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24 }
`;

describe('node apply on a netdev br-int, by OVS release', { timeout: 120_000 }, () => {
  let env: UnderlayEnv;
  let spec: NodeSpec;
  let ovsVersion: string;
  const target = () => ({ ovsdb: env.remote, netns: env.ns, appctlTarget: join(env.dir, 'vswitchd.ctl') });

  before(async () => {
    ovsVersion = (await requireRuntime()).manifest.ovsVersion;
    env = await startUnderlayEnv({ pfs: ['pfa', 'pfb'], gateways: ['192.0.2.254'], ipv6: false });
    spec = parseNodeSpec(SPEC, { file: 'hv1.yaml' });
  });
  after(async () => {
    await env?.stop();
  });

  test('OVS < 3.7: VTEPs sharing a prefix are refused, naming the version vswitchd reports; nothing written', async (t) => {
    if (!/^3\.[0-6]\./.test(ovsVersion)) {
      t.skip(`OVS ${ovsVersion} imports ip rules (>= 3.7): the next test covers it`);
      return;
    }
    const plan = await planNodeSpec(spec, target());
    const errs = plan.problems.filter((p) => p.severity === 'error');
    assert.deepEqual(errs.map((p) => `${p.code} ${p.subject}`), ['userspace-shared-prefix vtep0, vtep1']);
    assert.match(errs[0]!.message, new RegExp(`^OVS ${ovsVersion.replace(/\./g, '\\.')}: .* share 192\\.0\\.2\\.0/24`));
    const before = await env.snapshot();
    await assert.rejects(applyNodeSpec(spec, target()),
      (e: unknown) => e instanceof UnderlayError && e.code === 'underlay-check-failed' && /by destination only/.test(e.message));
    assert.equal(await env.snapshot(), before);
  });

  test('OVS >= 3.7: apply returns with every VTEP rule in OVS\'s own table; a second apply still checks it', async (t) => {
    if (/^3\.[0-6]\./.test(ovsVersion)) {
      t.skip(`OVS ${ovsVersion} has no rule import: the previous test covers it`);
      return;
    }
    const out = await applyNodeSpec(spec, target());
    assert.deepEqual(out.ovsImported, ['6081: from 192.0.2.1 lookup 6081', '6082: from 192.0.2.2 lookup 6082']);
    assert.ok(!out.problems.some((p) => p.severity === 'error'));
    // What OVS really holds, asked independently of apply.
    const rules = parseOvsRules(await unixctl(join(env.dir, 'vswitchd.ctl'), 'ovs/route/rule/show', []));
    for (const [prio, src] of [[6081, '192.0.2.1'], [6082, '192.0.2.2']] as const) {
      assert.ok(rules.some((r) => r.priority === prio && r.src === src && r.table === String(prio) && !r.user), JSON.stringify(rules));
    }
    const again = await applyNodeSpec(spec, target());
    assert.equal(again.noop, true);
    assert.equal(again.ovsImported?.length, 2);
  });
});
