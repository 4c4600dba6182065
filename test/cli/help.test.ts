// One help contract for every command and subcommand: `mvtep help CMD` and
// `mvtep CMD -h` print the same text, every option the command parses is
// explained, and the help ends with 2-3 examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { main } from '../../src/cli/main.ts';
import { loadCommands } from '../../src/cli/commands/index.ts';
import { captureIo } from '../helpers/cliIo.ts';

const all = await loadCommands();

async function help(argv: string[]): Promise<{ code: number; out: string }> {
  const io = captureIo({}, '/');
  const code = await main(argv, io);
  return { code, out: io.out() };
}

test('mvtep help CMD and mvtep CMD -h / --help print the same help for every command', async () => {
  for (const c of all) {
    const words = c.name.split(' ');
    const a = await help(['help', ...words]);
    const b = await help([...words, '-h']);
    const d = await help([...words, '--help']);
    assert.equal(a.code, 0, `help ${c.name}`);
    assert.equal(b.code, 0, `${c.name} -h`);
    assert.equal(a.out, b.out, c.name);
    assert.equal(d.out, b.out, c.name);
    assert.match(a.out, new RegExp(`^Usage: mvtep ${c.name}\\b`), c.name);
  }
  // Groups too: `mvtep help lab` and `mvtep lab -h` list the subcommands.
  for (const group of new Set(all.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))) {
    const a = await help(['help', group]);
    const b = await help([group, '-h']);
    assert.equal(a.code, 0, `help ${group}`);
    assert.equal(a.out, b.out, group);
    assert.match(a.out, /Subcommands:/);
  }
  assert.equal((await help(['help', 'nope'])).code, 2);
});

test('every command help ends with 2-3 examples of itself', () => {
  for (const c of all) {
    const m = /\nExamples:\n((?: {2}.*\n?)+)$/.exec(c.usage.trimEnd() + '\n');
    assert.ok(m, `${c.name}: no Examples: section at the end`);
    const examples = m[1]!.split('\n').filter((l) => l.startsWith(`  mvtep ${c.name}`));
    assert.ok(examples.length >= 2 && examples.length <= 3, `${c.name}: ${examples.length} examples`);
  }
});

// The options each command module parses, read from its source: `name: { type: 'string' | 'boolean' }`.
function parsedOptions(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/'?([a-z][a-z0-9-]*)'?: \{ type: '(?:string|boolean)'/g)].map((m) => m[1]!);
}

test('every option a command module parses is explained in its help (a line starting with the option)', async () => {
  const dir = new URL('../../src/cli/commands/', import.meta.url).pathname;
  const byFile = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) byFile.set(f, parsedOptions(dir + f));
  const missing: string[] = [];
  for (const [file, options] of byFile) {
    const mod = file.replace(/\.ts$/, '');
    const commands = all.filter((c) => readFileSync(dir + file, 'utf8').includes(`name: '${c.name}'`));
    const text = commands.map((c) => c.usage).join('\n');
    for (const o of new Set(options)) {
      // "  --o ..." or a shared line "  --a X, --o Y  ...".
      if (!new RegExp(`^\\s+(?:--[a-z-]+[^\\n]*?, )?--${o}\\b`, 'm').test(text)) missing.push(`${mod}: --${o}`);
    }
  }
  assert.deepEqual(missing, []);
});
