import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovnFeatures } from '../../src/ovn/index.ts';

test('duplicate-encap guard: 26.03.0 and its backports (24.03.7, 25.03.2, 25.09.1), not 25.03.0 or 24.09', () => {
  const guarded = (v: readonly [number, number, number]) => ovnFeatures(v).duplicateEncapGuard;
  assert.equal(guarded([25, 3, 0]), false, "trixie's 25.03.0");
  assert.equal(guarded([25, 3, 1]), false);
  assert.equal(guarded([25, 3, 2]), true);
  assert.equal(guarded([24, 3, 6]), false);
  assert.equal(guarded([24, 3, 7]), true);
  assert.equal(guarded([24, 9, 9]), false);
  assert.equal(guarded([25, 9, 0]), false);
  assert.equal(guarded([25, 9, 1]), true);
  assert.equal(guarded([26, 3, 1]), true, "sid's 26.03.1");
});
