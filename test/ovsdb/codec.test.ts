import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  columnDecoder, columnOf, encodeValue, NamedUuid, OvsdbCodecError, parseDatabaseSchema, tableOf, Uuid,
  type DatabaseSchema,
} from '../../src/ovsdb/index.ts';
import { requireRuntime } from '../../src/lab/runtime.ts';

async function vswitch(): Promise<DatabaseSchema> {
  const rt = await requireRuntime();
  return parseDatabaseSchema(JSON.parse(await readFile(rt.schemas.vswitch, 'utf8')));
}

const U1 = '11111111-2222-3333-4444-555555555555';
const U2 = '66666666-2222-3333-4444-555555555555';

test('column kinds follow min/max/value', async () => {
  const s = await vswitch();
  const br = tableOf(s, 'Bridge');
  assert.equal(columnOf(br, 'name').kind, 'scalar');
  assert.equal(columnOf(br, 'ports').kind, 'set');
  assert.equal(columnOf(br, 'external_ids').kind, 'map');
  assert.equal(columnOf(br, 'fail_mode').kind, 'set'); // optional 0..1
  assert.equal(columnOf(br, 'fail_mode').type.max, 1);
  assert.equal(columnOf(tableOf(s, 'Port'), 'trunks').type.max, 4096);
});

test('a one-element set is a bare atom on the wire, both ways', async () => {
  const s = await vswitch();
  const br = tableOf(s, 'Bridge');
  const ports = columnOf(br, 'ports');
  assert.deepEqual(encodeValue(ports, [new Uuid(U1)]), ['uuid', U1]);
  assert.deepEqual(encodeValue(ports, [new Uuid(U1), U2]), ['set', [['uuid', U1], ['uuid', U2]]]);
  assert.deepEqual(encodeValue(ports, []), ['set', []]);
  const dec = columnDecoder(ports);
  const one = dec(['uuid', U1]) as Uuid[];
  assert.ok(Array.isArray(one) && one[0] instanceof Uuid && one[0].value === U1);
  assert.deepEqual((dec(['set', [['uuid', U1], ['uuid', U2]]]) as Uuid[]).map(String), [U1, U2]);
  const failMode = columnOf(br, 'fail_mode');
  assert.deepEqual(columnDecoder(failMode)('secure'), ['secure']);
  assert.deepEqual(columnDecoder(failMode)(['set', []]), []);
  assert.equal(encodeValue(failMode, ['standalone']), 'standalone');
  assert.equal(encodeValue(failMode, 'standalone'), 'standalone');
  assert.deepEqual(encodeValue(failMode, undefined), ['set', []]);
});

test('maps decode to Map and encode from Map or a record', async () => {
  const s = await vswitch();
  const ext = columnOf(tableOf(s, 'Bridge'), 'external_ids');
  const m = columnDecoder(ext)(['map', [['a', '1'], ['b', '2']]]) as Map<string, string>;
  assert.ok(m instanceof Map);
  assert.deepEqual([...m], [['a', '1'], ['b', '2']]);
  assert.deepEqual(encodeValue(ext, { a: '1' }), ['map', [['a', '1']]]);
  assert.deepEqual(encodeValue(ext, new Map([['a', '1']])), ['map', [['a', '1']]]);
  // integer-keyed map (QoS.queues: integer -> uuid)
  const queues = columnOf(tableOf(s, 'QoS'), 'queues');
  assert.deepEqual(encodeValue(queues, { 7: new NamedUuid('q1') }), ['map', [[7, ['named-uuid', 'q1']]]]);
});

test('values are validated against the schema with errors naming the column and value', async () => {
  const s = await vswitch();
  const br = tableOf(s, 'Bridge');
  const port = tableOf(s, 'Port');
  assert.throws(() => encodeValue(columnOf(br, 'fail_mode'), 'bogus', br),
    (e: unknown) => e instanceof OvsdbCodecError && /Bridge\.fail_mode/.test(e.message) && /not one of/.test(e.message) && e.input === 'bogus');
  assert.throws(() => encodeValue(columnOf(port, 'tag'), 5000, port), /above the maximum 4095/);
  assert.throws(() => encodeValue(columnOf(port, 'tag'), 1.5, port), /expected an integer/);
  assert.throws(() => encodeValue(columnOf(br, 'name'), 7, br), /Bridge\.name: expected a string/);
  assert.throws(() => encodeValue(columnOf(br, 'ports'), ['not-a-uuid'], br), /expected a Uuid/);
  assert.throws(() => encodeValue(columnOf(port, 'interfaces'), [], port), /0 elements, the column takes 1 to unlimited/);
  assert.throws(() => columnDecoder(columnOf(br, 'name'), br)(['uuid', U1]), /Bridge\.name: expected string/);
  assert.throws(() => columnOf(br, 'nope'), /table Bridge has no column 'nope'/);
  assert.throws(() => new Uuid('xyz'), /not a UUID/);
  assert.throws(() => new NamedUuid('1abc'), /not a valid named-uuid/);
});
