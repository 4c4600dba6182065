// planL3 on hand-built zone views shaped like the real IC lab's (two zones,
// two VTEPs per node): what it adds, keeps, renumbers and removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseL3Subnets } from '../../src/config/index.ts';
import { L3_MARKER_KEY, planL3, planL3Uninstall, type L3Zone } from '../../src/ic/index.ts';
import type { IcChassis, IcEncap, IcPortBinding, IcZoneNorthbound, IcZoneSouthbound, NbRouterPort, NbStaticRoute, NbSwitchPort } from '../../src/observe/index.ts';

const subnets = parseL3Subnets('203.0.113.128/28,203.0.113.144/28', 2);
const NODES = { a: { chassis: 'hva', vteps: ['192.0.2.12', '192.0.2.11'], pod: { lport: 'pa', ip: '203.0.113.66', vtep: '192.0.2.12' } },
  b: { chassis: 'hvb', vteps: ['192.0.2.21', '192.0.2.22'], pod: { lport: 'pb', ip: '203.0.113.82', vtep: '192.0.2.21' } } } as const;
type Node = keyof typeof NODES;
const owned = { [L3_MARKER_KEY]: 'l3' };

function sb(self: Node): IcZoneSouthbound {
  const chassis = new Map<string, IcChassis>();
  const encaps = new Map<string, IcEncap>();
  for (const [n, spec] of Object.entries(NODES)) {
    const uuids = spec.vteps.map((ip) => `e-${ip}`);
    spec.vteps.forEach((ip) => encaps.set(`e-${ip}`, { uuid: `e-${ip}`, chassisName: spec.chassis, ip, type: 'geneve' }));
    chassis.set(spec.chassis, { name: spec.chassis, remote: n !== self, encaps: uuids });
  }
  const me = NODES[self];
  const portBindings: IcPortBinding[] = [{ uuid: `pb-${me.pod.lport}`, logicalPort: me.pod.lport, type: '', chassis: me.chassis, encap: `e-${me.pod.vtep}`, mac: [] }];
  return { chassis, encaps, portBindings, portBindingByUuid: new Map(portBindings.map((p) => [p.uuid, p])), globalExternalIds: {} };
}

function nb(self: Node, extra: { lrps?: NbRouterPort[]; lsps?: NbSwitchPort[]; routes?: NbStaticRoute[] } = {}): IcZoneNorthbound {
  const me = NODES[self];
  const lsp = (name: string, routerPort: string): NbSwitchPort => ({ uuid: `u-${name}`, name, type: 'router', addresses: ['router'], options: { 'router-port': routerPort }, externalIds: {} });
  return {
    switches: [
      { uuid: 'u-ts', name: 'ts-l3', transit: true, ports: [lsp(`tstor-${self}`, `lrp-ts-${self}`), ...(extra.lsps ?? [])] },
      { uuid: 'u-ls', name: `ls-${self}`, transit: false, ports: [lsp(`stor-${self}`, `lrp-ls-${self}`),
        { uuid: 'u-pod', name: me.pod.lport, type: '', addresses: [`0a:58:00:00:00:01 ${me.pod.ip}`], options: {}, externalIds: {} }] },
    ],
    routers: [{
      uuid: 'u-lr', name: `lr-${self}`,
      ports: [{ uuid: 'u-lrpts', name: `lrp-ts-${self}`, mac: '0a:58:fe:01:00:01', networks: ['198.51.100.1/24'], gatewayChassis: [me.chassis], externalIds: {} },
        { uuid: 'u-lrpls', name: `lrp-ls-${self}`, mac: '0a:58:fe:01:00:02', networks: ['203.0.113.65/28'], gatewayChassis: [], externalIds: {} }, ...(extra.lrps ?? [])],
      staticRoutes: extra.routes ?? [],
    }],
  };
}

/** The steering ports of `self` as planL3 creates them (zone number `i`). */
function steeringPorts(self: Node, i: number): { lrps: NbRouterPort[]; lsps: NbSwitchPort[] } {
  const lrps = [0, 1].map((k): NbRouterPort => {
    const ip = `203.0.113.${128 + 16 * k + i}`;
    return { uuid: `u-lrp-${k}`, name: `mvtep-ts-${self}-${k}`, mac: `0a:58:cb:00:71:${(128 + 16 * k + i).toString(16)}`, networks: [`${ip}/28`], gatewayChassis: [NODES[self].chassis], externalIds: owned };
  });
  const lsps = [0, 1].map((k): NbSwitchPort => ({ uuid: `u-lsp-${k}`, name: `mvtep-tstor-${self}-${k}`, type: 'router', addresses: ['router'], options: { 'router-port': `mvtep-ts-${self}-${k}` }, externalIds: owned }));
  return { lrps, lsps };
}

test('l3 plan: a fresh zone gets one steering port per VTEP index and a /32 per remote pod through the port of its VTEP index', () => {
  const zones: L3Zone[] = [{ name: 'a', nb: nb('a'), sb: sb('a') }, { name: 'b', nb: nb('b'), sb: sb('b') }];
  const plan = planL3(zones, subnets);
  const a = plan.zones.find((z) => z.zone === 'a')!;
  assert.deepEqual(a.addPorts.map((p) => [p.routerPort, p.transitPort, p.network, p.mac, p.chassis]), [
    ['mvtep-ts-a-0', 'mvtep-tstor-a-0', '203.0.113.129/28', '0a:58:cb:00:71:81', 'hva'],
    ['mvtep-ts-a-1', 'mvtep-tstor-a-1', '203.0.113.145/28', '0a:58:cb:00:71:91', 'hva'],
  ]);
  // pb lives on hvb's VTEP 192.0.2.21, index 0 in address order: zone b's port 0 is 203.0.113.130.
  assert.deepEqual(a.addRoutes, [{ pod: 'pb', podZone: 'b', prefix: '203.0.113.82/32', nexthop: '203.0.113.130', outputPort: 'mvtep-ts-a-0' }]);
  // pa lives on 192.0.2.12, index 1 of hva's VTEPs (sorted by address, not as listed).
  assert.deepEqual(plan.zones.find((z) => z.zone === 'b')!.addRoutes.map((r) => [r.prefix, r.nexthop, r.outputPort]), [['203.0.113.66/32', '203.0.113.145', 'mvtep-ts-b-1']]);
  assert.deepEqual(plan.transitHomes, [], 'nothing to pin before the ports exist');
});

test('l3 plan: existing ports are kept and their peers homed on the VTEP of their index; ovn-ic sync awaited', () => {
  const zones: L3Zone[] = [{ name: 'a', nb: nb('a', steeringPorts('a', 1)), sb: sb('a') }, { name: 'b', nb: nb('b'), sb: sb('b') }];
  const plan = planL3(zones, subnets);
  assert.deepEqual(plan.zones.find((z) => z.zone === 'a')!.addPorts, []);
  assert.deepEqual(plan.transitHomes.map((h) => [h.lport, h.zone, h.chassis, h.vtep]), [
    ['mvtep-tstor-a-0', 'a', 'hva', '192.0.2.11'], ['mvtep-tstor-a-1', 'a', 'hva', '192.0.2.12']]);
  assert.deepEqual(plan.awaitingSync, [{ zone: 'b', lport: 'mvtep-tstor-a-0' }, { zone: 'b', lport: 'mvtep-tstor-a-1' }]);
});

test('l3 plan: a port with the wrong address is removed first and recreated in the next pass', () => {
  const ports = steeringPorts('a', 1);
  ports.lrps[0] = { ...ports.lrps[0]!, networks: ['203.0.113.140/28'] };
  const a = planL3([{ name: 'a', nb: nb('a', ports), sb: sb('a') }, { name: 'b', nb: nb('b'), sb: sb('b') }], subnets).zones[0]!;
  assert.deepEqual(a.removePorts, [{ routerPort: 'mvtep-ts-a-0', lrpUuid: 'u-lrp-0', lspUuid: 'u-lsp-0' }]);
  assert.deepEqual(a.addPorts, []);
});

test('l3 plan: routes of pods in an unreachable zone are kept, a stale route of a readable zone is removed, a right one counted', () => {
  const route = (uuid: string, prefix: string, nexthop: string, out: string, zone: string): NbStaticRoute =>
    ({ uuid, ipPrefix: prefix, nexthop, outputPort: out, externalIds: { ...owned, 'mvtep-ic-pod': 'x', 'mvtep-ic-zone': zone } });
  const routes = [
    route('r-ok', '203.0.113.82/32', '203.0.113.130', 'mvtep-ts-a-0', 'b'),
    route('r-stale', '203.0.113.83/32', '203.0.113.130', 'mvtep-ts-a-0', 'b'),
    route('r-down', '203.0.113.98/32', '203.0.113.131', 'mvtep-ts-a-0', 'c'),
  ];
  const zones: L3Zone[] = [{ name: 'a', nb: nb('a', { ...steeringPorts('a', 1), routes }), sb: sb('a') },
    { name: 'b', nb: nb('b'), sb: sb('b') }, { name: 'c', nb: undefined, sb: undefined }];
  const a = planL3(zones, parseL3Subnets('203.0.113.128/28,203.0.113.144/28', 3)).zones[0]!;
  assert.deepEqual(a.removeRoutes, [{ uuid: 'r-stale', prefix: '203.0.113.83/32' }]);
  assert.deepEqual(a.addRoutes, []);
  assert.equal(a.routesOk, 1);
});

test('l3 plan: a node with more VTEPs than subnets is reported, and uninstall finds every owned row and only those', () => {
  const plan = planL3([{ name: 'a', nb: nb('a'), sb: sb('a') }, { name: 'b', nb: nb('b'), sb: sb('b') }], subnets.slice(0, 1));
  assert.match(plan.zones[0]!.pending[0]!.reason, /hva has 2 VTEPs but --l3-subnets gives 1/);
  const routes: NbStaticRoute[] = [{ uuid: 'r1', ipPrefix: '203.0.113.82/32', nexthop: '203.0.113.130', outputPort: 'mvtep-ts-a-0', externalIds: owned },
    { uuid: 'r-theirs', ipPrefix: '203.0.113.80/28', nexthop: '198.51.100.2', outputPort: undefined, externalIds: {} }];
  const [u] = planL3Uninstall([{ name: 'a', nb: nb('a', { ...steeringPorts('a', 1), routes }), sb: sb('a') }]);
  assert.deepEqual(u!.removeRoutes, [{ uuid: 'r1', prefix: '203.0.113.82/32' }]);
  assert.deepEqual(u!.removePorts.map((p) => p.lrpUuid ?? p.lspUuid).sort(), ['u-lrp-0', 'u-lrp-1', 'u-lsp-0', 'u-lsp-1']);
});
