import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseL3Subnets } from '../../src/config/index.ts';

test('l3 subnets: parsed in order, one per VTEP index', () => {
  const s = parseL3Subnets('203.0.113.128/28, 203.0.113.144/28', 3);
  assert.deepEqual(s.map((p) => `${p.network}/${p.prefixLength}`), ['203.0.113.128/28', '203.0.113.144/28']);
});

for (const [text, zones, position, reason] of [
  ['203.0.113.128', 3, 1, /needs a prefix length/],
  ['203.0.113.128/28,2001:db8::/64', 3, 2, /IPv4/],
  ['203.0.113.130/28', 3, 1, /did you mean 203\.0\.113\.128\/28/],
  ['203.0.113.128/30', 3, 1, /holds 2 hosts, fewer than the 3 zones/],
  ['203.0.113.128/27,203.0.113.144/28', 3, 2, /overlaps entry 1 203\.0\.113\.128\/27/],
  ['203.0.113.128/28,', 3, 2, /empty entry/],
] as const) {
  test(`l3 subnets: ${JSON.stringify(text)} is rejected at entry ${position}`, () => {
    assert.throws(() => parseL3Subnets(text, zones), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.key, '--l3-subnets');
      assert.equal(err.position, position);
      assert.match(err.reason, reason);
      return true;
    });
  });
}
