// ic features without a lab: a zone whose NB/SB cannot be reached is 'unknown' with the reason, exit 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cliIo.ts';

test('ic features: an unreachable zone is unknown with the reason, exit 3; --zones is required (exit 2)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-icfeat-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'zones.yaml');
  await writeFile(file, `zones:\n  - name: z1\n    nb: unix:${dir}/nb.sock\n    sb: unix:${dir}/sb.sock\n`);
  const r = await runCli(['ic', 'features', '--zones', file, '--json', '--timeout', '2']);
  assert.equal(r.code, 3, r.err);
  const [z] = JSON.parse(r.out) as { zone: string; requestedEncapIp: string; detail: string }[];
  assert.equal(z!.zone, 'z1');
  assert.equal(z!.requestedEncapIp, 'unknown');
  assert.match(z!.detail, /sock/);
  const usage = await runCli(['ic', 'features']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--zones/);
});
