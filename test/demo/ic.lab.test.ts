// `mvtep demo --ic` end to end on a real interconnect lab, in process through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { main } from '../../src/cli/main.ts';
import { listLabs } from '../../src/lab/index.ts';
import { captureIo } from '../helpers/cliIo.ts';

interface IcDemoJson {
  rows: { topology: string; from: string; to: string; want: { local: string; remote: string };
    before: { local?: string; remote?: string; ok: boolean }; after: { local?: string; remote?: string; ok: boolean } }[];
  verifyBefore: { errors: number; checks: string[] };
  verifyAfter: { errors: number; warnings: number };
  steer: { totals: { pending: number; unreachable: number; nbWritten: number } };
  problemShown: boolean;
  allConfirmed: boolean;
}

test('demo --ic: the problem shown before steering, every cross-zone path on its own VTEPs after, exit 0, nothing left', { timeout: 180_000 }, async () => {
  const t = captureIo();
  const code = await main(['demo', '--ic', '--no-ui', '--json'], t);
  assert.equal(code, 0, t.err());
  const j = JSON.parse(t.out()) as IcDemoJson;
  // 9 L2 and 9 L3 pods on 3 nodes: 6 cross-zone peers each, per topology.
  assert.deepEqual([j.rows.filter((r) => r.topology === 'L2').length, j.rows.filter((r) => r.topology === 'L3').length], [54, 54]);
  assert.ok(j.rows.some((r) => r.topology === 'L2' && !r.before.ok) && j.rows.some((r) => r.topology === 'L3' && !r.before.ok), 'upstream misdirects both topologies');
  assert.ok(j.rows.every((r) => r.before.local === r.want.local), 'the source VTEP is right even upstream');
  for (const r of j.rows) assert.deepEqual([r.after.local, r.after.remote], [r.want.local, r.want.remote], `${r.from} -> ${r.to}`);
  assert.equal(j.problemShown && j.allConfirmed, true);
  assert.ok(j.verifyBefore.errors > 0 && j.verifyBefore.checks.includes('ic-destination-arbitrary'));
  assert.deepEqual([j.verifyAfter.errors, j.verifyAfter.warnings], [0, 0], 'verify --zones is clean once steered (idle fallback transit ports are info)');
  assert.deepEqual([j.steer.totals.pending, j.steer.totals.unreachable], [0, 0]);
  const id = /lab seed-ic \(([0-9a-z]{5})\)/.exec(t.err())?.[1];
  assert.ok(id, t.err());
  assert.deepEqual((await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(`mvl${id}-`)), []);
  assert.ok(!(await listLabs()).some((l) => l.id === id), 'the lab state dir is gone');
});

test('demo --ic: --nodes and --break do not apply (exit 2)', async () => {
  for (const args of [['--nodes', '2'], ['--break', 'rule-missing']]) {
    const t = captureIo();
    assert.equal(await main(['demo', '--ic', '--no-ui', ...args], t), 2);
    assert.match(t.err(), new RegExp(`--ic runs the interconnect seed as it is: ${args[0]}`));
  }
});
