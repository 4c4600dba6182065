// node plan must reject what node apply would fail on (the kernel, the PF),
// so a blocked plan never becomes a half-applied node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeSpec } from '../../src/config/nodeSpec.ts';
import { planUnderlay, type ObservedUnderlay } from '../../src/node/underlay/index.ts';
import type { LinkState } from '../../src/routing/index.ts';

function observed(links: LinkState[] = []): ObservedUnderlay {
  return {
    ovs: { rootUuid: 'root', externalIds: new Map(), bridges: new Map(), ports: new Map(), interfaces: new Map() },
    links, rules: [], routes: [], rpFilter: new Map([['default', { all: 0, dev: 0, effective: 0 }]]),
  };
}

const errors = (yaml: string, links: LinkState[] = []) =>
  planUnderlay(parseNodeSpec(yaml, { file: 'x.yaml' }), observed(links)).problems.filter((p) => p.severity === 'error');

test('a supernet equal to a VTEP subnet: two routes for one prefix in one table is an error naming both', () => {
  const e = errors(`
routing: { supernets: [192.0.2.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24 }
`);
  const dup = e.find((p) => p.code === 'duplicate-route');
  assert.ok(dup, JSON.stringify(e));
  assert.match(dup.message, /two routes for 192\.0\.2\.0\/24 in table 6081 \(dev vtep0 and dev vtep0 via 192\.0\.2\.254\)/);
});

test('VTEP subnets of different NICs that overlap unequally: an error without a covering supernet, fine with one', () => {
  const spec = (supernets: string) => `
routing: { supernets: [${supernets}], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.130/25 }
`;
  const e = errors(spec('198.51.100.0/24'));
  assert.match(e.find((p) => p.code === 'vtep-subnets-overlap')?.message ?? '', /192\.0\.2\.0\/24 \(vtep0\) and 192\.0\.2\.128\/25 \(vtep1\) overlap/);
  assert.equal(errors(spec('192.0.0.0/16')).some((p) => p.code === 'vtep-subnets-overlap'), false);
  // Equal subnets (the usual layout) are not an overlap problem.
  assert.equal(errors(spec('198.51.100.0/24').replace('192.0.2.130/25', '192.0.2.2/24')).some((p) => p.code === 'vtep-subnets-overlap'), false);
});

test('a VTEP MTU above its PF\'s is an error (it was a warning)', () => {
  const pf: LinkState = { name: 'pfa', ifindex: 2, mtu: 1500, up: true, addresses: [] };
  const e = errors(`
overlayMtu: 1500
routing: { supernets: [198.51.100.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, vlan: 25 }
`, [pf]);
  assert.match(e.find((p) => p.code === 'pf-mtu')?.message ?? '', /PF pfa MTU 1500 is below the VTEP MTU 1558 \+ 4/);
});
