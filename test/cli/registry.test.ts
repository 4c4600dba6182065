import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandModules, loadCommands } from '../../src/cli/commands/index.ts';

test('every command is registered under its first word, so lazy dispatch finds it', async () => {
  for (const m of commandModules) {
    for (const c of await m.load()) {
      const first = c.name.split(' ')[0]!;
      assert.ok(m.words.includes(first), `${c.name} is in a module registered for ${m.words.join(', ')}`);
      assert.ok((await loadCommands(first)).some((x) => x.name === c.name), `${c.name} loads by its first word`);
      assert.ok(c.usage.includes('Usage'), `${c.name} has a usage text`);
    }
  }
});

test('command names are unique', async () => {
  const names = (await loadCommands()).map((c) => c.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});
