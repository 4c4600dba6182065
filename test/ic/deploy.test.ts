// deploy/ic-steer-deployment.yaml: its zones file is valid, and the real CLI
// accepts its arguments (run once against that file: the zones are not there, so exit 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseZonesFile } from '../../src/config/index.ts';
import { runCli } from '../helpers/cliIo.ts';

interface Doc {
  kind: string;
  data?: Record<string, string>;
  spec?: { replicas: number; strategy: { type: string }; template: { spec: {
    containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; configMap?: { name: string } }[] } } };
  metadata: { name: string };
}

test('the ic steer Deployment: one replica, its zones file from the ConfigMap, arguments the CLI accepts', async () => {
  const docs = parseAllDocuments(await readFile(new URL('../../deploy/ic-steer-deployment.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as Doc);
  const dep = docs.find((d) => d.kind === 'Deployment')!;
  const cm = docs.find((d) => d.kind === 'ConfigMap')!;
  assert.equal(dep.spec!.replicas, 1);
  assert.equal(dep.spec!.strategy.type, 'Recreate');
  const pod = dep.spec!.template.spec;
  const args = pod.containers[0]!.args;
  assert.deepEqual(args.slice(0, 2), ['ic', 'steer']);
  const zonesPath = args.find((a) => a.startsWith('--zones='))!.slice('--zones='.length);
  const mount = pod.containers[0]!.volumeMounts.find((m) => zonesPath.startsWith(m.mountPath + '/'))!;
  assert.equal(pod.volumes.find((v) => v.name === mount.name)?.configMap?.name, cm.metadata.name);
  const fileName = zonesPath.slice(mount.mountPath.length + 1);
  const zones = parseZonesFile(cm.data![fileName]!, fileName);
  assert.equal(zones.zones.length, 3);

  const dir = await mkdtemp(join(tmpdir(), 'mvtep-icdeploy-'));
  try {
    const local = join(dir, fileName);
    // Same zones, on loopback ports nothing listens on: the run must get as far as contacting them.
    await writeFile(local, cm.data![fileName]!.replace(/tcp:192\.0\.2\.\d+:(\d+)/g, (_m, port: string) => `tcp:127.0.0.1:${Number(port) + 20000}`));
    const r = await runCli([...args.slice(0, 2), ...args.slice(2).map((a) => a.startsWith('--zones=') ? `--zones=${local}` : a), '--once', '--dry-run', '--json']);
    assert.equal(r.code, 3, r.out + r.err);
    assert.equal((JSON.parse(r.out) as { totals: { unreachable: number } }).totals.unreachable, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
