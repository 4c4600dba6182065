import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeSpec } from '../../src/config/nodeSpec.ts';
import {
  planUnderlay, applyPlan, nodeSpecFromChassis, vtepRoutes, vtepRule, describeChange, UnderlayError,
  type ObservedUnderlay, type OvsState, type UnderlayBackends,
} from '../../src/node/underlay/index.ts';
import type { LinkState, IpRoute, IpRule } from '../../src/routing/index.ts';

const SPEC = parseNodeSpec(`
node: hv1
defaultVtep: vtep0
routing: { supernets: [198.51.100.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, vlan: 25 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24, vlan: 25 }
`, { file: 'plan.yaml' });

const emptyOvs = (ext: Record<string, string> = {}): OvsState => ({
  rootUuid: 'root', externalIds: new Map(Object.entries(ext)), bridges: new Map(), ports: new Map(), interfaces: new Map(),
});

function observed(over: Partial<ObservedUnderlay> = {}): ObservedUnderlay {
  return {
    ovs: emptyOvs(), links: [], rules: [], routes: [],
    rpFilter: new Map([['default', { all: 0, dev: 0, effective: 0 }]]), ...over,
  };
}

/** The node as apply leaves it: what a second plan sees. */
function converged(): ObservedUnderlay {
  const bridges = new Map(SPEC.nics.map((n) => [n.bridge, { uuid: n.bridge, name: n.bridge, datapathType: '', ports: [n.bridge, n.vtep], externalIds: new Map() }]));
  const ports = new Map(SPEC.nics.map((n) => [n.vtep, { uuid: n.vtep, name: n.vtep, bridge: n.bridge, tag: n.vlan, interfaces: [n.vtep], externalIds: new Map() }]));
  const interfaces = new Map(SPEC.nics.map((n) => [n.vtep, { uuid: n.vtep, name: n.vtep, type: 'internal', mtuRequest: n.mtu }]));
  const links: LinkState[] = SPEC.nics.map((n, i) => ({
    name: n.vtep, ifindex: 10 + i, mtu: n.mtu, up: true, addresses: [{ family: 4, address: n.ip.address, prefixLength: 24 }],
  }));
  return {
    ovs: {
      rootUuid: 'root', bridges, ports, interfaces,
      externalIds: new Map([['system-id', 'hv1'], ['ovn-encap-ip', '192.0.2.2,192.0.2.1'], ['ovn-pf-encap-ip-mapping', 'pfa:192.0.2.1,pfb:192.0.2.2'], ['ovn-encap-ip-default', '192.0.2.1']]),
    },
    links,
    rules: SPEC.nics.map(vtepRule),
    routes: SPEC.nics.flatMap((n) => vtepRoutes(SPEC, n)).map((r) => ({ ...r, scope: r.scope })),
    rpFilter: new Map([['default', { all: 0, dev: 0, effective: 0 }], ['vtep0', { all: 0, dev: 2, effective: 2 }], ['vtep1', { all: 0, dev: 0, effective: 0 }]]),
  };
}

test('a fresh node: bridges, ports, keys, then link, routes before rules', () => {
  const p = planUnderlay(SPEC, observed());
  assert.deepEqual(p.problems.filter((x) => x.severity === 'error'), []);
  const kinds = p.changes.map((c) => c.kind);
  assert.deepEqual(kinds.slice(0, 4), ['ovs-bridge-add', 'ovs-port-add', 'ovs-bridge-add', 'ovs-port-add']);
  assert.ok(kinds.lastIndexOf('route-add') < kinds.indexOf('rule-add'), 'a rule never points at an empty table');
  assert.ok(kinds.indexOf('link-up') < kinds.indexOf('link-address'), 'undo removes the address before taking the link down');
  const keys = p.changes.flatMap((c) => (c.kind === 'ovs-key' ? [[c.key, c.to]] : []));
  assert.deepEqual(keys, [['system-id', 'hv1'], ['ovn-encap-ip', '192.0.2.1,192.0.2.2'], ['ovn-pf-encap-ip-mapping', 'pfa:192.0.2.1,pfb:192.0.2.2'], ['ovn-encap-ip-default', '192.0.2.1']]);
  assert.ok(p.problems.some((x) => x.code === 'pf-absent'), 'absent PF netdevs are reported, not invented');
  const routes = p.changes.flatMap((c) => (c.kind === 'route-add' ? [describeChange(c)] : []));
  assert.deepEqual(routes, [
    'route: add 192.0.2.0/24 dev vtep0 scope link src 192.0.2.1 table 6081',
    'route: add 198.51.100.0/24 via 192.0.2.254 dev vtep0 table 6081',
    'route: add 192.0.2.0/24 dev vtep1 scope link src 192.0.2.2 table 6082',
    'route: add 198.51.100.0/24 via 192.0.2.254 dev vtep1 table 6082',
  ]);
});

test('a converged node plans nothing (same ovn-encap-ip set in another order is kept)', () => {
  assert.deepEqual(planUnderlay(SPEC, converged()).changes, []);
});

test('a different value is replaced with a single-key change showing the old value', () => {
  const seen = converged();
  const ext = new Map(seen.ovs.externalIds);
  ext.set('ovn-encap-ip', '192.0.2.1');
  ext.set('foreign', 'x');
  const p = planUnderlay(SPEC, { ...seen, ovs: { ...seen.ovs, externalIds: ext } });
  assert.deepEqual(p.changes, [{ kind: 'ovs-key', key: 'ovn-encap-ip', from: '192.0.2.1', to: '192.0.2.1,192.0.2.2' }]);
});

test('stale mvtep rules and routes are removed; foreign ones are never planned for removal', () => {
  const seen = converged();
  const stale: IpRule = { family: 4, priority: 7000, src: '192.0.2.9', table: '7000', protocol: '157' };
  const foreign: IpRule = { family: 4, priority: 7001, src: '192.0.2.8', table: '7001', protocol: 'static' };
  const staleRoute: IpRoute = { family: 4, table: '7000', dst: '203.0.113.0/24', dev: 'vtep0', protocol: '157' };
  const p = planUnderlay(SPEC, { ...seen, rules: [...seen.rules, stale, foreign], routes: [...seen.routes, staleRoute] });
  assert.deepEqual(p.changes, [{ kind: 'rule-del', rule: stale }, { kind: 'route-del', route: staleRoute }]);
});

test('checks: foreign priority, foreign route in our table, IP on another device, strict rp_filter, vtep name taken', () => {
  const p = planUnderlay(SPEC, observed({
    rules: [{ family: 4, priority: 6081, src: '10.0.0.1', table: '100', protocol: 'static' }],
    routes: [{ family: 4, table: '6082', dst: '198.51.100.0/24', gateway: '192.0.2.253', dev: 'eth0', protocol: 'static' }],
    links: [
      { name: 'eth0', ifindex: 2, mtu: 1500, up: true, addresses: [{ family: 4, address: '192.0.2.2', prefixLength: 24 }] },
      { name: 'vtep0', ifindex: 3, mtu: 1500, up: true, kind: 'veth', addresses: [] },
    ],
    rpFilter: new Map([['default', { all: 1, dev: 1, effective: 1 }], ['vtep0', { all: 1, dev: 0, effective: 1 }]]),
  }));
  const codes = p.problems.filter((x) => x.severity === 'error').map((x) => `${x.code} ${x.subject}`).sort();
  assert.deepEqual(codes, [
    'ip-elsewhere 192.0.2.2', 'priority-in-use pref 6081', 'route-in-use table 6082',
    'rp-filter-strict vtep0', 'rp-filter-strict vtep1', 'vtep-not-ovs vtep0',
  ]);
});

test('--fix-rp-filter turns strict rp_filter into a planned loose setting (also for new devices)', () => {
  const p = planUnderlay(SPEC, observed({ rpFilter: new Map([['default', { all: 0, dev: 1, effective: 1 }]]) }), { fixRpFilter: true });
  assert.deepEqual(p.changes.filter((c) => c.kind === 'rp-filter'), [
    { kind: 'rp-filter', dev: 'vtep0', from: 1, to: 2 }, { kind: 'rp-filter', dev: 'vtep1', from: 1, to: 2 },
  ]);
  assert.ok(!p.problems.some((x) => x.code === 'rp-filter-strict'));
});

test('apply refuses a plan with failed checks before touching anything', async () => {
  const p = planUnderlay(SPEC, observed({ rpFilter: new Map([['default', { all: 1, dev: 1, effective: 1 }]]) }));
  const untouchable = new Proxy({}, { get: () => () => assert.fail('no backend call expected') }) as unknown as UnderlayBackends;
  await assert.rejects(applyPlan(p, untouchable), (e: unknown) => e instanceof UnderlayError && e.code === 'underlay-check-failed' && /rp_filter/.test(e.message));
});

test('nodeSpecFromChassis: lab chassis description to a validated spec', () => {
  const s = nodeSpecFromChassis({
    chassis: 'hv2', pfs: ['p0', 'p1', 'p2'], vtepIps: ['192.0.2.21', '192.0.2.22/24', '2001:db8:1::21'],
    gateway: ['192.0.2.254', '2001:db8:1::fe'], supernets: ['198.51.100.0/24'], vlan: 30, defaultVtep: 1,
  });
  assert.equal(s.node, 'hv2');
  assert.equal(s.datapathType, 'netdev');
  assert.equal(s.defaultVtep, 'vtep1');
  assert.deepEqual(s.nics.map((n) => [n.pf, n.bridge, n.vtep, `${n.ip.address}/${n.ip.prefixLength}`, n.vlan, n.table]), [
    ['p0', 'brp0', 'vtep0', '192.0.2.21/24', 30, 6081],
    ['p1', 'brp1', 'vtep1', '192.0.2.22/24', 30, 6082],
    ['p2', 'brp2', 'vtep2', '2001:db8:1::21/64', 30, 6083],
  ]);
  assert.throws(() => nodeSpecFromChassis({ chassis: 'x', pfs: ['p0'], vtepIps: ['nope'], gateway: '192.0.2.254' }), /nics\[0\]\.ip/);
});

/** The converged node with its integration bridge on `datapathType` and OVS `ovsVersion`. */
function withIntegration(datapathType: string, ovsVersion: string | undefined, bridge = 'br-int'): ObservedUnderlay {
  const c = converged();
  const bridges = new Map(c.ovs.bridges);
  bridges.set(bridge, { uuid: bridge, name: bridge, datapathType, ports: [], externalIds: new Map() });
  return { ...c, ovs: { ...c.ovs, bridges, ...(ovsVersion !== undefined ? { ovsVersion } : {}) } };
}

test('userspace br-int on OVS < 3.7 with VTEPs sharing a prefix: refused before anything, naming version, VTEPs and prefix', async () => {
  // Unknown (no ovs_version, no vswitchd socket): said, not refused.
  const unknown = planUnderlay(SPEC, withIntegration('netdev', undefined)).problems.filter((x) => x.code === 'userspace-shared-prefix');
  assert.deepEqual(unknown.map((x) => x.severity), ['warning']);
  assert.match(unknown[0]!.message, /OVS version unknown/);
  for (const v of ['3.5.0', '3.6.2']) {
    const p = planUnderlay(SPEC, withIntegration('netdev', v));
    const errs = p.problems.filter((x) => x.severity === 'error');
    assert.deepEqual(errs.map((x) => `${x.code} ${x.subject}`), ['userspace-shared-prefix vtep0, vtep1'], String(v));
    assert.match(errs[0]!.message, new RegExp(`^OVS ${v.replace(/\./g, '\\.')}: OVS < 3\\.7 routes`));
    assert.match(errs[0]!.message, /vtep0 192\.0\.2\.1, vtep1 192\.0\.2\.2 share 192\.0\.2\.0\/24/);
    assert.equal(p.ovsImport, undefined);
    const untouchable = new Proxy({}, { get: () => () => assert.fail('no backend call expected') }) as unknown as UnderlayBackends;
    await assert.rejects(applyPlan(p, untouchable), (e: unknown) => e instanceof UnderlayError && e.code === 'underlay-check-failed' && /share 192\.0\.2\.0\/24/.test(e.message));
  }
  // One subnet per VTEP: OVS < 3.7 still reaches each VTEP's own subnet through its own device.
  const own = parseNodeSpec(`
node: hv1
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/25 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.129/25 }
`, { file: 'own.yaml' });
  assert.ok(!planUnderlay(own, withIntegration('netdev', '3.5.0')).problems.some((x) => x.code === 'userspace-shared-prefix'));
});

test('kernel or dummy br-int, or OVS >= 3.7: no refusal; on >= 3.7 the plan asks apply to find the rules in OVS', () => {
  for (const dp of ['', 'system', 'dummy']) {
    const p = planUnderlay(SPEC, withIntegration(dp, '3.5.0'));
    assert.ok(!p.problems.some((x) => x.code === 'userspace-shared-prefix'), dp);
    assert.equal(p.ovsImport, undefined, dp);
  }
  const p = planUnderlay(SPEC, withIntegration('netdev', '4.0.0'));
  assert.deepEqual(p.problems.filter((x) => x.severity === 'error'), []);
  assert.deepEqual(p.ovsImport, SPEC.nics.map(vtepRule));
  // external_ids:ovn-bridge names the integration bridge.
  const named = withIntegration('netdev', '3.5.0', 'br-ovn');
  assert.ok(!planUnderlay(SPEC, named).problems.some((x) => x.code === 'userspace-shared-prefix'));
  const ext = new Map(named.ovs.externalIds).set('ovn-bridge', 'br-ovn');
  assert.ok(planUnderlay(SPEC, { ...named, ovs: { ...named.ovs, externalIds: ext } }).problems.some((x) => x.code === 'userspace-shared-prefix'));
});

test('apply on OVS >= 3.7 netdev: waits for OVS to import every VTEP rule; never imported: rolled back, named', async () => {
  const p = planUnderlay(SPEC, withIntegration('netdev', '4.0.0'));
  assert.equal(p.changes.length, 0);
  const rulesOf = (prios: number[]) => prios.map((priority) => ({ priority, src: SPEC.nics.find((n) => n.priority === priority)!.ip.address, table: String(SPEC.nics.find((n) => n.priority === priority)!.table), invert: false, user: false }));
  // OVS learns the rules asynchronously: the second read has them.
  let reads = 0;
  const lagging = { ovsRules: async () => (++reads < 2 ? rulesOf([6081]) : rulesOf([6081, 6082])) } as unknown as UnderlayBackends;
  const out = await applyPlan(p, lagging, { timeoutMs: 2000 });
  assert.deepEqual(out.ovsImported, ['6081: from 192.0.2.1 lookup 6081', '6082: from 192.0.2.2 lookup 6082']);
  assert.ok(reads >= 2);
  const never = { ovsRules: async () => rulesOf([6081]) } as unknown as UnderlayBackends;
  await assert.rejects(applyPlan(p, never, { timeoutMs: 200 }),
    (e: unknown) => e instanceof UnderlayError && e.code === 'underlay-rules-not-imported' && /still lacks 6082: from 192\.0\.2\.2 lookup 6082/.test(e.message));
  // No way to ask OVS: applied, with a warning saying it was not checked.
  const blind = await applyPlan(p, {} as unknown as UnderlayBackends);
  assert.ok(blind.problems.some((x) => x.code === 'ovs-import-unchecked'));
  assert.equal(blind.ovsImported, undefined);
});
