// `mvtep probe` usage: exit 2 for bad options, no lab, and not being root (said so), before any capture starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cliIo.ts';

const repo = new URL('../../', import.meta.url).pathname;
const root = process.getuid?.() === 0;

test('probe: --from/--to required, --count and --timeout checked, exit 2 naming the option', async () => {
  let r = await runCli(['probe', '--to', 'b']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--from is required/);
  r = await runCli(['probe', '--from', 'a', '--to', 'b', '--count', '0']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--count: '0' is not a number from 1 to 1000/);
  r = await runCli(['probe', '--from', 'a', '--to', 'b', '--timeout', 'soon', '--json']);
  assert.equal(r.code, 2);
  assert.match(JSON.parse(r.out).message, /--timeout: 'soon' is not a positive number of seconds/);
});

test('probe: no lab under the root is exit 2 and says which lab it needs', { skip: root ? false : 'the root check comes first' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-probe-cli-'));
  try {
    const r = await runCli(['probe', '--from', 'stream-1', '--to', 'stream-2', '--dir', dir, '--json']);
    assert.equal(r.code, 2);
    const e = JSON.parse(r.out);
    assert.equal(e.code, 'usage');
    assert.match(e.message, new RegExp(`no lab under ${dir}: mvtep probe needs a running datapath: netdev lab`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('probe: not root is exit 2 and says it needs root', { skip: root ? false : 'needs root to switch to an unprivileged user' }, () => {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, join(repo, 'bin/mvtep.js'), 'probe', '--from', 'a', '--to', 'b', '--json'],
    { encoding: 'utf8', cwd: repo, timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.code, 'probe-needs-root');
  assert.match(e.message, /mvtep probe needs root: it captures with tcpdump on the PF netdevs .* \(running as uid \d+\); run it with sudo/);
});

test('probe --node: --spec and --sb required, lab options refused, node options need --node; exit 2 naming them', async () => {
  let r = await runCli(['probe', '--node', '--from', 'a', '--to', 'b', '--sb', 'unix:/nonexistent']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--spec is required/);
  r = await runCli(['probe', '--node', '--from', 'a', '--to', 'b', '--spec', 'n.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--sb is required/);
  r = await runCli(['probe', '--node', '--name', 'seed', '--from', 'a', '--to', 'b']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--node probes this node, not a lab: --name\/--dir do not apply/);
  r = await runCli(['probe', '--from', 'a', '--to', 'b', '--sb', 'unix:/x']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--sb belongs to the real-node mode: add --node/);
  r = await runCli(['probe', '--node', '--spec', 'n.yaml', '--sb', 'unix:/x', '--from', 'a', '--to', 'b', '--count', '101']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--count: '101' is not a number from 1 to 100/);
});

test('probe --node: not root is exit 2 and says it needs root to capture and inject', { skip: root ? false : 'needs root to switch to an unprivileged user' }, () => {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, join(repo, 'bin/mvtep.js'), 'probe', '--node', '--spec', '/nonexistent.yaml',
    '--sb', 'unix:/nonexistent', '--from', 'a', '--to', 'b', '--json'], { encoding: 'utf8', cwd: repo, timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.code, 'probe-needs-root');
  assert.match(e.message, /mvtep probe --node needs root: it captures with tcpdump on the PF netdevs and injects packets into br-int with ovs-ofctl \(running as uid \d+\)/);
});
