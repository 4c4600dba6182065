import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkNodeEncapConfig, ConfigError, parseEncapIpDefault, parseEncapIpList, parsePfEncapIpMapping,
} from '../../src/config/index.ts';

// Deterministic PRNG (mulberry32) so a failure can be replayed from its seed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Biased towards the separators and address characters the parsers care about.
const ALPHABET = [...'0123456789abcdefABCDEF.:,/%[] \t\n-_enp0sfxyz', '\u0000', '\u00e9', '\ud83d\ude00', '192.0.2.1', '2001:db8::', 'enp1s0f0:'];

function randomString(next: () => number): string {
  const len = Math.floor(next() * 40);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)]!;
  return s;
}

test('100k random strings: parsers never crash and only throw ConfigError', () => {
  const seed = Number(process.env['MVTEP_FUZZ_SEED'] ?? 20261126);
  const next = rng(seed);
  const list = parseEncapIpList('192.0.2.1,2001:db8::1').value;
  let thrown = 0;
  for (let i = 0; i < 100_000; i++) {
    const s = randomString(next);
    for (const parse of [() => parseEncapIpList(s), () => parseEncapIpDefault(s, list), () => parsePfEncapIpMapping(s, list)]) {
      try {
        const r = parse();
        assert.ok(Array.isArray(r.warnings));
      } catch (err) {
        thrown++;
        if (!(err instanceof ConfigError)) assert.fail(`seed ${seed} input ${JSON.stringify(s)}: ${String(err)}`);
        assert.ok(err.position >= 1, `position for ${JSON.stringify(s)}`);
        assert.ok(s.includes(err.entry), `entry ${JSON.stringify(err.entry)} not in ${JSON.stringify(s)}`);
      }
    }
    if (i % 10 === 0) {
      const c = checkNodeEncapConfig({ 'ovn-encap-ip': s, 'ovn-pf-encap-ip-mapping': randomString(next), 'ovn-encap-ip-default': randomString(next) });
      for (const e of c.errors) assert.ok(e instanceof ConfigError);
      // Whatever survives validation is a real address.
      for (const e of c.value.mapping.entries) assert.ok(e.family === 4 || e.family === 6);
    }
  }
  // The fuzzer must actually reach the error paths, or it proves nothing.
  assert.ok(thrown > 1000, `only ${thrown} errors thrown`);
});
