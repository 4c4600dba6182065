// `mvtep lab up|status|down` end to end (in-process main(), real daemons).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { attachLab, type LabStatus } from '../../src/lab/index.ts';
import { leftovers } from './helpers/leftovers.ts';
import { cli, labRoot, repo } from './helpers/labCli.ts';

test('lab up / status / down / down again', async () => {
  const root = await labRoot();
  const up = await cli(['lab', 'up', '--scenario', 'examples/two-node.yaml', '--dir', root, '--json']);
  assert.equal(up.code, 0, up.err);
  const s = JSON.parse(up.out) as LabStatus;
  assert.equal(s.phase, 'up');
  assert.deepEqual(s.pending, []);
  assert.equal(s.workDir, join(root, 'two-node'));
  assert.deepEqual(s.chassis.map((c) => [c.name, c.tunnels, c.sbRegistered]), [['hv1', 6, true], ['hv2', 6, true]]);
  assert.ok(s.pods.every((p) => p.bound && p.up));

  // A second `up` of the same lab is refused while it runs.
  const again = await cli(['lab', 'up', '--scenario', 'examples/two-node.yaml', '--dir', root]);
  assert.equal(again.code, 1);
  assert.match(again.err, /already running/);

  const st = await cli(['lab', 'status', '--dir', root, '--json']);
  assert.equal(st.code, 0, st.err);
  const [only] = JSON.parse(st.out) as LabStatus[];
  assert.equal(only?.id, s.id);
  assert.ok(only.daemons.every((d) => d.alive));
  const text = await cli(['lab', 'status', '--dir', root]);
  assert.match(text.out, /chassis hv1: netns mvl[0-9a-z]{5}-c1, PFs enp1s0f0,enp2s0f0,enp3s0f0, encap 192\.0\.2\.11,192\.0\.2\.12,192\.0\.2\.13, registered, 6 tunnels/);

  // Another process's view of the CLI-started lab: attach, trace, add and remove a pod.
  const attached = await attachLab(s.workDir);
  const tr = await attached.traceEgress('stream-a', 'stream-b');
  assert.ok(tr.kind === 'tunnel' && tr.localIp === '192.0.2.12' && tr.remoteIp === '192.0.2.22', tr.trace);
  await attached.addPod({ name: 'late', chassis: 'hv2', pf: 'enp2s0f0', vf: 2, switch: 'ls-stream', ip: '203.0.113.21', encapIp: '192.0.2.22' });
  const late = (await attachLab(s.workDir)).pods['late'];
  assert.equal(late?.representor, 'enp2s0f0_2', 'the state file records pods added at run time');
  await attached.removePod('late');

  const down = await cli(['lab', 'down', '--dir', root]);
  assert.equal(down.code, 0, down.err);
  assert.match(down.out, /lab two-node down/);
  assert.deepEqual(await leftovers(root, s.id), { pids: [], netns: [] });
  assert.deepEqual(await readdir(root), []);
  const twice = await cli(['lab', 'down', '--dir', root]);
  assert.equal(twice.code, 0);
  assert.match(twice.out, /no lab running/);
  assert.equal((await cli(['lab', 'status', '--dir', root])).code, 1);
});

test('lab up --hold: Ctrl-C while the CLI holds the lab tears it down', async () => {
  const root = await labRoot();
  const child = spawn(process.execPath, [join(repo, 'bin/mvtep.js'), 'lab', 'up', '--scenario', 'examples/two-node.yaml', '--dir', root, '--hold'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const holding = new Promise<void>((resolve) => child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (err.includes('holding')) resolve();
  }));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([holding, exit]);
  const id = /\(id ([0-9a-z]{5})\)/.exec(out)?.[1];
  assert.ok(id, out + err);
  assert.ok((await leftovers(root, id)).pids.length >= 9, 'the lab runs while held');
  child.kill('SIGINT');
  assert.equal(await exit, 0, err);
  assert.match(err, /torn down/);
  assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  assert.deepEqual(await readdir(root), []);
});

test('bad scenario: exit 2 (unreadable input), message names file, key path and reason; nothing started', async () => {
  const root = await labRoot();
  const file = join(root, 'bad.yaml');
  await writeFile(file, 'name: bad\nchassis:\n  - name: hv1\n    encapIps: [192.0.2.1, 10.1.1.1]\n');
  const r = await cli(['lab', 'up', '--scenario', file, '--dir', root]);
  assert.equal(r.code, 2);
  assert.match(r.err, /\[scenario-invalid\].*bad\.yaml:4: chassis\[0\]\.encapIps\[1\]: '10\.1\.1\.1' is outside the documentation ranges/);
  assert.deepEqual(await readdir(root), ['bad.yaml']);
  const usage = await cli(['lab', 'up', '--dir', root]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--scenario is required/);
});

test('missing runtime: a clear error before anything starts', async () => {
  const root = await labRoot();
  const env = { ...process.env, PATH: '/nonexistent', MVTEP_RUNTIME_DIR: join(root, 'no-runtime') };
  const r = await cli(['lab', 'up', '--scenario', 'examples/two-node.yaml', '--dir', root], env);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[runtime-missing\].*mvtep runtime install/);
  assert.deepEqual(await readdir(root), []);
});
