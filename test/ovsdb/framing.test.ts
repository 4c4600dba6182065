import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonStreamParser, OvsdbProtocolError } from '../../src/ovsdb/index.ts';

function feed(chunks: Buffer[]): unknown[] {
  const p = new JsonStreamParser();
  const out: unknown[] = [];
  for (const c of chunks) p.push(c, (v) => out.push(v));
  assert.equal(p.pending, false, 'no partial message left over');
  return out;
}

const tricky = [
  { id: 1, result: ['{', '}', '[', ']'] },
  { method: 'update2', params: ['m', { T: { u: { insert: { s: 'a "quoted" }{ \\ back\\\\slash \\"' } } } }], id: null },
  { id: 'x', result: 'ünïcødé ✓ 𝄞 {[' },
  { id: 2, result: { nested: [[[{}]]], empty: '' } },
];
const wire = Buffer.from(tricky.map((m) => JSON.stringify(m)).join(''), 'utf8');

test('splits back-to-back objects with no delimiter', () => {
  assert.deepEqual(feed([wire]), tricky);
});

test('handles every split point, including inside escapes and multi-byte characters', () => {
  for (let i = 0; i <= wire.length; i++) {
    assert.deepEqual(feed([wire.subarray(0, i), wire.subarray(i)]), tricky, `split at ${i}`);
  }
});

test('handles one byte at a time', () => {
  const chunks: Buffer[] = [];
  for (let i = 0; i < wire.length; i++) chunks.push(wire.subarray(i, i + 1));
  assert.deepEqual(feed(chunks), tricky);
});

test('skips whitespace between messages', () => {
  assert.deepEqual(feed([Buffer.from(' {"a":1}\n\n {"b":"}"}\t')]), [{ a: 1 }, { b: '}' }]);
});

test('a string ending in an escaped backslash closes correctly across chunks', () => {
  const text = JSON.stringify({ s: 'x\\' }) + JSON.stringify({ t: 1 });
  const b = Buffer.from(text);
  const cut = text.indexOf('\\\\') + 1; // between the two backslashes
  assert.deepEqual(feed([b.subarray(0, cut), b.subarray(cut)]), [{ s: 'x\\' }, { t: 1 }]);
});

test('garbage outside an object is a protocol error naming the bytes', () => {
  const p = new JsonStreamParser();
  assert.throws(() => p.push(Buffer.from('HTTP/1.1 200 OK'), () => {}), (e: unknown) =>
    e instanceof OvsdbProtocolError && /expected '\{'/.test(e.message) && String(e.input).startsWith('HTTP'));
});

test('a balanced but invalid object is a protocol error', () => {
  const p = new JsonStreamParser();
  assert.throws(() => p.push(Buffer.from('{"a":tru}'), () => {}), OvsdbProtocolError);
});

test('an oversized message is refused instead of buffered forever', () => {
  const p = new JsonStreamParser(100);
  assert.throws(() => p.push(Buffer.from('{"a":"' + 'x'.repeat(200)), () => {}), /larger than 100 bytes/);
});

test('reports a truncated message as pending', () => {
  const p = new JsonStreamParser();
  p.push(Buffer.from('{"a":[1,2'), () => assert.fail('no message yet'));
  assert.equal(p.pending, true);
});
