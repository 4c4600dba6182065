import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import type { Command } from '../../src/cli/command.ts';
import { captureIo, type CapturedIo } from '../helpers/cliIo.ts';
import { UsageError } from '../../src/util/errors.ts';

const io = (): CapturedIo => captureIo({}, '/');

const echo: Command = {
  name: 'lab up',
  summary: 'test command',
  usage: 'Usage: mvtep lab up',
  async run(argv) {
    if (argv[0] === 'bad') throw new UsageError('bad token', 'bad');
    return argv.length;
  },
};

test('dispatches to the longest matching command and passes the rest', async () => {
  assert.equal(await main(['lab', 'up', 'a', 'b'], io(), [echo]), 2);
});

test('usage errors exit 2 and name the command', async () => {
  const t = io();
  assert.equal(await main(['lab', 'up', 'bad'], t, [echo]), 2);
  assert.match(t.err(), /mvtep lab up: bad token/);
});

test('unknown commands exit 2', async () => {
  const t = io();
  assert.equal(await main(['nope'], t, [echo]), 2);
  assert.match(t.err(), /unknown command 'nope'/);
});

test('--help prints the command usage', async () => {
  const t = io();
  assert.equal(await main(['lab', 'up', '--help'], t, [echo]), 0);
  assert.equal(t.out(), 'Usage: mvtep lab up\n');
});

test('a group prefix lists its subcommands', async () => {
  const t = io();
  assert.equal(await main(['lab', '--help'], t, [echo]), 0);
  assert.match(t.out(), /up\s+test command/);
});

test('--version prints the package version', async () => {
  const t = io();
  assert.equal(await main(['--version'], t, [echo]), 0);
  assert.match(t.out(), /^mvtep \d+\.\d+\.\d+/);
});
