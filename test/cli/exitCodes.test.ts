// The exit-code map knows error classes by name (so the error path of a
// command loads no other layer): each name must be a real MvtepError class,
// and the module may import nothing beyond src/util.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERROR_CLASSES, EXIT, exitCodeFor } from '../../src/cli/exitCodes.ts';
import { MvtepError, UsageError } from '../../src/util/errors.ts';
import { DeadlineError } from '../../src/util/deadline.ts';
import { WriteFilesError } from '../../src/util/atomicFiles.ts';
import { OvsdbConnectionError, OvsdbRemoteError, OvsdbTimeoutError } from '../../src/ovsdb/index.ts';
import { ConfigError, ZonesFileError } from '../../src/config/index.ts';
import { NodeSpecError } from '../../src/config/nodeSpecErrors.ts';
import { SnapshotError } from '../../src/observe/snapshot.ts';
import { ScenarioError } from '../../src/lab/scenarioReader.ts';
import { ListenError } from '../../src/node/agent/http.ts';
import { DashboardError } from '../../src/web/listen.ts';
import { UnixctlError } from '../../src/ovsdb/unixctl.ts';
import { TraceError } from '../../src/trace/explain.ts';
import { ProbeError } from '../../src/probe/probe.ts';
import { AgentSocketError } from '../../src/node/attachWire.ts';

const CLASSES: Record<string, abstract new (...args: never[]) => Error> = {
  UsageError, DeadlineError, WriteFilesError, OvsdbConnectionError, OvsdbRemoteError, OvsdbTimeoutError, ConfigError, ZonesFileError,
  NodeSpecError, SnapshotError, ScenarioError, ListenError, DashboardError, UnixctlError, TraceError, ProbeError, AgentSocketError,
};

test('every error class the exit-code map names is a real MvtepError class of that name', () => {
  const named = Object.values(ERROR_CLASSES).flat();
  assert.deepEqual([...named].sort(), Object.keys(CLASSES).sort(), 'the test knows every name the map uses');
  for (const name of named) {
    const cls = CLASSES[name]!;
    assert.equal(cls.name, name);
    assert.ok(cls.prototype instanceof MvtepError, `${name} extends MvtepError`);
  }
});

test('exit codes by class, code and cause', () => {
  assert.equal(exitCodeFor(new UsageError('bad', '--x')), EXIT.USAGE);
  assert.equal(exitCodeFor(new TraceError('trace-confirm-failed', 'differs', 'x')), EXIT.FINDINGS);
  assert.equal(exitCodeFor(new TraceError('trace-unknown-port', 'no such port', 'x')), EXIT.USAGE);
  assert.equal(exitCodeFor(new ProbeError('probe-send-failed', 'ping failed', 'x')), EXIT.FINDINGS);
  assert.equal(exitCodeFor(new UnixctlError('unixctl-timeout', 'silent', 'x')), EXIT.UNREACHABLE);
  assert.equal(exitCodeFor(new OvsdbTimeoutError('no reply', { remote: 'unix:/x' })), EXIT.UNREACHABLE);
  // A wrapped cause counts; a plain error with the same name does not pass for the class.
  assert.equal(exitCodeFor(new Error('reading bridges', { cause: new OvsdbTimeoutError('no reply', { remote: 'unix:/x' }) })), EXIT.UNREACHABLE);
  const impostor = new Error('looks like one');
  impostor.name = 'UsageError';
  assert.equal(exitCodeFor(impostor), EXIT.FINDINGS);
  assert.equal(exitCodeFor(new MvtepError('sriov-sysfs-unreadable', 'gone', '/x')), EXIT.USAGE);
  // Both file errors share a base class the map does not name: each is still found by its own name.
  const issue = { file: 'f.yaml', path: 'x', token: '', reason: 'missing' };
  assert.equal(exitCodeFor(new NodeSpecError([issue])), EXIT.USAGE);
  assert.equal(exitCodeFor(new ZonesFileError([issue])), EXIT.USAGE);
});

test('the exit-code module imports nothing beyond src/util (the error path of a command stays light)', async () => {
  const text = await readFile(new URL('../../src/cli/exitCodes.ts', import.meta.url), 'utf8');
  const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]!);
  assert.ok(imports.length > 0);
  for (const i of imports) assert.match(i, /^\.\.\/util\//, i);
});
