import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkEncapIpDefault, checkEncapIpList, ConfigError, ovnReadEncapIps, ovnReadEncapIpDefault, parseEncapIpDefault,
  parseEncapIpList,
} from '../../src/config/index.ts';

test('parses an IPv4/IPv6 list in written order with 1-based positions', () => {
  const { value, warnings } = parseEncapIpList('192.0.2.1,2001:db8::1,198.51.100.7');
  assert.deepEqual(value.ips, [
    { ip: '192.0.2.1', family: 4, position: 1 },
    { ip: '2001:db8::1', family: 6, position: 2 },
    { ip: '198.51.100.7', family: 4, position: 3 },
  ]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(value.ovn, ['192.0.2.1', '2001:db8::1', '198.51.100.7']);
});

test('an empty value is an empty list', () => {
  const c = checkEncapIpList('');
  assert.deepEqual(c.value.ips, []);
  assert.deepEqual(c.errors, []);
  assert.deepEqual(c.warnings, []);
});

const badLists: Array<{ raw: string; entry: string; position: number; reason: RegExp }> = [
  { raw: '192.0.2.1,192.0.2.300', entry: '192.0.2.300', position: 2, reason: /not an IPv4 or IPv6/ },
  { raw: 'vtep0', entry: 'vtep0', position: 1, reason: /not an IPv4 or IPv6/ },
  { raw: '192.0.2.1,,192.0.2.0/24', entry: '192.0.2.0/24', position: 3, reason: /prefix length/ },
  { raw: 'fe80::1%eth0', entry: 'fe80::1%eth0', position: 1, reason: /zone/ },
  { raw: '[2001:db8::1]', entry: '[2001:db8::1]', position: 1, reason: /brackets/ },
  { raw: '192.0.2.1;192.0.2.2', entry: '192.0.2.1;192.0.2.2', position: 1, reason: /not an IPv4/ },
  { raw: '192.0.2.01', entry: '192.0.2.01', position: 1, reason: /not an IPv4/ },
  { raw: ' 192.0.2.1 x', entry: ' 192.0.2.1 x', position: 1, reason: /not an IPv4/ },
];

for (const c of badLists) {
  test(`ovn-encap-ip ${JSON.stringify(c.raw)} is rejected at entry ${c.position}`, () => {
    assert.throws(() => parseEncapIpList(c.raw), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'config-invalid-ip');
      assert.equal(err.key, 'ovn-encap-ip');
      assert.equal(err.entry, c.entry);
      assert.equal(err.position, c.position);
      assert.match(err.reason, c.reason);
      assert.match(err.message, new RegExp(`ovn-encap-ip: entry ${c.position} `));
      assert.deepEqual(err.input, { key: 'ovn-encap-ip', entry: c.entry, position: c.position, reason: err.reason });
      return true;
    });
  });
}

test('the error names the chassis override key when that is what was read', () => {
  assert.throws(() => parseEncapIpList('nope', 'ovn-encap-ip-hv1'), /ovn-encap-ip-hv1: entry 1 "nope"/);
});

test('lenient check keeps the good entries next to the bad one', () => {
  const c = checkEncapIpList('192.0.2.1,bogus,192.0.2.3');
  assert.deepEqual(c.value.ips.map((x) => x.ip), ['192.0.2.1', '192.0.2.3']);
  assert.equal(c.errors.length, 1);
  assert.equal(c.errors[0]!.position, 2);
});

const warnCases: Array<{ raw: string; code: string; position: number; ips: string[]; ovn: string[] }> = [
  { raw: '192.0.2.1, 192.0.2.2', code: 'whitespace', position: 2, ips: ['192.0.2.1', '192.0.2.2'], ovn: ['192.0.2.1', ' 192.0.2.2'] },
  { raw: '192.0.2.1,,192.0.2.2', code: 'empty-entry', position: 2, ips: ['192.0.2.1', '192.0.2.2'], ovn: ['192.0.2.1', '192.0.2.2'] },
  { raw: '192.0.2.1,', code: 'empty-entry', position: 2, ips: ['192.0.2.1'], ovn: ['192.0.2.1'] },
  { raw: '192.0.2.1,192.0.2.1', code: 'duplicate-ip', position: 2, ips: ['192.0.2.1'], ovn: ['192.0.2.1'] },
  { raw: '2001:db8::1,2001:DB8:0::1', code: 'ip-spelling', position: 2, ips: ['2001:db8::1', '2001:DB8:0::1'], ovn: ['2001:db8::1', '2001:DB8:0::1'] },
  { raw: '192.0.2.1, ', code: 'whitespace', position: 2, ips: ['192.0.2.1'], ovn: ['192.0.2.1', ' '] },
];

for (const c of warnCases) {
  test(`ovn-encap-ip ${JSON.stringify(c.raw)} warns ${c.code} and differs from OVN as expected`, () => {
    const r = parseEncapIpList(c.raw);
    assert.deepEqual(r.value.ips.map((x) => x.ip), c.ips);
    assert.deepEqual(r.value.ovn, c.ovn);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.position]), [[c.code, c.position]]);
  });
}

test('OVN reading: split on comma, drop empties, no trim, dedupe', () => {
  assert.deepEqual(ovnReadEncapIps(',a, b,,a,b ,'), ['a', ' b', 'b ']);
  assert.deepEqual(ovnReadEncapIps(''), []);
});

test('default: valid and listed', () => {
  const list = parseEncapIpList('192.0.2.1,192.0.2.2').value;
  const r = parseEncapIpDefault('192.0.2.2', list);
  assert.deepEqual(r.value, { ip: '192.0.2.2', family: 4, position: 1 });
  assert.deepEqual(r.warnings, []);
  assert.equal(ovnReadEncapIpDefault('192.0.2.2', list.raw), '192.0.2.2');
});

test('default: not listed, or listed only after trimming, is ignored by OVN and warned', () => {
  const list = parseEncapIpList('192.0.2.1,192.0.2.2').value;
  assert.deepEqual(checkEncapIpDefault('192.0.2.9', list).warnings.map((w) => w.code), ['default-not-listed']);
  assert.deepEqual(checkEncapIpDefault(' 192.0.2.1', list).warnings.map((w) => w.code), ['whitespace', 'default-not-listed']);
  assert.equal(ovnReadEncapIpDefault(' 192.0.2.1', list.raw), undefined);
  assert.equal(ovnReadEncapIpDefault('192.0.2.9', list.raw), undefined);
});

const badDefaults: Array<{ raw: string; code: string; reason: RegExp }> = [
  { raw: '192.0.2.1,192.0.2.2', code: 'config-multiple-values', reason: /exactly one/ },
  { raw: 'default', code: 'config-invalid-ip', reason: /not an IPv4/ },
  { raw: '192.0.2.1/32', code: 'config-invalid-ip', reason: /prefix/ },
];
for (const c of badDefaults) {
  test(`ovn-encap-ip-default ${JSON.stringify(c.raw)} is rejected (${c.code})`, () => {
    assert.throws(() => parseEncapIpDefault(c.raw), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, c.code);
      assert.equal(err.key, 'ovn-encap-ip-default');
      assert.equal(err.entry, c.raw);
      assert.equal(err.position, 1);
      assert.match(err.reason, c.reason);
      return true;
    });
  });
}
