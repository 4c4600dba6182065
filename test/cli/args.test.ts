import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeconds } from '../../src/cli/args.ts';
import { main } from '../../src/cli/main.ts';
import { UsageError } from '../../src/util/errors.ts';
import { captureIo } from '../helpers/cliIo.ts';

test('--timeout has one grammar in every command (verify took 0x10 and 1e3, attach took 1e3)', async () => {
  assert.equal(parseSeconds(undefined), undefined);
  assert.equal(parseSeconds('2'), 2000);
  assert.equal(parseSeconds('0.25'), 250);
  for (const bad of ['0', '-1', '0x10', '1e3', ' 5', 'soon', '']) {
    assert.throws(() => parseSeconds(bad), (e: unknown) => e instanceof UsageError && e.input === bad, JSON.stringify(bad));
  }
  for (const argv of [['verify', '--sb', 'unix:/nonexistent.sock', '--timeout', '0x10'], ['ovsdb', 'dump', '--db', 'unix:/nonexistent.sock', '--timeout', '1e3']]) {
    const io = captureIo();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.err(), /--timeout: '.*' is not a positive number of seconds/);
  }
});
