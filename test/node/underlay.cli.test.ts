import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { startUnderlayEnv, type UnderlayEnv } from './underlayEnv.ts';

const SPEC = `
node: hv9
defaultVtep: vtep0
datapathType: netdev
routing:
  supernets: [198.51.100.0/24, 203.0.113.0/24]
  gateway: 192.0.2.254
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, vlan: 25 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24, vlan: 26 }
`;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({}, process.cwd());
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('mvtep node plan|apply|diff on a real node', { timeout: 120_000 }, () => {
  let env: UnderlayEnv;
  let file: string;
  let bad: string;
  const common = () => ['--spec', file, '--ovsdb', env.remote, '--netns', env.ns];

  before(async () => {
    env = await startUnderlayEnv({ pfs: ['pfa', 'pfb'], gateways: ['192.0.2.254'] });
    file = join(env.dir, 'hv9.yaml');
    bad = join(env.dir, 'bad.yaml');
    await writeFile(file, SPEC);
    await writeFile(bad, SPEC.replace('gateway: 192.0.2.254', 'gateway: 203.0.113.254'));
  });
  after(async () => {
    await env?.stop();
  });

  test('plan prints exactly what apply then does; a second apply says nothing changed', async () => {
    const before = await env.snapshot();
    const plan = await cli(['node', 'plan', ...common()]);
    assert.equal(plan.code, 0, plan.err);
    const planned = plan.out.split('\n').filter((l) => l.startsWith('  + ')).map((l) => l.slice(4));
    assert.ok(planned.includes('rule: add 6082: from 192.0.2.2 lookup 6082 proto 157'), plan.out);
    const dry = await cli(['node', 'apply', '--dry-run', ...common()]);
    assert.equal(dry.code, 0);
    assert.equal(await env.snapshot(), before, 'dry run changed nothing');
    const applied = await cli(['node', 'apply', ...common()]);
    assert.equal(applied.code, 0, applied.err);
    assert.deepEqual(applied.err.trim().split('\n'), planned, 'apply did exactly the planned steps, in order');
    assert.match(applied.out, new RegExp(`applied ${planned.length} change`));
    const again = await cli(['node', 'apply', ...common()]);
    assert.equal(again.code, 0);
    assert.match(again.out, /already matches .*nothing changed/);
    assert.equal(again.err, '');
  });

  test('diff: in sync exits 0; drift exits 1 and names it; --json', async () => {
    const ok = await cli(['node', 'diff', ...common()]);
    assert.equal(ok.code, 0);
    assert.match(ok.out, /in sync/);
    await env.ip(['route', 'del', '203.0.113.0/24', 'table', '6082']);
    await env.vsctl(['--no-wait', 'set', 'Port', 'vtep0', 'tag=99']);
    const drift = await cli(['node', 'diff', ...common(), '--json']);
    assert.equal(drift.code, 1);
    const doc = JSON.parse(drift.out) as { inSync: boolean; changes: { kind: string; description: string }[] };
    assert.equal(doc.inSync, false);
    assert.deepEqual(doc.changes.map((c) => c.description).sort(), [
      'ovs: set port vtep0 tag 99 -> tag 25',
      'route: add 203.0.113.0/24 via 192.0.2.254 dev vtep1 table 6082',
    ]);
    assert.equal((await cli(['node', 'apply', ...common()])).code, 0);
    assert.equal((await cli(['node', 'diff', ...common()])).code, 0);
  });

  test('bad spec: exit 2 (unreadable input) naming file, path, token and reason; node untouched', async () => {
    const before = await env.snapshot();
    const r = await cli(['node', 'apply', '--spec', bad, '--ovsdb', env.remote, '--netns', env.ns]);
    assert.equal(r.code, 2);
    assert.match(r.err, /node-spec-invalid.*bad\.yaml:7:\d+: routing\.gateway "203\.0\.113\.254": is outside every IPv4 VTEP subnet/);
    assert.equal(await env.snapshot(), before);
  });

  test('a step the kernel refuses: exit 1, rolled back, node as before', async () => {
    // New VTEP subnet so the plan has real work before the failing route.
    await writeFile(bad, SPEC.replace('gateway: 192.0.2.254', 'gateway: 203.0.113.254').replace('192.0.2.2/24', '192.0.2.3/24'));
    const before = await env.snapshot();
    const r = await cli(['node', 'apply', '--allow-unreachable-gateway', '--spec', bad, '--ovsdb', env.remote, '--netns', env.ns]);
    assert.equal(r.code, 1);
    assert.match(r.err, /underlay-step-failed.*rolled back \d+ applied step/);
    assert.equal(await env.snapshot(), before);
  });

  test('usage errors exit 2', async () => {
    assert.equal((await cli(['node', 'plan'])).code, 2);
    assert.equal((await cli(['node', 'apply', '--spec', file, '--bogus'])).code, 2);
  });
});
