import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { camelCaseKeys } from '../../src/cli/jsonCase.ts';
import { main } from '../../src/cli/main.ts';
import { writeSnapshot } from '../../src/observe/index.ts';
import { buildState, TWO_NODES, TWO_VIFS } from '../verify/fixture.ts';
import { captureIo } from '../helpers/cliIo.ts';

test('camelCase keys, old snake_case names kept alongside for one release', () => {
  assert.deepEqual(camelCaseKeys({ local_ip: 'a', list: [{ ovn_chassis_id: 'x' }], plain: 1 }, false), { localIp: 'a', list: [{ ovnChassisId: 'x' }], plain: 1 });
  assert.deepEqual(camelCaseKeys({ local_ip: 'a' }, true), { localIp: 'a', local_ip: 'a' });
});

test('mvtep trace --json speaks camelCase like every other --json output (and still carries the old names)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-jsoncase-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.json');
  const state = buildState(TWO_NODES, TWO_VIFS);
  await writeSnapshot(file, state);
  const [from, to] = state.southbound!.portBindings.map((p) => p.logicalPort);
  const io = captureIo();
  assert.equal(await main(['trace', '--snapshot', file, '--from', from!, '--to', to!, '--json'], io), 0, io.err());
  const out = JSON.parse(io.out()) as Record<string, unknown>;
  assert.equal(out['sourceChassis'], out['source_chassis']);
  assert.ok(typeof out['sourceChassis'] === 'string' && out['sourceChassis'] !== '');
  assert.ok('candidateTunnels' in out && 'encapId' in out);
});
