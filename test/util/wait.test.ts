import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';

test('returns the value of the first ready probe', async () => {
  let n = 0;
  const v = await pollUntil(async () => (++n < 3 ? notYet(`n=${n}`) : ready(n)), 5000, {
    minIntervalMs: 1,
    onTimeout: (why) => new Error(why),
  });
  assert.equal(v, 3);
});

test('at the deadline the error carries the last reason', async () => {
  await assert.rejects(
    pollUntil(async () => notYet('still down'), 30, { minIntervalMs: 1, onTimeout: (why) => new Error(`timeout: ${why}`) }),
    /timeout: still down/,
  );
});

test('abort ends the wait before the next probe', async () => {
  let probes = 0;
  let stop = false;
  const p = pollUntil(async () => {
    probes++;
    stop = true;
    return notYet('x');
  }, 5000, { minIntervalMs: 1, abort: () => (stop ? new Error('aborted') : undefined), onTimeout: () => new Error('t') });
  await assert.rejects(p, /aborted/);
  assert.equal(probes, 1);
});

test('a probe that throws fails the wait at once', async () => {
  await assert.rejects(pollUntil(async () => { throw new Error('daemon died'); }, 5000, { onTimeout: () => new Error('t') }), /daemon died/);
});
