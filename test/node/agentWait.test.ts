// The agent in a DaemonSet comes up before or without OVS: it must wait for
// ovsdb-server (backoff, logged, /livez 200, /readyz 503 saying why) instead
// of exiting into CrashLoopBackOff, and be ready once the server answers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { waitFor, ready, notYet } from '../../src/lab/wait.ts';
import { startOvs } from './agentHarness.ts';
import { AgentProcess } from './agentProcess.ts';
import { IfaceWatch, plug } from './agentTestKit.ts';

const procs: AgentProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mvtep-agentwait-'));
after(() => {
  for (const p of procs) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function probe(port: unknown, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${String(port)}${path}`);
  return { status: r.status, body: (await r.text()).trim() };
}

const serving = (p: AgentProcess) => p.waitLog((l) => l['msg'] === 'serving /livez, /readyz and /metrics', 'serving');

test('started before ovsdb-server: waits (backoff, logged, /livez 200, /readyz 503 naming the socket), then syncs once the server is up', async (t) => {
  const h = await startOvs();
  t.after(() => h.down());
  await h.stopDb();
  const agent = new AgentProcess(['--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--listen', '127.0.0.1:0', '--resync', '0']);
  procs.push(agent);
  const { port } = await serving(agent);
  // Two failed passes: the agent is still there, and the delay grows.
  const first = await agent.waitLog((l) => l['msg'] === 'waiting for ovsdb', 'first retry');
  const second = await agent.waitLog((l) => l['msg'] === 'waiting for ovsdb' && l !== first, 'second retry', 10_000);
  assert.equal(first['remote'], h.remote);
  assert.match(String(first['error']), /db\.sock/);
  assert.ok(Number(second['retryInMs']) > Number(first['retryInMs']), `${String(first['retryInMs'])} then ${String(second['retryInMs'])}`);
  assert.equal(agent.child.exitCode, null);
  assert.deepEqual(await probe(port, '/livez'), { status: 200, body: 'ok' });
  const r = await probe(port, '/readyz');
  assert.equal(r.status, 503);
  assert.ok(r.body.startsWith(`not ready: not connected to ${h.remote}`), r.body);
  assert.match(await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text(), /^mvtep_agent_up 0$/m);

  await h.startDb();
  await agent.waitLog((l) => l['msg'] === 'initial reconcile done', 'synced after the server came up', 20_000);
  assert.deepEqual(await probe(port, '/readyz'), { status: 200, body: 'ok' });
  const c = await OvsdbClient.connect(h.remote);
  try {
    const w = new IfaceWatch(c);
    await w.cache.ready;
    await plug(c, 'enp2s0f0_3', { 'iface-id': 'pod-late' });
    await w.until('pod mapped after the late start', () => w.encap('enp2s0f0_3') === '192.0.2.2');
  } finally {
    c.close();
  }
  assert.equal(await agent.stop(), 0);
});

test('a server that accepts and never answers: each attempt times out naming the request, backoff between, the agent stays up unready', async (t) => {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
  });
  const path = join(dir, 'silent.sock');
  await new Promise<void>((r) => server.listen(path, r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  const sys = join(dir, 'sys');
  mkdirSync(join(sys, 'bus/pci/devices'), { recursive: true });
  const agent = new AgentProcess(['--ovsdb', `unix:${path}`, '--sysfs', sys, '--listen', '127.0.0.1:0', '--timeout', '0.3']);
  procs.push(agent);
  const { port } = await serving(agent);
  const first = await agent.waitLog((l) => l['msg'] === 'waiting for ovsdb', 'first timed-out attempt');
  assert.match(String(first['error']), /get_schema.* got no reply from unix:\S+silent\.sock within 300 ms/);
  const second = await agent.waitLog((l) => l['msg'] === 'waiting for ovsdb' && l !== first, 'second attempt', 10_000);
  assert.ok(Number(second['retryInMs']) > Number(first['retryInMs']));
  // Not a redial loop: one connection per attempt.
  assert.ok(accepted <= 3, `${accepted} connections`);
  const r = await probe(port, '/readyz');
  assert.equal(r.status, 503);
  assert.ok(r.body.includes(`unix:${path}`) && r.body.includes('get_schema'), r.body);
  assert.deepEqual(await probe(port, '/livez'), { status: 200, body: 'ok' });
  assert.equal(await agent.stop(), 0);
});

test('--start-timeout: not ready in time exits 3 naming the server and what it waited for', async () => {
  const sys = join(dir, 'sys2');
  mkdirSync(join(sys, 'bus/pci/devices'), { recursive: true });
  const absent = `unix:${join(dir, 'absent.sock')}`;
  const agent = new AgentProcess(['--ovsdb', absent, '--sysfs', sys, '--start-timeout', '1.5']);
  procs.push(agent);
  const started = Date.now();
  assert.equal(await agent.exited, 3);
  const ms = Date.now() - started;
  assert.ok(ms >= 1400 && ms < 6000, `${ms} ms`);
  const last = await waitFor<string>('the error line', async () => {
    const l = agent.lines.find((x) => x['msg'] === 'not json');
    return l ? ready(String(l['text'])) : notYet(agent.dump());
  }, 5000);
  assert.ok(last.includes(absent) && /not ready within 1\.5 s: not connected to/.test(last), last);
});
