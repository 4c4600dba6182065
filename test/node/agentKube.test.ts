// Kubernetes-visible state: the node condition and Events the agent sends
// with --kube-node, through the official client library, to a local HTTP
// server that answers with API responses kept in fixtures/kube (no
// kube-apiserver runs here). The server records every request, so the test
// sees exactly what the library put on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { CONDITION_TYPE, eventOf, KubeReporter, nodeReport } from '../../src/node/agent/kube.ts';
import type { AgentStats } from '../../src/node/agent/index.ts';
import type { LogFields, LogLevel } from '../../src/node/agent/log.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { SEED_IDS, startOvs } from './agentHarness.ts';
import { AgentProcess } from './agentProcess.ts';
import { IfaceWatch, plug, setOvsKeys } from './agentTestKit.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/kube/${name}`, import.meta.url), 'utf8');

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly type: string | undefined;
  readonly auth: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A stand-in API server: answers `status` with `reply` for each request and records it. */
async function apiServer(answer: (req: IncomingMessage) => { status: number; body: string }) {
  const seen: Seen[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], auth: req.headers.authorization, body: JSON.parse(text || '{}') as Record<string, unknown> });
      for (const w of waiters) w();
      const a = answer(req);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP on loopback: the library allows it only with TLS verification off.
    clusters: [{ name: 'test', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'agent', token: 'test-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'agent' }],
    currentContext: 'test',
  });
  /** The first request (seen already or still to come) matching `pred`. */
  const until = (what: string, pred: (r: Seen) => boolean, timeoutMs = 30_000) => new Promise<Seen>((resolve, reject) => {
    const check = () => {
      const found = seen.find(pred);
      if (!found) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(found);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no request ${what} within ${timeoutMs} ms; seen: ${JSON.stringify(seen.map((r) => [r.method, r.url, r.body]))}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
  const port = (server.address() as AddressInfo).port;
  return { seen, kc, port, until, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const stats = (over: Partial<AgentStats> = {}): AgentStats => ({
  connected: true, synced: true, passes: 1, transactions: 0, sets: 0, removes: 0, writeErrors: 0, managed: 4, problems: [],
  configErrors: 0, configWarnings: 0, ...over,
});

test('nodeReport: not ready, VIFs not steered, config errors, all steered', () => {
  assert.deepEqual(nodeReport('waiting for ovsdb unix:/x', stats()), { ok: false, reason: 'AgentNotReady', message: 'waiting for ovsdb unix:/x' });
  const problems = Array.from({ length: 5 }, (_, i) => ({ kind: 'not-listed' as const, iface: `rep${i}`, ip: '192.0.2.99', message: '192.0.2.99 is not in ovn-encap-ip' }));
  const r = nodeReport(undefined, stats({ problems }));
  assert.equal(r.reason, 'VifsNotSteered');
  assert.match(r.message, /^5 VIF\(s\) not on their PF's VTEP: rep0: 192\.0\.2\.99 is not in ovn-encap-ip; rep1: .*; rep2: .* \(and 2 more\)$/);
  assert.equal(nodeReport(undefined, stats({ configErrors: 2 })).reason, 'EncapConfigError');
  assert.deepEqual(nodeReport(undefined, stats()), { ok: true, reason: 'AllVifsSteered', message: "4 VIF(s) on their PF's VTEP" });
  assert.ok(nodeReport('x'.repeat(2000), stats()).message.length <= 400);
});

test('eventOf: only the problem lines, with their fields', () => {
  assert.deepEqual(eventOf('warn', 'not reconciled', { iface: 'rep0', kind: 'not-listed', pf: undefined, ip: '192.0.2.99' }),
    { reason: 'VifNotSteered', message: 'not reconciled: iface=rep0 kind=not-listed ip=192.0.2.99' });
  assert.equal(eventOf('info', 'not reconciled'), undefined);
  assert.equal(eventOf('warn', 'waiting for ovsdb', { remote: 'unix:/x' }), undefined);
  assert.equal(eventOf('error', 'config error', { key: 'ovn-pf-encap-ip-mapping' })?.reason, 'EncapConfigError');
});

test('the condition is patched by strategic merge when it changes, events posted once per problem', async (t) => {
  const api = await apiServer((req) => (req.method === 'PATCH' ? { status: 200, body: fixture('node.json') } : { status: 201, body: fixture('event.json') }));
  t.after(() => api.close());
  let clock = Date.parse('2026-12-07T01:00:00Z');
  const logged: [LogLevel, string, LogFields | undefined][] = [];
  const reporter = await KubeReporter.create({ nodeName: 'hv1', kubeConfig: api.kc, log: (l, m, f) => logged.push([l, m, f]), now: () => new Date(clock) });

  reporter.update(nodeReport('waiting for ovsdb unix:/run/openvswitch/db.sock', stats()));
  await reporter.flush();
  assert.equal(api.seen.length, 1);
  const patch = api.seen[0]!;
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.url, '/api/v1/nodes/hv1/status');
  assert.equal(patch.type, 'application/strategic-merge-patch+json');
  assert.equal(patch.auth, 'Bearer test-token');
  assert.deepEqual(patch.body, { status: { conditions: [{
    type: CONDITION_TYPE, status: 'False', reason: 'AgentNotReady', message: 'waiting for ovsdb unix:/run/openvswitch/db.sock',
    lastHeartbeatTime: '2026-12-07T01:00:00.000Z', lastTransitionTime: '2026-12-07T01:00:00.000Z',
  }] } });

  // Unchanged and within the heartbeat: nothing sent. Changed: sent, with a new transition time only when the status flips.
  clock += 5_000;
  reporter.update(nodeReport('waiting for ovsdb unix:/run/openvswitch/db.sock', stats()));
  clock += 5_000;
  reporter.update(nodeReport(undefined, stats()));
  await reporter.flush();
  assert.equal(api.seen.length, 2);
  const up = (api.seen[1]!.body as { status: { conditions: Record<string, string>[] } }).status.conditions[0]!;
  assert.deepEqual([up.status, up.reason, up.lastTransitionTime], ['True', 'AllVifsSteered', '2026-12-07T01:00:10.000Z']);
  clock += 61_000;
  reporter.update(nodeReport(undefined, stats()));
  await reporter.flush();
  assert.equal(api.seen.length, 3, 'heartbeat after 60 s');
  const beat = (api.seen[2]!.body as { status: { conditions: Record<string, string>[] } }).status.conditions[0]!;
  assert.deepEqual([beat.lastHeartbeatTime, beat.lastTransitionTime], ['2026-12-07T01:01:11.000Z', '2026-12-07T01:00:10.000Z']);

  reporter.observe('warn', 'not reconciled', { iface: 'rep0', kind: 'not-listed', ip: '192.0.2.99', detail: '192.0.2.99 is not in ovn-encap-ip' });
  reporter.observe('warn', 'not reconciled', { iface: 'rep0', kind: 'not-listed', ip: '192.0.2.99', detail: '192.0.2.99 is not in ovn-encap-ip' });
  reporter.observe('info', 'encap-ip set', { iface: 'rep1' });
  await reporter.flush();
  assert.equal(api.seen.length, 4, 'one event for the repeated problem, none for info');
  const ev = api.seen[3]!;
  assert.deepEqual([ev.method, ev.url], ['POST', '/api/v1/namespaces/default/events']);
  assert.deepEqual(ev.body.involvedObject, { kind: 'Node', apiVersion: 'v1', name: 'hv1', uid: 'hv1' });
  assert.equal(ev.body.type, 'Warning');
  assert.equal(ev.body.reason, 'VifNotSteered');
  assert.match(ev.body.message as string, /iface=rep0 .*192\.0\.2\.99 is not in ovn-encap-ip/);
  assert.deepEqual(ev.body.source, { component: 'mvtep-agent', host: 'hv1' });
  assert.equal(ev.body.firstTimestamp, '2026-12-07T01:01:11.000Z');
  assert.deepEqual(logged, []);
});

test('an API that refuses (RBAC) is logged with its status, the reporter keeps going', async (t) => {
  const api = await apiServer(() => ({ status: 403, body: fixture('forbidden.json') }));
  t.after(() => api.close());
  const logged: [LogLevel, string, LogFields | undefined][] = [];
  const reporter = await KubeReporter.create({ nodeName: 'hv1', kubeConfig: api.kc, log: (l, m, f) => logged.push([l, m, f]) });
  reporter.update(nodeReport(undefined, stats()));
  reporter.observe('error', 'cannot read sysfs', { error: 'ENOENT /host/sys/class/net' });
  await reporter.flush();
  assert.equal(api.seen.length, 2);
  assert.deepEqual(logged.map(([l, m, f]) => [l, m, f?.request, f?.status]),
    [['warn', 'kubernetes api request failed', 'patch node status', 403], ['warn', 'kubernetes api request failed', 'create event', 403]]);
  assert.match(String(logged[0]![2]!.error), /forbidden|403/i);
});

type Condition = Record<string, string>;
const conditionOf = (r: Seen): Condition | undefined =>
  r.method === 'PATCH' ? (r.body as { status?: { conditions?: Condition[] } }).status?.conditions?.find((c) => c.type === CONDITION_TYPE) : undefined;

test('mvtep agent --kube-node: the daemon on a real ovsdb-server reports its condition and a problem as an Event', { timeout: 90_000 }, async (t) => {
  const api = await apiServer((req) => (req.method === 'PATCH' ? { status: 200, body: fixture('node.json') } : { status: 201, body: fixture('event.json') }));
  t.after(() => api.close());
  const h = await startOvs();
  t.after(() => h.down());
  const dir = mkdtempSync(join(tmpdir(), 'mvtep-kube-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  // JSON is YAML: the library reads it as any kubeconfig.
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'test', cluster: { server: `http://127.0.0.1:${api.port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'agent', user: { token: 'file-token' } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'agent' } }],
  }));
  const c = await OvsdbClient.connect(h.remote);
  t.after(() => c.close());
  const w = new IfaceWatch(c);
  await w.cache.ready;
  await plug(c, 'enp1s0f0_0', { 'iface-id': 'pod-k' });
  const agent = new AgentProcess(['--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--kube-node', 'hv1', '--kubeconfig', kubeconfig]);
  t.after(() => agent.kill());
  const up = await api.until('condition True', (r) => conditionOf(r)?.status === 'True');
  assert.equal(up.url, '/api/v1/nodes/hv1/status');
  assert.equal(up.auth, 'Bearer file-token');
  assert.deepEqual([conditionOf(up)!.reason, conditionOf(up)!.message], ['AllVifsSteered', "1 VIF(s) on their PF's VTEP"]);
  assert.equal(w.encap('enp1s0f0_0'), '192.0.2.1');

  // A VTEP OVN does not list: the agent refuses it; the node says so, and an Event names the VIF.
  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': 'enp1s0f0:198.51.100.7,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.3' });
  const down = await api.until('condition False', (r) => conditionOf(r)?.reason === 'VifsNotSteered');
  assert.equal(conditionOf(down)!.status, 'False');
  assert.match(conditionOf(down)!.message!, /^1 VIF\(s\) not on their PF's VTEP: enp1s0f0_0: .*198\.51\.100\.7/);
  const ev = await api.until('event', (r) => r.method === 'POST' && r.body.reason === 'VifNotSteered');
  assert.equal(ev.url, '/api/v1/namespaces/default/events');
  assert.match(ev.body.message as string, /iface=enp1s0f0_0/);
  assert.equal(w.encap('enp1s0f0_0'), '192.0.2.1', 'the unlisted VTEP is never written');

  await setOvsKeys(c, { 'ovn-pf-encap-ip-mapping': SEED_IDS['ovn-pf-encap-ip-mapping'] });
  const back = await api.until('condition True again', (r) => r !== up && conditionOf(r)?.status === 'True' && api.seen.indexOf(r) > api.seen.indexOf(down));
  assert.notEqual(conditionOf(back)!.lastTransitionTime, conditionOf(down)!.lastTransitionTime);
  assert.equal(await agent.stop(), 0);
  assert.ok(!agent.lines.some((l) => l['msg'] === 'kubernetes api request failed'), JSON.stringify(agent.lines));
});

test('mvtep agent: --kube-node must be a node name, --kubeconfig needs it and must be readable', async () => {
  for (const [args, pattern] of [
    [['--kube-node', 'HV_1'], /--kube-node 'HV_1' is not a Kubernetes node name/],
    [['--kubeconfig', '/nonexistent'], /--kubeconfig needs --kube-node/],
    [['--kube-node', 'hv1', '--kubeconfig', '/nonexistent/kubeconfig'], /cannot load the kubeconfig \/nonexistent\/kubeconfig/],
  ] as const) {
    const agent = new AgentProcess(['--ovsdb', 'unix:/nonexistent.sock', '--sysfs', '/sys', ...args]);
    assert.equal(await agent.exited, 2, args.join(' '));
    assert.match(agent.lines.map((l) => String(l['text'] ?? JSON.stringify(l))).join('\n'), pattern);
  }
});

type Obj = Record<string, unknown>;
const deployDocs = (name: string) => parseAllDocuments(readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8')).map((d) => d.toJS() as Obj);

test('deploy: the kube-state patch adds --kube-node from spec.nodeName and a token to the agent only; RBAC is nodes/status patch and events create', () => {
  type Container = { name: string; args: string[]; env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]; volumeMounts?: { name: string; mountPath: string }[] };
  type PodSpec = { serviceAccountName: string; automountServiceAccountToken?: boolean; containers: Container[]; volumes: { name: string; projected?: { sources: Obj[] } }[] };
  const ds = deployDocs('agent-daemonset.yaml').find((d) => d.kind === 'DaemonSet') as { metadata: { namespace: string }; spec: { template: { spec: PodSpec } } };
  const base = ds.spec.template.spec;
  const patch = (deployDocs('agent-kube-state.patch.yaml')[0] as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
  const agent = patch.containers.find((c) => c.name === 'agent')!;
  // The patch replaces the argument list: the base's, plus --kube-node only.
  assert.deepEqual(agent.args, [...base.containers.find((c) => c.name === 'agent')!.args, '--kube-node=$(NODE_NAME)']);
  assert.equal(agent.env?.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
  const mount = agent.volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
  assert.ok(mount, 'the agent needs a token for the API');
  const sources = patch.volumes.find((v) => v.name === mount.name)?.projected?.sources ?? [];
  assert.ok(sources.some((x) => 'serviceAccountToken' in x) && sources.some((x) => 'configMap' in x), 'projected token and CA');
  assert.equal(patch.automountServiceAccountToken, undefined, 'the pod keeps automountServiceAccountToken: false');
  assert.equal(base.automountServiceAccountToken, false);
  const rbac = deployDocs('agent-kube-state.yaml');
  const role = rbac.find((d) => d.kind === 'ClusterRole') as { metadata: { name: string }; rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  assert.deepEqual(role.rules.map((r) => `${r.apiGroups.join()}/${r.resources.join()}:${r.verbs.join()}`).sort(), ['/events:create', '/nodes/status:patch']);
  const binding = rbac.find((d) => d.kind === 'ClusterRoleBinding') as { roleRef: { name: string }; subjects: { name: string; namespace: string }[] };
  assert.equal(binding.roleRef.name, role.metadata.name);
  assert.deepEqual(binding.subjects.map((x) => `${x.namespace}/${x.name}`), [`${ds.metadata.namespace}/${base.serviceAccountName}`]);
});
