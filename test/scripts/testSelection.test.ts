// CI's second pass runs only the test files that use the OVN/OVS runtime
// (scripts/test-selection.mjs). A runtime test left out would pass unseen on
// the newer release, so the selection is checked two ways: on this repo
// against a rule written independently of it, and on small trees that hide the
// runtime behind each kind of indirection the selection claims to follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runtimeChains, testFiles } from '../../scripts/test-selection.mjs';

const repo = resolve(import.meta.dirname, '../..');

/** Relative imports of a file, resolved to repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repo, file), 'utf8');
  return [...text.matchAll(/from\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => resolve(repo, dirname(file), m[1] ?? '').slice(repo.length + 1));
}

const RUNTIME_CALL = /\b(requireRuntime|findRuntime|listRuntimes)\b/;
/** Modules that hand out a runtime or start a lab with one. */
const RUNTIME_ENTRY = new Set(['src/lab/index.ts', 'src/lab/lab.ts', 'src/lab/runtime.ts', 'src/lab/runtimeCache.ts', 'test/ovsdb/server.ts']);

test('every test file that asks for the runtime, directly or through a helper it imports, is in the second pass', () => {
  const files = testFiles(repo);
  const selected = runtimeChains(repo, files);
  const users = files.filter((f) => {
    if (RUNTIME_CALL.test(readFileSync(join(repo, f), 'utf8'))) return true;
    return importsOf(f).some((dep) => {
      if (RUNTIME_ENTRY.has(dep)) return true;
      if (!dep.startsWith('test/')) return false;
      try {
        return RUNTIME_CALL.test(readFileSync(join(repo, dep), 'utf8'));
      } catch {
        return false;
      }
    });
  });
  // The rule must bite: this repo has such files (test/ovsdb/*, the labs).
  assert.ok(users.length > 20, `only ${users.length} files found asking for the runtime`);
  assert.deepEqual(users.filter((f) => !selected.has(f)), []);
  // And the selection must leave something out, or the second pass saves nothing.
  assert.ok(selected.size < files.length, 'every test file was selected');
});

test('the chain given for a selected file is a real path of imports to the runtime', () => {
  const chains = runtimeChains(repo);
  const chain = chains.get('test/ovsdb/protocol.test.ts');
  assert.deepEqual(chain, ['test/ovsdb/protocol.test.ts', 'test/ovsdb/server.ts', 'ovsdb-server']);
  for (const [file, c] of chains) assert.equal(c[0], file);
});

function tree(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mvtep-selection-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('the runtime is found through helpers, dynamic imports, cycles, spawned entry points and program names', (t) => {
  const root = tree(t, {
    'src/lab/runtimeCache.ts': 'export const requireRuntime = 1;\n',
    'src/lab/index.ts': "export * from './runtimeCache.ts';\n",
    'src/cli/main.ts': "import '../lab/index.ts';\n",
    'bin/mvtep.js': "await import('../src/cli/main.ts');\n",
    // prose naming a program is not a start of it
    'src/config/zones.ts': '// the zones ovn-ic connects\nexport const z = 1;\n',
    'test/helpers/lab.ts': "export const up = () => import('../../src/lab/index.ts');\n",
    // p and q import each other; only p reaches the runtime
    'test/helpers/p.ts': "import './q.ts';\nimport '../../src/lab/runtimeCache.ts';\n",
    'test/helpers/q.ts': "import './p.ts';\n",
    'test/a/helper.test.ts': "import { up } from '../helpers/lab.ts';\n",
    'test/a/cycleFirst.test.ts': "import '../helpers/p.ts';\n",
    'test/a/cycleSecond.test.ts': "import '../helpers/q.ts';\n",
    'test/a/spawn.test.ts': "const bin = join(repo, 'bin/mvtep.js');\n",
    'test/a/program.test.ts': "run(['ovs-vsctl', '--version']);\n",
    'test/a/prose.test.ts': "import '../../src/config/zones.ts';\n",
    'test/a/pure.test.ts': "import { test } from 'node:test';\n",
  });
  const files = testFiles(root);
  assert.equal(files.length, 7);
  const chains = runtimeChains(root, files);
  assert.deepEqual([...chains.keys()].sort(), [
    'test/a/cycleFirst.test.ts',
    'test/a/cycleSecond.test.ts',
    'test/a/helper.test.ts',
    'test/a/program.test.ts',
    'test/a/spawn.test.ts',
  ]);
  assert.deepEqual(chains.get('test/a/cycleSecond.test.ts'), ['test/a/cycleSecond.test.ts', 'test/helpers/q.ts', 'test/helpers/p.ts', 'src/lab/runtimeCache.ts']);
  assert.deepEqual(chains.get('test/a/spawn.test.ts'), ['test/a/spawn.test.ts', 'bin/mvtep.js', 'src/cli/main.ts', 'src/lab/index.ts', 'src/lab/runtimeCache.ts']);
  assert.deepEqual(chains.get('test/a/program.test.ts'), ['test/a/program.test.ts', 'ovs-vsctl']);
});

test('MVTEP_TEST_ONLY_RUNTIME: a value other than 0 or 1 is an error naming the variable; a filter with no runtime file runs nothing', () => {
  const script = join(repo, 'scripts/test.mjs');
  const bad = spawnSync(process.execPath, [script, 'test/sriov/resolve'], { env: { ...process.env, MVTEP_TEST_ONLY_RUNTIME: 'yes' }, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /MVTEP_TEST_ONLY_RUNTIME: expected 1 or 0, got 'yes'/);
  const none = spawnSync(process.execPath, [script, 'test/sriov/resolve'], { env: { ...process.env, MVTEP_TEST_ONLY_RUNTIME: '1' }, encoding: 'utf8' });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no test files that use the runtime matched/);
});
