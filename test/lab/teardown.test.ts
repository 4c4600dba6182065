// A lab that fails or is interrupted while coming up removes everything it started.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime, type OvnRuntime } from '../../src/lab/runtime.ts';
import { DaemonError } from '../../src/lab/process.ts';
import { loadScenario, startLab } from '../../src/lab/index.ts';
import { leftovers, reap } from './helpers/leftovers.ts';

const scenarioFile = new URL('../../examples/two-node.yaml', import.meta.url).pathname;
const roots: string[] = [];
const labIds: string[] = [];

after(async () => {
  for (const r of roots) {
    for (const id of labIds) await reap(r, id);
    await rm(r, { recursive: true, force: true });
  }
});

async function newRoot(): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'mvtep-labtd-'));
  roots.push(r);
  return r;
}

const idFrom = (lines: string[]) => /^lab \S+ \(([0-9a-z]{5})\)/.exec(lines.find((l) => l.startsWith('lab ')) ?? '')?.[1];

test('a daemon dying during up tears down everything started so far', async () => {
  const root = await newRoot();
  const lines: string[] = [];
  const scenario = await loadScenario(scenarioFile);
  const real = await requireRuntime();
  // ovn-controller that exits at once: a realistic mid-start failure after many daemons run.
  const runtime: OvnRuntime = { ...real, argv: (p) => (p === 'ovn-controller' ? ['/bin/false'] : real.argv(p)) };
  const outcome = await startLab(scenario, { runtime, workRoot: root, handleSignals: false, log: (l) => lines.push(l) })
    .then(async (lab) => {
      await lab.down();
      return undefined;
    }, (e: unknown) => e);
  const id = idFrom(lines);
  assert.ok(id, lines.join('\n'));
  labIds.push(id);
  assert.ok(outcome instanceof DaemonError && /ovn-controller.* exited/.test(outcome.message), String(outcome));
  // It got as far as the chassis daemons before failing.
  assert.ok(lines.some((l) => l.startsWith('central')), lines.join('\n'));
  assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  assert.deepEqual(await readdir(root), []);
});

test('SIGINT during up: the process tears the lab down and exits 130', async () => {
  const root = await newRoot();
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./helpers/startLabChild.ts', import.meta.url).pathname, scenarioFile, root],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let sent = false;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    // Interrupt once central daemons run, while the chassis are still coming up.
    if (!sent && parts.some((l) => l.startsWith('central'))) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await exit;
  const early = idFrom(lines);
  if (early) labIds.push(early);
  assert.ok(sent, lines.join('\n'));
  assert.equal(code, 130, lines.join('\n'));
  assert.ok(!lines.includes('UP'), 'the lab must not have come up');
  const id = idFrom(lines);
  assert.ok(id, lines.join('\n'));
  labIds.push(id);
  assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  assert.deepEqual(await readdir(root), []);
});
