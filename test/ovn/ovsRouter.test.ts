// OVS's tunnel router text, as OVS 4.0.0 printed it in the netdev lab (26.03).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovsRouterOf, parseOvsLookup, parseOvsRules } from '../../src/ovn/index.ts';

test('ovs/route/rule/show: cached and user rules, duplicates dropped, other lines ignored', () => {
  const text = [
    'Cached: 0: from all lookup local', 'Cached: 0: from all lookup local', 'Cached: 6082: from 192.0.2.12 lookup 6082',
    'User: 50: not from 192.0.2.0/24 lookup 6081', 'Cached: 32766: from all lookup main', '', 'garbage',
  ].join('\n');
  assert.deepEqual(parseOvsRules(text), [
    { priority: 0, invert: false, table: 'local', user: false },
    { priority: 6082, src: '192.0.2.12', invert: false, table: '6082', user: false },
    { priority: 50, src: '192.0.2.0/24', invert: true, table: '6081', user: true },
    { priority: 32766, invert: false, table: 'main', user: false },
  ]);
});

test('ovs/route/lookup: device, gateway (:: and 0.0.0.0 mean on-link), source', () => {
  assert.deepEqual(parseOvsLookup('src 192.0.2.12\ngateway ::\ndev vtep1\n'), { dev: 'vtep1', src: '192.0.2.12' });
  assert.deepEqual(parseOvsLookup('src 192.0.2.12\ngateway 192.0.2.254\ndev vtep1\n'), { dev: 'vtep1', gateway: '192.0.2.254', src: '192.0.2.12' });
});

test('OVS versions: >= 3.7 routes by source, older by destination, anything else unknown', () => {
  assert.deepEqual(['4.0.0', '3.7.1', '3.6.2', '3.5.0-1', '', 'v4'].map((v) => ovsRouterOf(v).kind), ['rules', 'rules', 'destination', 'destination', 'unknown', 'unknown']);
});
