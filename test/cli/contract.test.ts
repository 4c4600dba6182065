// The one exit-code contract (docs/cli.md): 0 ok, 1 findings or drift,
// 2 bad usage or unreadable input, 3 unreachable or timed out; --json errors
// as one object on stdout. The same mistake exits the same way everywhere.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cliIo.ts';

const dir = mkdtempSync(join(tmpdir(), 'mvtep-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const absent = `unix:${join(dir, 'absent.sock')}`;
const missing = join(dir, 'missing.yaml');
const spec = new URL('../../examples/node-hv1.yaml', import.meta.url).pathname;

const run = runCli;

test('an unreachable server exits 3 in every command (node diff and config check exited 1)', async () => {
  for (const argv of [
    ['node', 'diff', '--spec', spec, '--ovsdb', absent],
    ['node', 'plan', '--spec', spec, '--ovsdb', absent],
    ['config', 'check', '--ovsdb', absent],
    ['verify', '--ovsdb', absent],
    ['verify', '--sb', absent],
    ['trace', '--sb', absent, '--from', 'a', '--to', 'b'],
    ['ovsdb', 'dump', '--db', absent],
    ['attach', '--ovsdb', absent, '--iface', 'x', '--iface-id', 'y'],
    ['detach', '--ovsdb', absent, '--iface', 'x'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 3, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /absent\.sock/);
  }
});

test('an input that cannot be read exits 2 in every command', async () => {
  for (const argv of [
    ['node', 'plan', '--spec', missing],
    ['node', 'diff', '--spec', missing],
    ['node', 'apply', '--spec', missing],
    ['node', 'export', '--spec', missing, '--format', 'nmstate'],
    ['verify', '--snapshot', missing],
    ['trace', '--snapshot', missing, '--from', 'a', '--to', 'b'],
    ['lab', 'up', '--scenario', missing, '--dir', dir],
    ['verify', '--zones', missing],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /missing\.yaml/, argv.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, `${argv.join(' ')}: no stack trace`);
  }
});

test('--json errors are one JSON object {code, message, input} on stdout', async () => {
  for (const argv of [
    ['verify', '--snapshot', missing, '--json'],
    ['node', 'plan', '--spec', missing, '--json'],
    ['verify', '--sb', absent, '--json'],
    ['config', 'check', '--json'],
  ]) {
    const r = await run(argv);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(j).sort(), ['code', 'input', 'message'], argv.join(' '));
    assert.equal(typeof j['code'], 'string');
    assert.ok(r.code === 2 || r.code === 3, `${argv.join(' ')}: ${r.code}`);
  }
});

test('a bad --listen exits 2 in the agent, the dashboard and the demo alike', async () => {
  for (const argv of [
    ['agent', '--ovsdb', absent, '--listen', 'nonsense'],
    ['agent', '--ovsdb', absent, '--listen', '192.0.2.1:9477'],
    ['ui', '--snapshot', missing, '--listen', 'nonsense'],
    ['demo', '--no-ui', '--listen', 'nonsense'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /--listen/);
  }
});
