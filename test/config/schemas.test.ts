// One structural validator (zod, src/config/schemas.ts) for node specs, lab
// scenarios and zones files: every shape problem at once with file:line:col,
// and the same schemas published as JSON Schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseNodeSpec } from '../../src/config/nodeSpec.ts';
import { NodeSpecError } from '../../src/config/nodeSpecErrors.ts';
import { parseZonesFile, ZonesFileError } from '../../src/config/zonesFile.ts';
import { parseScenario } from '../../src/lab/scenario.ts';
import { ScenarioError } from '../../src/lab/scenarioReader.ts';
import { LAB_SCENARIO_SCHEMA, NODE_SPEC_SCHEMA, shapeIssues } from '../../src/config/schemas.ts';
import { runCli } from '../helpers/cliIo.ts';
import { parse } from 'yaml';

const examples = new URL('../../examples/', import.meta.url).pathname;

test('every example file fits its schema', () => {
  for (const f of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
    const data: unknown = parse(readFileSync(examples + f, 'utf8'));
    const schema = f.startsWith('node-') ? NODE_SPEC_SCHEMA : LAB_SCENARIO_SCHEMA;
    assert.deepEqual(shapeIssues(schema, data, f), [], f);
  }
});

test('a lab scenario reports every shape problem at once with line:col (it stopped at the first)', () => {
  const text = 'name: s1\nchassis:\n  - name: hv1\n    colour: blue\n    nics:\n      - { pf: p0, totalVfs: 99 }\npods:\n  - { name: a, chassis: hv1, pf: p0, vf: x, switch: ls, ip: 192.0.2.5 }\n';
  let err: unknown;
  try {
    parseScenario(text, 'bad.yaml');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ScenarioError, String(err));
  // The format's own rule comes first (its wording), then every other problem the schema found.
  assert.match(err.message, /^bad\.yaml:4: chassis\[0\]\.colour: unknown key/);
  assert.match(err.message, /bad\.yaml:6:29: chassis\[0\]\.nics\[0\]\.totalVfs "99": Number must be less than or equal to 64/);
  assert.match(err.message, /bad\.yaml:8:\d+: pods\[0\]\.vf "x": Expected number, received string/);
});

test('node specs and zones files: the schema adds what the format rules did not say, each problem once', () => {
  assert.throws(() => parseNodeSpec('nics:\n  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, colour: 3 }\nextra: 1\n', { file: 'n.yaml' }), (e: unknown) => {
    assert.ok(e instanceof NodeSpecError);
    const paths = e.issues.map((i) => i.path);
    assert.equal(new Set(paths).size, paths.length, `no path twice: ${paths.join(', ')}`);
    assert.ok(e.issues.every((i) => i.line !== undefined && i.column !== undefined));
    assert.ok(paths.includes('extra') && paths.includes('nics[0].colour'), paths.join(', '));
    return true;
  });
  assert.throws(() => parseZonesFile('zones:\n  - { name: z1, nb: tcp:192.0.2.1:6641, sb: nowhere }\n', 'z.yaml'), (e: unknown) => {
    assert.ok(e instanceof ZonesFileError);
    assert.match(e.message, /z\.yaml:2:\d+: zones\[0\]\.sb "nowhere"/);
    return true;
  });
});

test('mvtep schema node-spec|lab-scenario|zones prints a JSON Schema; an unknown name exits 2', async () => {
  for (const name of ['node-spec', 'lab-scenario', 'zones']) {
    const r = await runCli(['schema', name]);
    assert.equal(r.code, 0);
    const s = JSON.parse(r.out) as { type: string; properties: Record<string, unknown>; additionalProperties: boolean; $schema: string };
    assert.equal(s.type, 'object');
    assert.equal(s.additionalProperties, false);
    assert.match(s.$schema, /json-schema/);
  }
  const ns = JSON.parse((await runCli(['schema', 'node-spec'])).out) as { required: string[]; properties: { nics: unknown } };
  assert.deepEqual(ns.required, ['nics']);
  assert.equal((await runCli(['schema', 'nope'])).code, 2);
});
