import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { startOvs, type OvsHarness } from './agentHarness.ts';
import { IfaceWatch, plug } from './agentTestKit.ts';
import { AgentProcess } from './agentProcess.ts';

// The daemon as it runs in the DaemonSet: a separate process, JSON logs on
// stderr, /livez + /readyz + /metrics, SIGHUP reload, SIGTERM exit 0.
let h: OvsHarness;
const procs: AgentProcess[] = [];

before(async () => {
  h = await startOvs();
});
after(async () => {
  for (const p of procs) p.kill();
  await h?.down();
});

test('mvtep agent: logs JSON, serves /readyz, reloads on SIGHUP, exits 0 on SIGTERM', async () => {
  const c = await OvsdbClient.connect(h.remote);
  const w = new IfaceWatch(c);
  try {
    await w.cache.ready;
    await plug(c, 'enp2s0f0_2', { 'iface-id': 'pod-cli' });
    const agent = new AgentProcess(['--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--listen', '127.0.0.1:0']);
    procs.push(agent);
    const serving = await agent.waitLog((l) => l['msg'] === 'serving /livez, /readyz and /metrics', 'serving');
    await w.until('pod mapped by the daemon', () => w.encap('enp2s0f0_2') === '192.0.2.2');
    await agent.waitLog((l) => l['msg'] === 'initial reconcile done', 'synced');
    for (const l of agent.lines) {
      assert.equal(typeof l['ts'], 'string');
      assert.equal(l['component'], 'mvtep-agent');
    }
    const hz = await fetch(`http://127.0.0.1:${String(serving['port'])}/readyz`);
    assert.equal(hz.status, 200);
    agent.child.kill('SIGHUP');
    await agent.waitLog((l) => l['msg'] === 'full re-evaluation requested' && l['reason'] === 'reload', 'reload');
    assert.equal(await agent.stop(), 0);
    assert.ok(agent.lines.some((l) => l['msg'] === 'agent stopped'));
  } finally {
    c.close();
  }
});

test('/metrics follows Prometheus conventions (prom-client): base units, _total counters, mvtep_build_info, process and Node.js runtime series', async () => {
  const agent = new AgentProcess(['--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--listen', '127.0.0.1:0', '--attach-socket', join(h.dir, 'attach.sock')]);
  procs.push(agent);
  const { port } = await agent.waitLog((l) => l['msg'] === 'serving /livez, /readyz and /metrics', 'serving');
  await agent.waitLog((l) => l['msg'] === 'serving attach requests', 'attach socket');
  const res = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.ok(text.includes(`mvtep_build_info{version="${version}",nodejs="${process.version}"} 1`), text.slice(0, 400));
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes', 'mvtep_agent_up', 'mvtep_agent_encap_ip_sets_total', 'mvtep_agent_attach_requests_total']) {
    assert.match(text, new RegExp(`^${name}(\\{[^}]*\\})? \\S+$`, 'm'), name);
  }
  // Every family declared once, with HELP and TYPE; counters end in _total; durations in seconds, never ms.
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    assert.ok(!types.has(m[1]!), `${m[1]} declared twice`);
    types.set(m[1]!, m[2]!);
    assert.match(text, new RegExp(`^# HELP ${m[1]} \\S`, 'm'), `${m[1]} has no HELP`);
  }
  for (const [name, type] of types) {
    if (type === 'counter') assert.match(name, /_total$/, name);
    assert.doesNotMatch(name, /_(ms|millis|milliseconds)$/, name);
  }
  assert.equal(types.get('mvtep_agent_reaction_seconds'), 'histogram');
  assert.match(text, /^mvtep_agent_reaction_seconds_bucket\{le="0\.001"\} \d+$/m);
  assert.equal(await agent.stop(), 0);
});
