import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPfEncapIpMapping, ConfigError, ovnkubeReadPfMapping, parseEncapIpList, parsePfEncapIpMapping,
} from '../../src/config/index.ts';

const encap = parseEncapIpList('192.0.2.1,192.0.2.2,2001:db8::3').value;

test('parses pf:ip entries, IPv6 split at the first colon only', () => {
  const r = parsePfEncapIpMapping('enp1s0f0:192.0.2.1,enp2s0f0:2001:db8::3', encap);
  assert.deepEqual(r.value.entries, [
    { pf: 'enp1s0f0', ip: '192.0.2.1', family: 4, position: 1 },
    { pf: 'enp2s0f0', ip: '2001:db8::3', family: 6, position: 2 },
  ]);
  assert.equal(r.value.byPf.get('enp2s0f0')?.ip, '2001:db8::3');
  // ovnkube-node cannot read the IPv6 entry: we say so, and still read it correctly.
  assert.deepEqual(r.warnings.map((w) => [w.code, w.position]), [['ipv6-ovnkube', 2], ['ovnkube-rejects-mapping', 2]]);
});

const bad: Array<{ raw: string; code: string; entry: string; position: number; reason: RegExp }> = [
  { raw: 'enp1s0f0', code: 'config-missing-separator', entry: 'enp1s0f0', position: 1, reason: /no ":"/ },
  { raw: 'a:192.0.2.1,enp2s0f0=192.0.2.2', code: 'config-missing-separator', entry: 'enp2s0f0=192.0.2.2', position: 2, reason: /pf:ip/ },
  { raw: ':192.0.2.1', code: 'config-invalid-pf', entry: ':192.0.2.1', position: 1, reason: /empty PF/ },
  { raw: 'averyveryverylongname:192.0.2.1', code: 'config-invalid-pf', entry: 'averyveryverylongname:192.0.2.1', position: 1, reason: /15 bytes/ },
  { raw: 'en p1:192.0.2.1', code: 'config-invalid-pf', entry: 'en p1:192.0.2.1', position: 1, reason: /whitespace/ },
  { raw: 'a/b:192.0.2.1', code: 'config-invalid-pf', entry: 'a/b:192.0.2.1', position: 1, reason: /"\/"/ },
  { raw: '..:192.0.2.1', code: 'config-invalid-pf', entry: '..:192.0.2.1', position: 1, reason: /netdev/ },
  { raw: 'enp1s0f0:', code: 'config-invalid-ip', entry: 'enp1s0f0:', position: 1, reason: /empty address/ },
  { raw: 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.256', code: 'config-invalid-ip', entry: 'enp2s0f0:192.0.2.256', position: 2, reason: /not an IPv4/ },
  { raw: 'enp1s0f0:192.0.2.1/24', code: 'config-invalid-ip', entry: 'enp1s0f0:192.0.2.1/24', position: 1, reason: /prefix/ },
  { raw: 'enp1s0f0:[2001:db8::1]', code: 'config-invalid-ip', entry: 'enp1s0f0:[2001:db8::1]', position: 1, reason: /brackets/ },
  { raw: 'enp1s0f0:192.0.2.1,enp1s0f0:192.0.2.2', code: 'config-conflicting-pf', entry: 'enp1s0f0:192.0.2.2', position: 2, reason: /already mapped to 192\.0\.2\.1 by entry 1/ },
];

for (const c of bad) {
  test(`mapping ${JSON.stringify(c.raw)} is rejected: ${c.code} at entry ${c.position}`, () => {
    assert.throws(() => parsePfEncapIpMapping(c.raw, encap), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, c.code);
      assert.equal(err.key, 'ovn-pf-encap-ip-mapping');
      assert.equal(err.entry, c.entry);
      assert.equal(err.position, c.position);
      assert.match(err.reason, c.reason);
      assert.ok(err.message.includes(`entry ${c.position} ${JSON.stringify(c.entry)}`), err.message);
      return true;
    });
  });
}

test('one bad entry does not disable the others; its PF is marked unusable', () => {
  const c = checkPfEncapIpMapping('enp1s0f0:192.0.2.1,enp2s0f0:banana,enp3s0f0:192.0.2.2', encap);
  assert.deepEqual(c.value.entries.map((e) => e.pf), ['enp1s0f0', 'enp3s0f0']);
  assert.deepEqual([...c.value.unusablePfs], ['enp2s0f0']);
  assert.equal(c.errors.length, 1);
});

test('a conflicting PF is unusable even though its first entry was valid', () => {
  const c = checkPfEncapIpMapping('p0:192.0.2.1,p0:192.0.2.2,p0:192.0.2.1', encap);
  assert.equal(c.value.byPf.has('p0'), false);
  assert.ok(c.value.unusablePfs.has('p0'));
});

const warn: Array<{ raw: string; codes: string[]; pfs: Array<[string, string]> }> = [
  { raw: 'enp1s0f0:192.0.2.1, enp2s0f0:192.0.2.2', codes: ['whitespace'], pfs: [['enp1s0f0', '192.0.2.1'], ['enp2s0f0', '192.0.2.2']] },
  { raw: 'enp1s0f0: 192.0.2.1', codes: ['whitespace'], pfs: [['enp1s0f0', '192.0.2.1']] },
  { raw: 'enp1s0f0:192.0.2.1,', codes: ['empty-entry', 'ovnkube-rejects-mapping'], pfs: [['enp1s0f0', '192.0.2.1']] },
  { raw: 'enp1s0f0:192.0.2.1,enp1s0f0:192.0.2.1', codes: ['duplicate-pf'], pfs: [['enp1s0f0', '192.0.2.1']] },
  { raw: 'enp1s0f0:198.51.100.9', codes: ['mapped-ip-not-encap'], pfs: [['enp1s0f0', '198.51.100.9']] },
  { raw: 'enp1s0f0:2001:DB8::3', codes: ['ipv6-ovnkube', 'mapped-ip-not-encap', 'ovnkube-rejects-mapping'], pfs: [['enp1s0f0', '2001:DB8::3']] },
];
for (const c of warn) {
  test(`mapping ${JSON.stringify(c.raw)} warns ${c.codes.join(',')}`, () => {
    const r = parsePfEncapIpMapping(c.raw, encap);
    assert.deepEqual(r.warnings.map((w) => w.code), c.codes);
    assert.deepEqual(r.value.entries.map((e) => [e.pf, e.ip]), c.pfs);
  });
}

test('a mapped IP that is listed only with spaces names the spelling OVN has', () => {
  const spaced = parseEncapIpList('192.0.2.1, 192.0.2.2').value;
  const r = parsePfEncapIpMapping('p1:192.0.2.2', spaced);
  assert.equal(r.warnings[0]?.code, 'mapped-ip-not-encap');
  assert.match(r.warnings[0]!.message, /" 192\.0\.2\.2": OVN compares exact strings/);
});

test('ovnkube-node model: every colon splits, last duplicate wins, empty entry fails all', () => {
  assert.deepEqual(ovnkubeReadPfMapping('a:1,b:2,a:3'), { ok: true, map: new Map([['a', '3'], ['b', '2']]) });
  assert.deepEqual(ovnkubeReadPfMapping('a:2001:db8::1'), { ok: false, entry: 'a:2001:db8::1', position: 1 });
  assert.deepEqual(ovnkubeReadPfMapping('a:1,'), { ok: false, entry: '', position: 2 });
  assert.deepEqual(ovnkubeReadPfMapping(' a: 1'), { ok: true, map: new Map([[' a', ' 1']]) });
  assert.deepEqual(ovnkubeReadPfMapping(''), { ok: true, map: new Map() });
});
