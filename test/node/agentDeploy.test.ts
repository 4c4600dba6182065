import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { agentCommands } from '../../src/cli/commands/agent.ts';

// The DaemonSet must run exactly what `mvtep agent` accepts, on the host
// network, with /sys and the OVS run dir mounted and the probes on /readyz and /livez.
const file = new URL('../../deploy/agent-daemonset.yaml', import.meta.url);

interface Probe { httpGet: { host: string; port: number; path: string } }
interface Container { args: string[]; readinessProbe: Probe; livenessProbe: Probe; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }
interface PodSpec { hostNetwork: boolean; containers: Container[]; volumes: Array<{ name: string; hostPath: { path: string } }> }

test('the DaemonSet runs the agent with options the CLI accepts, on the host network', async () => {
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as { kind: string; spec?: { template: { spec: PodSpec } } });
  const ds = docs.find((d) => d.kind === 'DaemonSet');
  assert.ok(ds?.spec);
  const pod = ds.spec.template.spec;
  assert.equal(pod.hostNetwork, true);
  const c = pod.containers[0]!;
  assert.equal(c.args[0], 'agent');
  const usage = agentCommands[0]!.usage;
  const opts = new Map(c.args.slice(1).map((a) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    assert.ok(m, `argument ${a} is not --name=value`);
    assert.ok(usage.includes(`--${m[1]}`), `--${m[1]} is not an agent option`);
    return [m[1]!, m[2]!] as const;
  }));
  const listen = opts.get('listen')!;
  assert.equal(`${c.readinessProbe.httpGet.host}:${c.readinessProbe.httpGet.port}`, listen);
  // Readiness follows OVSDB; liveness must not (an OVS outage must not restart the agent).
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/livez');
  const mount = (path: string) => c.volumeMounts.find((m) => m.mountPath === path);
  const hostPathOf = (name: string | undefined) => pod.volumes.find((v) => v.name === name)?.hostPath.path;
  assert.equal(hostPathOf(mount(opts.get('sysfs')!)?.name), '/sys');
  assert.equal(mount(opts.get('sysfs')!)?.readOnly, true);
  const sock = opts.get('ovsdb')!.replace(/^unix:/, '');
  const runDir = c.volumeMounts.find((m) => sock.startsWith(m.mountPath + '/'));
  assert.equal(hostPathOf(runDir?.name), '/var/run/openvswitch');
  assert.ok(docs.some((d) => d.kind === 'ServiceAccount'));
});
