import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZonesFile, ZonesFileError } from '../../src/config/zonesFile.ts';
import { NodeSpecError, SpecIssuesError } from '../../src/config/nodeSpecErrors.ts';

test('a zones file with chassis parses', () => {
  const z = parseZonesFile(`icSb: unix:/run/ic/sb.sock
zones:
  - name: hv1
    nb: unix:/run/hv1/nb.sock
    sb: tcp:192.0.2.1:6642
    chassis: [{ name: hv1, ovsdb: unix:/run/hv1/db.sock, netns: mvl-x }]
  - { name: hv2, nb: unix:/run/hv2/nb.sock, sb: "ssl:[2001:db8::2]:6642" }
`, 'z.yaml');
  assert.equal(z.icSb, 'unix:/run/ic/sb.sock');
  assert.deepEqual(z.zones.map((x) => [x.name, x.sb, x.chassis.length]), [['hv1', 'tcp:192.0.2.1:6642', 1], ['hv2', 'ssl:[2001:db8::2]:6642', 0]]);
});

test('every problem is reported at once, with file:line:col, key and token', () => {
  assert.throws(() => parseZonesFile(`zones:
  - name: hv1
    nb: /run/nb.sock
    sb: unix:/run/sb.sock
    color: red
  - name: hv1
    sb: unix:/x
`, 'bad.yaml'), (e: unknown) => {
    assert.ok(e instanceof ZonesFileError);
    const text = e.message;
    assert.match(text, /bad\.yaml:3:\d+: zones\[0\]\.nb "\/run\/nb\.sock": must be an OVSDB remote/);
    assert.match(text, /zones\[0\]\.color "color": unknown key/);
    assert.match(text, /zones\[1\]\.nb: is required/);
    assert.match(text, /zones\[1\]\.name "hv1": duplicate zone/);
    assert.equal(e.issues.length, 4);
    return true;
  });
});

test('zones may be left to discovery from icSb, but not with neither', () => {
  assert.equal(parseZonesFile('icSb: unix:/ic.sock\n').zones.length, 0);
  assert.throws(() => parseZonesFile('icNb: unix:/ic.sock\n'), /zones: is required unless icSb/);
});

test('zones file and node spec errors: one issue is its line, several a counted list (one message builder)', () => {
  const a = { file: 'z.yaml', path: 'zones[0].sb', token: '/x', reason: 'not a remote', line: 3, column: 9 };
  const b = { file: 'z.yaml', path: 'zones[1].name', token: '', reason: 'missing' };
  assert.equal(new ZonesFileError([a]).message, 'z.yaml:3:9: zones[0].sb "/x": not a remote');
  assert.equal(new ZonesFileError([a, b]).message, '2 problems in zones file:\n  z.yaml:3:9: zones[0].sb "/x": not a remote\n  z.yaml: zones[1].name: missing');
  assert.equal(new NodeSpecError([a, b]).message, '2 problems in node spec:\n  z.yaml:3:9: zones[0].sb "/x": not a remote\n  z.yaml: zones[1].name: missing');
  assert.equal(new NodeSpecError([b]).code, 'node-spec-invalid');
  assert.equal(new ZonesFileError([b]).code, 'zones-file-invalid');
  // One base for both: the issues are kept as given and are the error's input (its --json form).
  for (const e of [new ZonesFileError([a, b]), new NodeSpecError([a, b])]) {
    assert.ok(e instanceof SpecIssuesError);
    assert.deepEqual(e.issues, [a, b]);
    assert.deepEqual(e.toJSON().input, [a, b]);
  }
});
