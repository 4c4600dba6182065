import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentListen as parseListen, ListenError, serveAgentHttp, startAgent } from '../../src/node/agent/index.ts';
import { AGENT_PORT } from '../../src/node/agent/ports.ts';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { UsageError } from '../../src/util/errors.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { waitFor, ready, notYet } from '../../src/lab/wait.ts';
import { startOvs } from './agentHarness.ts';

async function probe(url: string, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${url}${path}`);
  return { status: r.status, body: (await r.text()).trim() };
}

test('--listen: one address, port 9486 when none is given (never 9476, ovnkube-node\'s), never a wildcard', () => {
  assert.equal(AGENT_PORT, 9486);
  assert.deepEqual(parseListen('127.0.0.1:9486'), { host: '127.0.0.1', port: 9486 });
  assert.deepEqual(parseListen('[::1]:9486'), { host: '::1', port: 9486 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  // The dashboard's grammar (one parser in src/config): a bare port is loopback too.
  assert.deepEqual(parseListen('9486'), { host: '127.0.0.1', port: 9486 });
  // A bare address is that address on the agent's port: `--listen=$(POD_IP)` works for either family.
  assert.deepEqual(parseListen('127.0.0.1'), { host: '127.0.0.1', port: AGENT_PORT });
  assert.deepEqual(parseListen('192.0.2.10'), { host: '192.0.2.10', port: AGENT_PORT });
  assert.deepEqual(parseListen('2001:db8::10'), { host: '2001:db8::10', port: AGENT_PORT });
  assert.deepEqual(parseListen('[2001:db8::10]'), { host: '2001:db8::10', port: AGENT_PORT });
  assert.deepEqual(parseListen('[2001:db8::10]:9500'), { host: '2001:db8::10', port: 9500 });
  for (const bad of ['0.0.0.0:9486', '0.0.0.0', '[::]:9486', '::']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof ListenError && e.code === 'agent-bad-listen' && e.input === bad && /wildcard/.test(e.message), bad);
  }
  // Not an address at all is bad usage (exit 2), as for `mvtep ui --listen`.
  for (const bad of ['127.0.0.1:99999', ':9486', 'x:y', 'nonsense']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof UsageError && e.input === bad, bad);
  }
});

test('a taken port fails at once naming the port and its holder (9476: ovnkube-node\'s OVN metrics), exit 2', async (t) => {
  // What ovnkube-node does on every OVN-Kubernetes node: listen on 9476.
  const holder = createServer();
  const mine = await new Promise<boolean>((resolve) => {
    holder.once('error', () => resolve(false));
    holder.listen(9476, '127.0.0.1', () => resolve(true));
  });
  t.after(() => new Promise((r) => holder.close(r)));
  const agent = { notReady: () => undefined, metrics: async () => '' };
  await assert.rejects(serveAgentHttp(agent, '127.0.0.1:9476'), (e: unknown) => {
    assert.ok(e instanceof ListenError && e.code === 'agent-port-in-use', String(e));
    assert.match(e.message, /port 9476 is already in use/);
    assert.match(e.message, /ovnkube-node OVN metrics/);
    assert.match(e.message, /default port is 9486/);
    // The holder is found in /proc when visible: here, this test process.
    if (mine) assert.ok(e.message.includes(`(pid ${process.pid})`), e.message);
    return true;
  });
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-port-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'sys/bus/pci/devices'), { recursive: true });
  const io = captureIo({}, '/');
  const started = Date.now();
  // The port is taken before OVSDB is even looked at (nothing listens on this socket).
  const code = await main(['agent', '--ovsdb', `unix:${join(dir, 'absent.sock')}`, '--sysfs', join(dir, 'sys'), '--listen', '127.0.0.1:9476'], io);
  assert.equal(code, 2, io.err());
  assert.ok(Date.now() - started < 5000);
  assert.match(io.err(), /agent-port-in-use.*port 9476 is already in use.*ovnkube-node/);
});

test('/readyz (and its alias /healthz): 200 while the agent runs, 503 with the reason once it stopped; /livez stays 200; /metrics is GET only', async (t) => {
  const h = await startOvs();
  t.after(() => h.down());
  const agent = await startAgent({ ovsdb: h.remote, sysfsRoot: h.sysfs.root, resyncMs: 0 });
  t.after(() => agent.stop());
  await agent.ready;
  const http = await serveAgentHttp(agent, '127.0.0.1:0');
  t.after(() => http.close());
  const url = `http://127.0.0.1:${http.port}`;
  for (const path of ['/livez', '/readyz', '/healthz']) assert.deepEqual(await probe(url, path), { status: 200, body: 'ok' }, path);
  assert.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^mvtep_agent_up 1$/m);
  await agent.stop();
  assert.deepEqual(await probe(url, '/readyz'), { status: 503, body: 'not ready: agent stopped' });
  assert.deepEqual(await probe(url, '/healthz'), { status: 503, body: 'not ready: agent stopped' });
  // Liveness is about the process, which still answers.
  assert.deepEqual(await probe(url, '/livez'), { status: 200, body: 'ok' });
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^mvtep_agent_up 0$/m);
});

test('an OVSDB outage: /livez stays 200 (no restart by the kubelet), /readyz is 503 naming the server, then 200 again after the reconnect', async (t) => {
  const h = await startOvs();
  t.after(() => h.down());
  // Short backoff so the reconnect after the outage is quick; the default is 1 -> 8 s.
  const client = await OvsdbClient.connect(h.remote, { backoffMinMs: 50, backoffMaxMs: 200 });
  t.after(() => client.close());
  const agent = await startAgent({ ovsdb: client, sysfsRoot: h.sysfs.root, resyncMs: 0 });
  t.after(() => agent.stop());
  await agent.ready;
  const http = await serveAgentHttp(agent, '127.0.0.1:0');
  t.after(() => http.close());
  const url = `http://127.0.0.1:${http.port}`;
  assert.equal((await probe(url, '/readyz')).status, 200);
  await h.stopDb();
  const down = await waitFor('/readyz 503 during the outage', async () => {
    const r = await probe(url, '/readyz');
    return r.status === 503 ? ready(r) : notYet(`${r.status} ${r.body}`);
  }, 15_000);
  assert.match(down.body, /^not ready: not connected to unix:\S+db\.sock/);
  assert.ok(down.body.includes(h.remote), down.body);
  assert.deepEqual(await probe(url, '/livez'), { status: 200, body: 'ok' });
  assert.equal((await probe(url, '/healthz')).status, 503);
  await h.startDb();
  await waitFor('/readyz 200 after the reconnect', async () => {
    const r = await probe(url, '/readyz');
    return r.status === 200 ? ready(true) : notYet(`${r.status} ${r.body}`);
  }, 15_000);
  assert.deepEqual(await probe(url, '/livez'), { status: 200, body: 'ok' });
});
